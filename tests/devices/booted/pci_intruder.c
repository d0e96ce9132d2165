/* pci-intruder: a module without the `pci` capability (tests/devices/booted). Listing or opening a
 * PCI function is E_PERMISSION_DENIED, and it has no PciDevice or BAR handle to use instead. */
#include <azoth.h>
#define BOOTED_MODULE "pci-intruder"
#include "booted_check.h"

static void denied(void)
{
    const char* name = "denied";
    azoth_pci_info_t info;
    azoth_handle_t handle = 0;
    azoth_status_t status = azoth_pci_list(0, &info);
    CHECK(name, status == AZOTH_E_PERMISSION_DENIED, "pci_list answered %d", (int)status);
    status = azoth_pci_open(0, &handle);
    CHECK(name, status == AZOTH_E_PERMISSION_DENIED, "pci_open answered %d", (int)status);
    uint32_t value = 0;
    status = azoth_pci_config_read(1, 0, 4, &value); /* a guessed handle number names nothing */
    CHECK(name, status == AZOTH_E_BAD_HANDLE, "pci_config_read on a guessed handle answered %d", (int)status);
    ok(name);
}

int main(void)
{
    denied();
    printf("pci-intruder: %s (%d failed)\n", failures ? "FAILED" : "all passed", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
