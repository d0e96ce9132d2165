/* abi-findings: one booted regression case per confirmed finding of the hardening issue that
 * reaches the ABI (docs/security.md). Each case states the attack, then checks that the kernel
 * answered with a status and changed nothing it should not have. The kernel surviving is part of
 * every check: the attacks below panicked it before the fixes.
 *
 *   poll-overlap       finding 1: poll_oneoff with the events overlapping the subscriptions
 *                      (out = in + 32, two fd_write subscriptions on a bad fd): writing event 0
 *                      must not change what subscription 1 is
 *   poll-same-buffer   the same with out == in
 *   channel-rights     finding 3: a Read|Map channel handle yields a region with no Write: it
 *                      maps read-only only, and a store into it traps (not shown here: see
 *                      boot.<arch>.ipc's reader) while the handle says Read|Map
 *   spawn-read-only    finding 5: spawn's child number aimed at a read-only mapped region is
 *                      E_FAULT and starts no child
 *   server-charges     a region created by a server's handler on this thread is charged to the
 *                      server (abi-server, max-regions = 2: its third is refused), not to us
 * Prints "abi-findings: all passed (N failed)" and exits with the number of failures. */
#define BOOTED_MODULE "abi-findings"
#include "booted_check.h"

#include <string.h>
#include <wasi/api.h>

#ifndef ABI_FINDINGS_WASI_ONLY /* the hosted build runs the WASI cases under azoth-exec */
#include <azoth.h>

#include "booted_ipc.h"
#endif

#ifndef ABI_FINDINGS_WASI_ONLY
#define PAGE 65536u
static _Alignas(65536) volatile unsigned char window[PAGE];
#endif

static void poll_overlap(const char* name, uint32_t event_offset)
{
    /* Two subscriptions in one 96-byte buffer; the events start `event_offset` bytes in. */
    static _Alignas(8) uint8_t buffer[2 * sizeof(__wasi_subscription_t) + 64];
    memset(buffer, 0, sizeof buffer);
    __wasi_subscription_t* subscriptions = (__wasi_subscription_t*)buffer;
    for (int i = 0; i < 2; ++i) {
        subscriptions[i].userdata = 0x1111111111111111ull * (uint64_t)(i + 1);
        subscriptions[i].u.tag = __WASI_EVENTTYPE_FD_WRITE;
        subscriptions[i].u.u.fd_write.file_descriptor = 77; /* not open: an EBADF event */
    }
    __wasi_event_t* events = (__wasi_event_t*)(buffer + event_offset);
    __wasi_size_t produced = 0;
    __wasi_errno_t status = __wasi_poll_oneoff(subscriptions, events, 2, &produced);
    CHECK(name, status == __WASI_ERRNO_SUCCESS, "poll_oneoff gave errno %u", (unsigned)status);
    CHECK(name, produced == 2, "produced %u events, expected 2", (unsigned)produced);
    /* Both events come from the kernel's copy of the subscriptions: right userdata and type. */
    for (int i = 0; i < 2; ++i) {
        __wasi_event_t event;
        memcpy(&event, buffer + event_offset + i * sizeof(__wasi_event_t), sizeof event);
        CHECK(name, event.userdata == 0x1111111111111111ull * (uint64_t)(i + 1), "event %d userdata %llx", i,
            (unsigned long long)event.userdata);
        CHECK(name, event.error == __WASI_ERRNO_BADF && event.type == __WASI_EVENTTYPE_FD_WRITE,
            "event %d error %u type %u", i, (unsigned)event.error, (unsigned)event.type);
    }
    ok(name);
}

#ifndef ABI_FINDINGS_WASI_ONLY
static void channel_rights(void)
{
    const char* name = "channel-rights";
    azoth_handle_t channel, receive_only, ring;
    CHECK(name, azoth_channel_create(PAGE, 64, &channel) == AZOTH_OK, "channel_create");
    CHECK(name, azoth_handle_derive(channel, AZOTH_RIGHT_READ | AZOTH_RIGHT_MAP, &receive_only) == AZOTH_OK, "derive");
    CHECK(name, azoth_channel_region(receive_only, &ring) == AZOTH_OK, "channel_region");
    uint32_t rights = 0;
    CHECK(name, azoth_handle_rights(ring, &rights) == AZOTH_OK, "handle_rights");
    CHECK(name, (rights & AZOTH_RIGHT_WRITE) == 0, "the ring's region carries Write (%#x) from a Read|Map channel", rights);
    CHECK(name, (rights & (AZOTH_RIGHT_READ | AZOTH_RIGHT_MAP)) == (AZOTH_RIGHT_READ | AZOTH_RIGHT_MAP), "rights %#x", rights);
    CHECK(name, azoth_region_map(ring, (uint32_t)(uintptr_t)window, 1) == AZOTH_E_PERMISSION_DENIED,
        "a writable map of the receive-only ring was allowed");
    CHECK(name, azoth_region_map(ring, (uint32_t)(uintptr_t)window, 0) == AZOTH_OK, "read-only map");
    /* The send side still works through the kernel, and the receive-only party receives. */
    CHECK(name, azoth_channel_send(channel, "ping", 4, 0) == AZOTH_OK, "send");
    char got[16] = { 0 };
    uint32_t length = 0;
    CHECK(name, azoth_channel_receive(receive_only, got, sizeof got, 0, &length) == AZOTH_OK && length == 4
        && memcmp(got, "ping", 4) == 0, "receive");
    CHECK(name, azoth_channel_send(receive_only, "x", 1, 0) == AZOTH_E_PERMISSION_DENIED, "send on a Read handle");
    /* The full handle still yields a writable ring. */
    azoth_handle_t full_ring;
    CHECK(name, azoth_region_unmap((uint32_t)(uintptr_t)window) == AZOTH_OK, "unmap");
    CHECK(name, azoth_channel_region(channel, &full_ring) == AZOTH_OK, "channel_region (full)");
    CHECK(name, azoth_handle_rights(full_ring, &rights) == AZOTH_OK && (rights & AZOTH_RIGHT_WRITE), "full rights %#x", rights);
    azoth_handle_close(full_ring);
    azoth_handle_close(ring);
    azoth_handle_close(receive_only);
    azoth_handle_close(channel);
    ok(name);
}

static void spawn_read_only(void)
{
    const char* name = "spawn-read-only";
    uint32_t count = 0, self = 0;
    CHECK(name, azoth_module_count(&count) == AZOTH_OK, "module_count");
    for (uint32_t i = 0; i < count; ++i) {
        char module_name[32];
        azoth_module_info_t info;
        if (azoth_module_info(i, module_name, sizeof module_name, &info) == AZOTH_OK && info.is_self)
            self = i;
    }
    azoth_handle_t region;
    CHECK(name, azoth_region_create(PAGE, &region) == AZOTH_OK, "region_create");
    CHECK(name, azoth_region_map(region, (uint32_t)(uintptr_t)window, 0) == AZOTH_OK, "read-only map");
    /* The child number's place is in the read-only window: refused before any child starts. */
    azoth_status_t status = azoth_spawn(self, (uint32_t*)(uintptr_t)&window[64]);
    CHECK(name, status == AZOTH_E_FAULT, "spawn into a read-only mapping gave %d", (int)status);
    CHECK(name, window[64] == 0, "the read-only window changed");
    CHECK(name, azoth_spawn(self, (uint32_t*)(uintptr_t)0xFFFFFFFCu) == AZOTH_E_FAULT, "spawn out of bounds");
    azoth_child_exit_t event;
    status = azoth_wait(0, &event);
    CHECK(name, status != AZOTH_OK, "a child exists after refused spawns (wait gave %d, child %u)", (int)status, event.child);
    CHECK(name, azoth_region_unmap((uint32_t)(uintptr_t)window) == AZOTH_OK, "unmap");
    azoth_handle_close(region);
    ok(name);
}

static void server_charges(void)
{
    const char* name = "server-charges";
    azoth_handle_t server = 0;
    azoth_status_t status = find_service("abi-regions", &server, NULL, NULL, 5);
    CHECK(name, status == AZOTH_OK, "abi-regions never appeared (status %d)", (int)status);
    uint64_t words[4];
    int32_t answers[3];
    for (int i = 0; i < 3; ++i) {
        status = azoth_call(server, 1 /* OP_MAKE_REGION */, 0, 0, 0, words);
        CHECK(name, status == AZOTH_OK, "call %d failed (status %d)", i, (int)status);
        answers[i] = (int32_t)words[0];
    }
    CHECK(name, answers[0] == AZOTH_OK && answers[1] == AZOTH_OK, "the server's first two regions: %d %d", answers[0], answers[1]);
    CHECK(name, answers[2] == AZOTH_E_EXHAUSTED, "the server's third region gave %d (charged to the caller?)", answers[2]);
    /* Our own account was not charged: we can still make regions. */
    azoth_handle_t mine;
    CHECK(name, azoth_region_create(4096, &mine) == AZOTH_OK, "region_create of our own");
    azoth_handle_close(mine);
    CHECK(name, azoth_call(server, 2 /* OP_QUIT */, 0, 0, 0, words) == AZOTH_OK, "quit");
    ok(name);
}
#endif

int main(void)
{
    poll_overlap("poll-overlap", 32);
    poll_overlap("poll-same-buffer", 0);
#ifndef ABI_FINDINGS_WASI_ONLY
    channel_rights();
    spawn_read_only();
    server_charges();
#endif
    printf("abi-findings: all passed (%d failed)\n", failures);
    fflush(stdout);
    return failures;
}
