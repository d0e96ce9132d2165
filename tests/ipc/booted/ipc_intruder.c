/* ipc-intruder: a module whose manifest names no handle (tests/ipc/booted). It must not reach
 * ipc-echo's endpoint or process by any number: handle_find refuses names its manifest does not
 * list, and every handle number it can forge is E_BAD_HANDLE. */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    int failures = 0;
    azoth_handle_t found = 0;
    if (azoth_handle_find("echo", 4, &found) != AZOTH_E_NOT_FOUND || azoth_handle_find("ipc-echo", 8, &found) != AZOTH_E_NOT_FOUND) {
        printf("ipc-intruder: FAIL handle_find gave a handle it was not granted\n");
        ++failures;
    }
    /* Every slot with the first generations, plus a spread of larger numbers. */
    uint32_t tried = 0, reached = 0;
    for (uint32_t generation = 0; generation < 8; ++generation) {
        for (uint32_t slot = 0; slot < 256; ++slot) {
            uint32_t handle = generation << 10 | slot;
            ++tried;
            azoth_status_t status = azoth_call(handle, 0, 0, 0, 0, AZOTH_NO_RESULTS);
            uint32_t rights = 0;
            if (status != AZOTH_E_BAD_HANDLE || azoth_handle_rights(handle, &rights) != AZOTH_E_BAD_HANDLE) {
                if (++reached <= 3)
                    printf("ipc-intruder: FAIL handle %#x answered (call status %d)\n", handle, (int)status);
            }
        }
    }
    for (uint32_t handle = 1u << 20; handle < 0x7FFFFFFFu - (1u << 22); handle += (1u << 22) + 12345) {
        ++tried;
        if (azoth_call(handle, 0, 0, 0, 0, AZOTH_NO_RESULTS) != AZOTH_E_BAD_HANDLE)
            ++reached;
    }
    if (reached)
        ++failures;
    printf("ipc-intruder: %u forged handles tried, %u reached an object\n", tried, reached);
    if (!failures)
        printf("ipc-intruder: no-handle-no-access ok\n");
    fflush(stdout);
    return failures ? 1 : 0;
}
