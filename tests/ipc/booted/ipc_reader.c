/* ipc-reader: read-only region mappings in a booted process (issue #8; tests/ipc/booted). Its
 * manifest grants the echo endpoint (call) and ipc-echo's process (write, to give it handles).
 *   read-only-map          ipc-echo writes bytes into a region we made; we map it read-only
 *                          through a handle without the write right and read them; a syscall
 *                          out-parameter pointing into it is E_FAULT
 *   server-read-only-trap  ipc-echo maps it read-only too and stores into it: ITS call traps
 *                          (E_SERVER_TRAPPED), the region is unchanged, ipc-echo keeps serving
 *   last                   we store into our read-only window: this process must trap (init
 *                          reports "ipc-reader trapped"); the line after the store is a failure.
 * Every case prints "ipc-reader: CASE ok" or "ipc-reader: FAIL CASE: detail"
 * (tests/ipc/ipc-boot-test.py checks them). */
#include <azoth.h>
#define BOOTED_MODULE "ipc-reader"
#include "booted_check.h"
#include "booted_ipc.h"
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ipc-echo's second-window operations (ipc_echo.c). */
enum { OP_PING = 0, OP_MAP2 = 13, OP_READ2 = 14, OP_WRITE2 = 15, OP_UNMAP2 = 16 };

#define PAGE 4096
#define WINDOW_SIZE 65536
static _Alignas(65536) volatile unsigned char window[WINDOW_SIZE];
/* ipc-echo takes one call at a time (ipc-spinner or ipc-client may be inside): retry E_BUSY. */
#define ECHO_BUSY_RETRIES 6000
#define ECHO_PING_RETRIED 1
#include "echo_client.h"

static azoth_handle_t region;

static void read_only_map(void)
{
    const char* name = "read-only-map";
    azoth_handle_t theirs = 0, read_only = 0;
    int64_t result = -1;
    CHECK(name, azoth_region_create(2 * PAGE, &region) == AZOTH_OK, "region_create");
    CHECK(name, azoth_handle_transfer(region, echo_process, AZOTH_RIGHT_READ | AZOTH_RIGHT_WRITE | AZOTH_RIGHT_MAP, 1, &theirs) == AZOTH_OK,
        "transfer a writable copy to ipc-echo");
    CHECK(name, call(OP_MAP2, theirs, 1, 0, &result) == AZOTH_OK && result == AZOTH_OK, "server map %lld", (long long)result);
    CHECK(name, call(OP_WRITE2, PAGE + 10, 0x5A, 4, NULL) == AZOTH_OK, "server write");
    CHECK(name, call(OP_UNMAP2, 0, 0, 0, &result) == AZOTH_OK && result == AZOTH_OK, "server unmap %lld", (long long)result);
    /* A handle without the write right maps read-only, and only read-only. */
    CHECK(name, azoth_handle_derive(region, AZOTH_RIGHT_READ | AZOTH_RIGHT_MAP, &read_only) == AZOTH_OK, "derive");
    CHECK(name, azoth_region_map(read_only, (uint32_t)(uintptr_t)window, 1) == AZOTH_E_PERMISSION_DENIED, "writable map without Write");
    azoth_status_t status = azoth_region_map(read_only, (uint32_t)(uintptr_t)window, 0);
    CHECK(name, status == AZOTH_OK, "read-only map gave status %d", (int)status);
    CHECK(name, window[PAGE + 10] == 0x5A && window[PAGE + 13] == 0x5A && window[PAGE + 14] == 0 && window[0] == 0,
        "read %#x %#x %#x", window[PAGE + 10], window[PAGE + 13], window[PAGE + 14]);
    /* The kernel does not store an out-parameter into a read-only mapping: E_FAULT, nothing written. */
    uint32_t* out = (uint32_t*)(uintptr_t)&window[PAGE + 8];
    status = azoth_handle_rights(read_only, out);
    CHECK(name, status == AZOTH_E_FAULT && window[PAGE + 8] == 0 && window[PAGE + 10] == 0x5A,
        "rights into the read-only window gave %d", (int)status);
    ok(name);
}

static void server_read_only_trap(void)
{
    const char* name = "server-read-only-trap";
    azoth_handle_t theirs = 0;
    int64_t result = -1;
    CHECK(name, azoth_handle_transfer(region, echo_process, AZOTH_RIGHT_READ | AZOTH_RIGHT_MAP, 1, &theirs) == AZOTH_OK,
        "transfer a read-only copy to ipc-echo");
    CHECK(name, call(OP_MAP2, theirs, 0, 0, &result) == AZOTH_OK && result == AZOTH_OK, "server read-only map %lld", (long long)result);
    CHECK(name, call(OP_READ2, PAGE + 11, 0, 0, &result) == AZOTH_OK && result == 0x5A, "server reads %lld", (long long)result);
    /* The handler's store runs on our thread but in ipc-echo's Store: ipc-echo's call traps. */
    azoth_status_t status = call(OP_WRITE2, PAGE + 11, 0x01, 1, NULL);
    CHECK(name, status == AZOTH_E_SERVER_TRAPPED, "server store into its read-only window gave %d", (int)status);
    CHECK(name, window[PAGE + 11] == 0x5A, "the region changed: %#x", window[PAGE + 11]);
    CHECK(name, call(OP_READ2, PAGE + 11, 0, 0, &result) == AZOTH_OK && result == 0x5A, "server sees %lld after its trap",
        (long long)result);
    CHECK(name, call(OP_PING, 0, 0, 0, NULL) == AZOTH_OK, "ipc-echo stopped serving");
    CHECK(name, call(OP_UNMAP2, 0, 0, 0, &result) == AZOTH_OK && result == AZOTH_OK, "server unmap %lld", (long long)result);
    ok(name);
}

int main(void)
{
    connect();
    if (failures == 0)
        read_only_map();
    if (failures == 0)
        server_read_only_trap();
    if (failures != 0) {
        printf("ipc-reader: FAILED (%d failed)\n", failures);
        return 1;
    }
    printf("ipc-reader: storing into the read-only window (this process must trap)\n");
    fflush(stdout);
    window[PAGE + 10] = 0x01;
    printf("ipc-reader: FAIL last: the store into the read-only window did not trap (%#x)\n", window[PAGE + 10]);
    return 1;
}
