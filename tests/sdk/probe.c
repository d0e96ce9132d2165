/* sdk-probe: the client side of sdk.scaffold (tests/sdk/scaffold-test.py). For each endpoint named
 * in argv[1..] (its manifest holds a `handle = endpoint:NAME:call` line for each) it calls OP_ADD
 * (1) with 40 and 2, as a client in another module would, and prints the answer. A server not up
 * yet (E_NOT_FOUND) or still in its own main code (E_BUSY) is retried after an event_wait. */
#include <azoth.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv)
{
    azoth_handle_t pause;
    if (azoth_event_create(&pause) != AZOTH_OK)
        return 1;
    int failures = 0;
    for (int i = 1; i < argc; ++i) {
        azoth_status_t status = AZOTH_E_NOT_FOUND;
        uint64_t results[4] = { 0 };
        for (int attempt = 0; attempt < 3000; ++attempt) {
            azoth_handle_t endpoint;
            status = azoth_handle_find(argv[i], (uint32_t)strlen(argv[i]), &endpoint);
            if (status == AZOTH_OK) {
                status = azoth_call(endpoint, 1, 40, 2, 0, results);
                azoth_handle_close(endpoint);
            }
            if (status != AZOTH_E_NOT_FOUND && status != AZOTH_E_BUSY)
                break;
            uint32_t bits;
            azoth_event_wait(pause, 1, 10000000ull, &bits);
        }
        if (status == AZOTH_OK)
            printf("sdk-probe: %s: 40 + 2 = %llu\n", argv[i], (unsigned long long)results[0]);
        else
            printf("sdk-probe: %s: FAIL %s\n", argv[i], azoth_status_name(status));
        failures += status != AZOTH_OK;
    }
    printf("sdk-probe: done, %d failed\n", failures);
    return failures != 0;
}
