/* pci-probe: the booted PCI test's driver-shaped module (tests/devices/booted). Its manifest grants
 * the `pci` capability and nothing else. It lists the functions the kernel enumerated (printed for
 * the test driver, tests/devices/pci-boot-test.py, to compare with the kernel's own log and with
 * what QEMU was given), checks that every assigned BAR is disjoint from every other, reads the
 * common configuration of the virtio-rng (1af4:1044, root bus) and of the virtio console (1af4:1043,
 * behind a PCIe root port) through the BAR their virtio capability names, and
 * checks that its PciDevice handle reaches nothing the kernel owns: the BAR registers, the command
 * register's decode and bus-master bits, MSI-X, past its own 4 KiB, past a BAR's end, or without
 * the right it needs. Every case prints "pci-probe: CASE ok" or "pci-probe: FAIL CASE: detail". */
#include <azoth.h>
#define BOOTED_MODULE "pci-probe"
#include "booted_check.h"
#include <stdint.h>
#include <stdio.h>

#define MAX_FUNCTIONS 64
#define VIRTIO_RNG 0x1044u

static azoth_pci_info_t functions[MAX_FUNCTIONS];
static uint32_t function_count;
static int rng = -1; /* index in functions[] */

static void list(void)
{
    const char* name = "list";
    int host_bridges = 0, rngs = 0;
    for (uint32_t index = 0;; ++index) {
        azoth_pci_info_t info;
        azoth_status_t status = azoth_pci_list(index, &info);
        if (status == AZOTH_E_NOT_FOUND)
            break;
        CHECK(name, status == AZOTH_OK, "pci_list(%u) answered %d", index, (int)status);
        CHECK(name, index < MAX_FUNCTIONS, "more than %d functions", MAX_FUNCTIONS);
        functions[function_count++] = info;
        printf("pci-probe: function %02x:%02x.%u %04x:%04x class %06x\n", info.address >> 8, (info.address >> 3) & 31,
               info.address & 7, info.vendor, info.device, info.class_code);
        if ((info.class_code >> 8) == 0x0600)
            ++host_bridges;
        if (info.vendor == 0x1af4 && info.device == VIRTIO_RNG) {
            ++rngs;
            rng = (int)index;
        }
    }
    CHECK(name, host_bridges == 1, "%d host bridges", host_bridges);
    CHECK(name, rngs == 1, "%d virtio-rng functions (1af4:1044)", rngs);
    azoth_handle_t handle;
    CHECK(name, azoth_pci_open(0xFFFF, &handle) == AZOTH_E_NOT_FOUND, "a function at ff:1f.7 was opened");
    CHECK(name, azoth_pci_open(0x10000, &handle) == AZOTH_E_NOT_FOUND, "an address past 16 bits was opened");
    printf("pci-probe: %u functions\n", function_count);
    ok(name);
}

struct window {
    uint32_t address; /* of the function */
    uint32_t index;
    azoth_pci_bar_t bar;
};

static void bars(void)
{
    const char* name = "bars";
    static struct window windows[MAX_FUNCTIONS * 6];
    uint32_t count = 0;
    for (uint32_t i = 0; i < function_count; ++i) {
        azoth_handle_t device;
        CHECK(name, azoth_pci_open(functions[i].address, &device) == AZOTH_OK, "pci_open(%04x)", functions[i].address);
        for (uint32_t index = 0; index < 6; ++index) {
            azoth_pci_bar_t bar;
            azoth_status_t status = azoth_pci_bar_info(device, index, &bar);
            if (status == AZOTH_E_NOT_FOUND)
                continue;
            CHECK(name, status == AZOTH_OK, "pci_bar_info(%04x, %u) answered %d", functions[i].address, index, (int)status);
            int assigned = (bar.flags & AZOTH_PCI_BAR_ASSIGNED) != 0;
            printf("pci-probe: bar %04x %u kind %u flags %u address %#llx size %#llx\n", functions[i].address, index, bar.kind, bar.flags,
                   (unsigned long long)bar.address, (unsigned long long)bar.size);
            CHECK(name, bar.size != 0 && (bar.size & (bar.size - 1)) == 0, "BAR size %#llx is not a power of two", (unsigned long long)bar.size);
            if (!assigned)
                continue;
            CHECK(name, bar.address % bar.size == 0 || (bar.flags & AZOTH_PCI_BAR_PORTS), "BAR at %#llx is not aligned to its size",
                  (unsigned long long)bar.address);
            windows[count++] = (struct window) { functions[i].address, index, bar };
        }
        /* An assigned BAR decodes: the kernel turned decode on (a driver cannot). */
        uint32_t command = 0;
        CHECK(name, azoth_pci_config_read(device, 0x04, 2, &command) == AZOTH_OK, "command read");
        for (uint32_t w = 0; w < count; ++w) {
            if (windows[w].address != functions[i].address)
                continue;
            uint32_t bit = windows[w].bar.kind == AZOTH_PCI_BAR_IO ? 0x1 : 0x2;
            CHECK(name, command & bit, "%04x has an assigned BAR%u but its command register (%#x) does not decode it", functions[i].address,
                  windows[w].index, command);
        }
        if ((int)i == rng) {
            azoth_pci_bar_t bar;
            CHECK(name, azoth_pci_bar_info(device, 4, &bar) == AZOTH_OK && (bar.flags & AZOTH_PCI_BAR_ASSIGNED) && bar.kind == AZOTH_PCI_BAR_MEM64,
                  "virtio-rng's BAR4 is not an assigned 64-bit BAR");
        }
        azoth_handle_close(device);
    }
    /* Disjoint: port windows among themselves, CPU memory windows among themselves. */
    for (uint32_t a = 0; a < count; ++a) {
        for (uint32_t b = a + 1; b < count; ++b) {
            if ((windows[a].bar.flags & AZOTH_PCI_BAR_PORTS) != (windows[b].bar.flags & AZOTH_PCI_BAR_PORTS))
                continue;
            uint64_t a0 = windows[a].bar.address, a1 = a0 + windows[a].bar.size;
            uint64_t b0 = windows[b].bar.address, b1 = b0 + windows[b].bar.size;
            CHECK(name, a1 <= b0 || b1 <= a0, "BAR %04x/%u [%#llx, %#llx) overlaps %04x/%u [%#llx, %#llx)", windows[a].address, windows[a].index,
                  (unsigned long long)a0, (unsigned long long)a1, windows[b].address, windows[b].index, (unsigned long long)b0,
                  (unsigned long long)b1);
        }
    }
    printf("pci-probe: %u assigned BARs, pairwise disjoint\n", count);
    ok(name);
}

static uint32_t config(azoth_handle_t device, uint32_t offset, uint32_t width)
{
    uint32_t value = 0xFFFFFFFFu;
    if (azoth_pci_config_read(device, offset, width, &value) != AZOTH_OK)
        return 0xFFFFFFFFu;
    return value;
}

/* The virtio PCI capability (id 0x09) of cfg_type `type`: its offset in config space, 0 when none. */
static uint32_t virtio_capability(azoth_handle_t device, uint32_t type)
{
    if (!(config(device, 0x06, 2) & 0x10))
        return 0;
    uint32_t at = config(device, 0x34, 1) & 0xFC;
    for (int steps = 0; steps < 48 && at >= 0x40; ++steps) {
        uint32_t header = config(device, at, 4);
        if ((header & 0xFF) == 0x09 && ((header >> 24) & 0xFF) == type)
            return at;
        at = (header >> 8) & 0xFC;
    }
    return 0;
}

static uint32_t capability_at(azoth_handle_t device, uint8_t id)
{
    uint32_t at = config(device, 0x34, 1) & 0xFC;
    for (int steps = 0; steps < 48 && at >= 0x40; ++steps) {
        uint32_t header = config(device, at, 2);
        if ((header & 0xFF) == id)
            return at;
        at = (header >> 8) & 0xFC;
    }
    return 0;
}

static int find_function(uint32_t vendor, uint32_t device)
{
    for (uint32_t i = 0; i < function_count; ++i) {
        if (functions[i].vendor == vendor && functions[i].device == device)
            return (int)i;
    }
    return -1;
}

/* The virtio function `id`'s common configuration, read through the BAR its capability names:
 * the virtio-rng on the root bus, and the virtio console behind the PCIe root port (so through the
 * bridge's forwarding window). */
static void virtio_common(uint32_t id, const char* name)
{
    int index = find_function(0x1af4, id);
    CHECK(name, index >= 0, "no 1af4:%04x", id);
    azoth_handle_t device, window;
    CHECK(name, azoth_pci_open(functions[index].address, &device) == AZOTH_OK, "pci_open");
    uint32_t common = virtio_capability(device, 1);
    CHECK(name, common != 0, "no virtio common-configuration capability");
    uint32_t bar = config(device, common + 4, 1);
    uint32_t offset = config(device, common + 8, 4);
    uint32_t length = config(device, common + 12, 4);
    CHECK(name, azoth_pci_bar_open(device, bar, &window) == AZOTH_OK, "pci_bar_open(%u)", bar);
    /* device_feature_select = 1, then device_feature: VIRTIO_F_VERSION_1 is bit 32 (a modern device). */
    CHECK(name, azoth_register_write(window, offset + 0, 4, 1) == AZOTH_OK, "writing device_feature_select");
    uint64_t features = 0, queues = 0;
    CHECK(name, azoth_register_read(window, offset + 4, 4, &features) == AZOTH_OK, "reading device_feature");
    /* All ones is what an undecoded BAR reads. */
    CHECK(name, (features & 1) && features != 0xFFFFFFFFull, "VIRTIO_F_VERSION_1 is not offered (features[63:32] = %#llx)",
          (unsigned long long)features);
    CHECK(name, azoth_register_read(window, offset + 0x12, 2, &queues) == AZOTH_OK && queues >= 1 && queues != 0xFFFF, "num_queues %llu",
          (unsigned long long)queues);
    printf("pci-probe: 1af4:%04x common config in BAR%u at %#x (%u bytes): VERSION_1, %llu queue(s)\n", id, bar, offset, length,
           (unsigned long long)queues);
    azoth_handle_close(window);
    azoth_handle_close(device);
    ok(name);
}

static void confinement(void)
{
    const char* name = "confinement";
    CHECK(name, rng >= 0, "no virtio-rng");
    azoth_handle_t device, window, reader;
    CHECK(name, azoth_pci_open(functions[rng].address, &device) == AZOTH_OK, "pci_open");
    uint32_t value = 0;
    /* Identity reads are the function's own. */
    CHECK(name, config(device, 0, 4) == (functions[rng].vendor | functions[rng].device << 16), "vendor/device read");
    /* BAR registers: the kernel's. */
    uint32_t bar4 = config(device, 0x20, 4);
    azoth_status_t status = azoth_pci_config_write(device, 0x20, 4, 0xFFFFFFFFu);
    CHECK(name, status == AZOTH_E_PERMISSION_DENIED, "writing BAR4 answered %d", (int)status);
    CHECK(name, config(device, 0x20, 4) == bar4, "BAR4 changed");
    CHECK(name, azoth_pci_config_write(device, 0x30, 4, 0) == AZOTH_E_PERMISSION_DENIED, "the expansion ROM register was written");
    CHECK(name, azoth_pci_config_write(device, 0x3C, 1, 5) == AZOTH_E_PERMISSION_DENIED, "the interrupt line was written");
    /* Command: bus mastering and decode are the kernel's; interrupt-disable is the driver's. */
    uint32_t command = config(device, 0x04, 2);
    CHECK(name, (command & 0x4) == 0, "bus mastering is on (command %#x): the kernel turns it off", command);
    CHECK(name, (command & 0x2) != 0, "memory decode is off (command %#x) with assigned BARs", command);
    status = azoth_pci_config_write(device, 0x04, 2, command | 0x4);
    CHECK(name, status == AZOTH_E_PERMISSION_DENIED, "setting bus master answered %d", (int)status);
    CHECK(name, azoth_pci_config_write(device, 0x04, 2, command & ~0x2u) == AZOTH_E_PERMISSION_DENIED, "memory decode was turned off");
    CHECK(name, config(device, 0x04, 2) == command, "the command register changed");
    CHECK(name, azoth_pci_config_write(device, 0x04, 2, command ^ 0x400) == AZOTH_OK, "toggling interrupt-disable");
    CHECK(name, config(device, 0x04, 2) == (command ^ 0x400), "interrupt-disable did not change");
    CHECK(name, azoth_pci_config_write(device, 0x04, 2, command) == AZOTH_OK, "restoring the command register");
    /* MSI-X: an interrupt message is a memory write, the kernel's. */
    uint32_t msix = capability_at(device, 0x11);
    if (msix)
        CHECK(name, azoth_pci_config_write(device, msix + 2, 2, 0x8000) == AZOTH_E_PERMISSION_DENIED, "MSI-X was enabled");
    /* Past its own 4 KiB is the next function's: out of range, and misuse is invalid. */
    CHECK(name, azoth_pci_config_read(device, 4096, 4, &value) == AZOTH_E_FAULT, "read at 4096");
    CHECK(name, azoth_pci_config_read(device, 0xFFFFFFFCu, 4, &value) == AZOTH_E_FAULT, "read at 4 GiB - 4");
    CHECK(name, azoth_pci_config_write(device, 4096, 4, 0) == AZOTH_E_FAULT, "write at 4096");
    CHECK(name, azoth_pci_config_read(device, 2, 4, &value) == AZOTH_E_INVALID_ARGUMENT, "misaligned read");
    CHECK(name, azoth_pci_config_read(device, 0, 3, &value) == AZOTH_E_INVALID_ARGUMENT, "3-byte read");
    CHECK(name, azoth_pci_config_write(device, 0x40, 1, 0x100) == AZOTH_E_INVALID_ARGUMENT, "a value wider than the access");
    /* BARs: only implemented ones, each window bounded. */
    azoth_pci_bar_t bar;
    CHECK(name, azoth_pci_bar_info(device, 6, &bar) == AZOTH_E_INVALID_ARGUMENT, "BAR 6");
    CHECK(name, azoth_pci_bar_info(device, 5, &bar) == AZOTH_E_NOT_FOUND, "the upper half of BAR4 as a BAR");
    CHECK(name, azoth_pci_bar_open(device, 5, &window) == AZOTH_E_NOT_FOUND, "opening the upper half of BAR4");
    CHECK(name, azoth_pci_bar_info(device, 4, &bar) == AZOTH_OK, "BAR4 info");
    CHECK(name, azoth_pci_bar_open(device, 4, &window) == AZOTH_OK, "BAR4 open");
    uint64_t word = 0;
    CHECK(name, azoth_register_read(window, (uint32_t)bar.size, 4, &word) == AZOTH_E_FAULT, "read at the BAR's end");
    CHECK(name, azoth_register_read(window, (uint32_t)bar.size - 4, 4, &word) == AZOTH_OK, "read of the BAR's last word");
    /* Kinds do not mix: a Device is not a PciDevice, nor the other way round. */
    CHECK(name, azoth_pci_config_read(window, 0, 4, &value) == AZOTH_E_BAD_HANDLE, "config read through a BAR handle");
    CHECK(name, azoth_register_read(device, 0, 4, &word) == AZOTH_E_BAD_HANDLE, "register read through a PciDevice handle");
    /* Rights: a read-only PciDevice handle neither writes config nor hands out BARs. */
    CHECK(name, azoth_handle_derive(device, AZOTH_RIGHT_READ, &reader) == AZOTH_OK, "derive read-only");
    CHECK(name, azoth_pci_config_read(reader, 0, 4, &value) == AZOTH_OK, "read through the read-only handle");
    CHECK(name, azoth_pci_config_write(reader, 0x0C, 1, 0) == AZOTH_E_PERMISSION_DENIED, "write through the read-only handle");
    azoth_handle_t other;
    CHECK(name, azoth_pci_bar_open(reader, 4, &other) == AZOTH_E_PERMISSION_DENIED, "BAR through the read-only handle");
    azoth_handle_close(reader);
    azoth_handle_close(window);
    azoth_handle_close(device);
    /* A closed handle is gone. */
    CHECK(name, azoth_pci_config_read(device, 0, 4, &value) == AZOTH_E_BAD_HANDLE, "read through a closed handle");
    ok(name);
}

int main(void)
{
    list();
    bars();
    virtio_common(VIRTIO_RNG, "virtio-rng");
    virtio_common(0x1043, "virtio-console-behind-bridge");
    confinement();
    printf("pci-probe: %s (%d failed)\n", failures ? "FAILED" : "all passed", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
