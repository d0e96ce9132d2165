/* abi-server: the server of abi-findings' server-charges case. Its handler (running on the
 * caller's thread) creates a 4 KiB region per call and keeps it; its manifest allows it two
 * regions (max-regions = 2), so the third call's region_create must be refused by *its* limit:
 * what a server's handler creates is charged to the server, not to the client whose thread runs
 * it. OP_QUIT ends the server. */
#include <stdint.h>
#include <stdio.h>

#include <azoth.h>

#include "booted_ipc.h"

enum { OP_MAKE_REGION = 1, OP_QUIT = 2 };

static azoth_handle_t quit_event;
static azoth_handle_t kept[8];
static uint32_t kept_count;

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    (void)a, (void)b, (void)c;
    if (op == OP_MAKE_REGION) {
        azoth_handle_t region = 0;
        azoth_status_t status = azoth_region_create(4096, &region);
        if (status == AZOTH_OK && kept_count < 8)
            kept[kept_count++] = region;
        return status;
    }
    if (op == OP_QUIT)
        return azoth_event_signal(quit_event, 1);
    return AZOTH_E_INVALID_ARGUMENT;
}

int main(void)
{
    if (azoth_event_create(&quit_event) != AZOTH_OK)
        return 1;
    azoth_status_t status = serve_until_quit("abi-server", quit_event);
    return status == AZOTH_OK ? 0 : 1;
}
