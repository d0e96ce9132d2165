/* privacy-supervisor: the init of the privacy image (tests/privacy; docs/privacy.md "Instant
 * reset"). It starts two privacy-victim servers (A and B), a sleeper and a client, resets them
 * through azoth_reset and checks, printing "privacy: CASE ok" or "privacy: FAIL CASE: ...":
 *   erase          after reset(A), A's next run found its memory pristine (the secret it wrote,
 *                  the heap it grew and its counters are gone), its memory size is back, its
 *                  random bytes differ; B's memory, random bytes and counter are untouched
 *   ipc-call       a client blocked in a call to A (A's handler sleeps on the client's thread):
 *                  reset(A) ends that call with E_SERVER_TRAPPED; A serves again afterwards; the
 *                  client (no `supervisor`) was refused azoth_reset with E_PERMISSION_DENIED
 *   blocking-call  three resets of the sleeper blocked in poll_oneoff 2^63 ns: each reruns its
 *                  _start (a line each, counted by the driver) and it stays alive (no exit event)
 *   outgoing-call  privacy-caller blocked as a client in B's sleeping handler: reset(caller) twice
 *                  (each reruns its _start: a line each), then a kill ends it, and B still answers (its Store
 *                  was let go, its memory untouched)
 *   errors         reset of child 0, of a number never given, of an ended child: E_NOT_FOUND
 *   no-remnants    privacy-writer fills a region and its heap with a secret and exits; then
 *                  privacy-reader's fresh region and heap must be all zero (it exits 0)
 *   no-leak        argv[1] resets of A (default 10000), each followed by a call that waits for
 *                  A's rerun (which must find its memory pristine): every one OK; memory_stats before/after:
 *                  the free frames differ by exactly the page-table and kernel-heap frames added,
 *                  the linear-memory frames are equal
 * Ends with "privacy: N cases, F failed" and exits with F != 0. */
#define BOOTED_MODULE "privacy"
#include "booted_check.h"
#include "booted_ipc.h"

#include <azoth.h>
#include <stdlib.h>
#include <string.h>

enum { OP_REPORT = 1, OP_SLEEP = 2, OP_SECRET = 3 };

static int cases;

static uint32_t index_of(const char* name)
{
    uint32_t count = 0;
    azoth_module_count(&count);
    for (uint32_t i = 0; i < count; ++i) {
        char module[48] = { 0 };
        azoth_module_info_t info;
        if (azoth_module_info(i, module, sizeof module - 1, &info) == AZOTH_OK && strcmp(module, name) == 0)
            return i;
    }
    return UINT32_MAX;
}

static uint32_t start(const char* name)
{
    uint32_t index = index_of(name), child = 0;
    if (index == UINT32_MAX || azoth_spawn(index, &child) != AZOTH_OK) {
        printf("privacy: FAIL cannot start %s\n", name);
        ++failures;
        return 0;
    }
    return child;
}

static int64_t query(azoth_handle_t server, uint64_t op, uint64_t field)
{
    uint64_t results[4] = { 0 };
    azoth_status_t status = azoth_call(server, op, field, 0, 0, results);
    if (status != AZOTH_OK)
        return -1000 - status;
    return (int64_t)results[0];
}

/* The first call after a reset: the child answers E_NOT_FOUND (or E_SERVER_TRAPPED) until it is
 * back at its reset point and serving again; retried for up to 10 s. */
static int64_t query_after_reset(azoth_handle_t server, uint64_t op, uint64_t field)
{
    uint64_t deadline = now_ns() + 10000000000ull;
    int64_t value = query(server, op, field);
    while (value < 0 && now_ns() < deadline) {
        sleep_ms(1);
        value = query(server, op, field);
    }
    return value;
}

static azoth_status_t answers(void* context) { return query(*(azoth_handle_t*)context, OP_REPORT, 0) >= 0 ? AZOTH_OK : AZOTH_E_NOT_FOUND; }

static azoth_handle_t connect(const char* service)
{
    azoth_handle_t handle = 0;
    if (find_service(service, &handle, answers, &handle, 5) != AZOTH_OK) {
        printf("privacy: FAIL cannot reach %s\n", service);
        ++failures;
        return 0;
    }
    return handle;
}

/* Waits until `child` ends (others' exits are printed and dropped); kind 0 when not before `deadline`. */
static azoth_child_exit_t wait_for(uint32_t child, uint64_t deadline)
{
    azoth_child_exit_t exit = { 0, 0, 0, 0 };
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline || azoth_wait(deadline - now, &exit) != AZOTH_OK)
            return (azoth_child_exit_t) { 0, 0, 0, 0 };
        if (exit.child == child)
            return exit;
        printf("privacy: (child %u ended: kind %u code %u)\n", (unsigned)exit.child, (unsigned)exit.kind, (unsigned)exit.exit_code);
    }
}

static uint32_t a, b;
static azoth_handle_t server_a, server_b;

static void erase(void)
{
    ++cases;
    CHECK("erase", query(server_a, OP_SECRET, 0) == 1, "A does not hold its secret before the reset");
    CHECK("erase", query(server_a, OP_REPORT, 0) == 1, "A's first run did not start pristine");
    int64_t random_a = query(server_a, OP_REPORT, 1), pages_a = query(server_a, OP_REPORT, 2);
    CHECK("erase", query(server_a, OP_REPORT, 3) == 1 && query(server_a, OP_REPORT, 3) == 2, "A's counter does not count");
    int64_t random_b = query(server_b, OP_REPORT, 1), reports_b = query(server_b, OP_REPORT, 3);
    uint64_t started = now_ns();
    azoth_status_t status = azoth_reset(a);
    CHECK("erase", status == AZOTH_OK, "azoth_reset(A) = %d", (int)status);
    int64_t pristine = query_after_reset(server_a, OP_REPORT, 0);
    uint64_t took = now_ns() - started;
    printf("privacy: reset of A (256 KiB heap grown, secret written, blocked in event_wait) until it served again: %llu us\n",
        (unsigned long long)(took / 1000));
    CHECK("erase", pristine == 1, "A's run after the reset did not find its memory pristine (the secret survived): %lld", (long long)pristine);
    CHECK("erase", query(server_a, OP_REPORT, 3) == 1, "A's counter survived the reset");
    int64_t pages_after = query(server_a, OP_REPORT, 2);
    CHECK("erase", pages_after == pages_a, "A's memory is %lld pages after the reset and its rerun, %lld before (growth not undone)",
        (long long)pages_after, (long long)pages_a);
    CHECK("erase", query(server_a, OP_REPORT, 1) != random_a, "A drew the same random bytes after the reset (replayed)");
    CHECK("erase", query(server_b, OP_REPORT, 1) == random_b, "B's memory changed when A was reset");
    CHECK("erase", query(server_b, OP_REPORT, 3) == reports_b + 1, "B's counter did not continue");
    ok("erase");
}

static void ipc_call(void)
{
    ++cases;
    uint32_t client = start("privacy-client");
    CHECK("ipc-call", client != 0, "no client");
    sleep_ms(1000); /* the client checks azoth_reset, finds A and enters OP_SLEEP */
    uint64_t started = now_ns();
    azoth_status_t status = azoth_reset(a);
    CHECK("ipc-call", status == AZOTH_OK, "azoth_reset(A) during the client's call = %d", (int)status);
    azoth_child_exit_t exit = wait_for(client, now_ns() + 5000000000ull);
    uint64_t took = now_ns() - started;
    CHECK("ipc-call", exit.kind == AZOTH_EXIT_EXITED, "the client did not exit after the reset (kind %u)", (unsigned)exit.kind);
    CHECK("ipc-call", exit.exit_code == AZOTH_E_SERVER_TRAPPED, "the client's call ended with %u, not E_SERVER_TRAPPED (100: azoth_reset was not refused)",
        (unsigned)exit.exit_code);
    printf("privacy: reset of A during a client's call: the call ended with E_SERVER_TRAPPED %llu us after the request\n", (unsigned long long)(took / 1000));
    CHECK("ipc-call", query_after_reset(server_a, OP_REPORT, 0) == 1 && query(server_a, OP_REPORT, 3) == 1, "A does not serve from a pristine run after the reset");
    ok("ipc-call");
}

static void blocking_call(void)
{
    ++cases;
    uint32_t sleeper = start("privacy-sleeper");
    CHECK("blocking-call", sleeper != 0, "no sleeper");
    sleep_ms(300);
    /* Each reset must end the sleep and run _start again: the sleeper prints a line per run
     * (privacy-boot-test.py counts 4: the first run and three resets). */
    for (int round = 0; round < 3; ++round) {
        azoth_status_t status = azoth_reset(sleeper);
        CHECK("blocking-call", status == AZOTH_OK, "azoth_reset(sleeper) = %d", (int)status);
        sleep_ms(300);
    }
    azoth_child_exit_t exit;
    CHECK("blocking-call", azoth_wait(0, &exit) == AZOTH_E_TIMED_OUT, "a child ended (child %u kind %u)", (unsigned)exit.child, (unsigned)exit.kind);
    CHECK("blocking-call", azoth_kill(sleeper) == AZOTH_OK, "cannot kill the sleeper");
    exit = wait_for(sleeper, now_ns() + 5000000000ull);
    CHECK("blocking-call", exit.kind == AZOTH_EXIT_KILLED, "the sleeper ended as kind %u, not killed", (unsigned)exit.kind);
    /* Its number is free now: a reset of it is E_NOT_FOUND. */
    CHECK("blocking-call", azoth_reset(sleeper) == AZOTH_E_NOT_FOUND, "reset of an ended child is not E_NOT_FOUND");
    ok("blocking-call");
}

static void outgoing_call(void)
{
    ++cases;
    int64_t random_b = query(server_b, OP_REPORT, 1);
    uint32_t caller = start("privacy-caller");
    CHECK("outgoing-call", caller != 0, "no caller");
    /* Each reset must end the call and run _start again (a line per run: privacy-boot-test.py
     * counts 3). */
    for (int round = 0; round < 2; ++round) {
        sleep_ms(1000); /* the caller (again) writes its secret and blocks in B's OP_SLEEP */
        azoth_status_t status = azoth_reset(caller);
        CHECK("outgoing-call", status == AZOTH_OK, "azoth_reset(caller) = %d", (int)status);
    }
    sleep_ms(500);
    CHECK("outgoing-call", azoth_kill(caller) == AZOTH_OK, "cannot kill the caller");
    azoth_child_exit_t exit = wait_for(caller, now_ns() + 5000000000ull);
    CHECK("outgoing-call", exit.kind == AZOTH_EXIT_KILLED, "the caller ended as kind %u, not killed", (unsigned)exit.kind);
    CHECK("outgoing-call", query_after_reset(server_b, OP_REPORT, 1) == random_b, "B does not answer as before (its Store or memory changed)");
    ok("outgoing-call");
}

static void errors(void)
{
    ++cases;
    CHECK("errors", azoth_reset(0) == AZOTH_E_NOT_FOUND, "reset(0) is not E_NOT_FOUND");
    CHECK("errors", azoth_reset(31) == AZOTH_E_NOT_FOUND, "reset(31) (never given) is not E_NOT_FOUND");
    CHECK("errors", azoth_reset(0xFFFFFFFFu) == AZOTH_E_NOT_FOUND, "reset(2^32-1) is not E_NOT_FOUND");
    ok("errors");
}

static void no_remnants(void)
{
    ++cases;
    uint32_t writer = start("privacy-writer");
    CHECK("no-remnants", writer != 0, "no writer");
    azoth_child_exit_t exit = wait_for(writer, now_ns() + 60000000000ull);
    CHECK("no-remnants", exit.kind == AZOTH_EXIT_EXITED && exit.exit_code == 0, "the writer ended with kind %u code %u",
        (unsigned)exit.kind, (unsigned)exit.exit_code);
    uint32_t reader = start("privacy-reader");
    CHECK("no-remnants", reader != 0, "no reader");
    exit = wait_for(reader, now_ns() + 120000000000ull);
    CHECK("no-remnants", exit.kind == AZOTH_EXIT_EXITED && exit.exit_code == 0,
        "the reader ended with kind %u code %u (1: it found bytes of the writer)", (unsigned)exit.kind, (unsigned)exit.exit_code);
    ok("no-remnants");
}

static void no_leak(uint32_t resets)
{
    ++cases;
    for (int warm = 0; warm < 3; ++warm)
        CHECK("no-leak", azoth_reset(a) == AZOTH_OK && query_after_reset(server_a, OP_REPORT, 0) == 1, "warm-up reset failed");
    azoth_memory_stats_t before, after;
    CHECK("no-leak", azoth_memory_stats(&before) == AZOTH_OK, "memory_stats");
    uint64_t started = now_ns();
    for (uint32_t i = 0; i < resets; ++i) {
        azoth_status_t status = azoth_reset(a);
        CHECK("no-leak", status == AZOTH_OK, "reset %u of %u = %d", (unsigned)i, (unsigned)resets, (int)status);
        /* The call waits until A's rerun of _start (secret written, heap grown) blocks in
         * event_wait: every round is a whole reset and a whole run, and each run must find its
         * memory pristine. */
        int64_t pristine = query_after_reset(server_a, OP_REPORT, 0);
        CHECK("no-leak", pristine == 1, "after reset %u of %u A's run did not start pristine (%lld)", (unsigned)i, (unsigned)resets,
            (long long)pristine);
    }
    uint64_t took = now_ns() - started;
    CHECK("no-leak", azoth_memory_stats(&after) == AZOTH_OK, "memory_stats");
    int64_t lost = (int64_t)before.free_frames - (int64_t)after.free_frames;
    int64_t kept = (int64_t)(after.page_table_frames - before.page_table_frames) + (int64_t)(after.kernel_heap_frames - before.kernel_heap_frames);
    printf("privacy: %u resets of A in %llu ms (%llu us each, A's rerun of _start and a call included); free frames %llu -> %llu, "
           "linear-memory frames %llu -> %llu, page tables %llu -> %llu, kernel heap %llu -> %llu\n",
        (unsigned)resets, (unsigned long long)(took / 1000000), (unsigned long long)(took / 1000 / (resets ? resets : 1)),
        (unsigned long long)before.free_frames, (unsigned long long)after.free_frames, (unsigned long long)before.linear_memory_frames,
        (unsigned long long)after.linear_memory_frames, (unsigned long long)before.page_table_frames, (unsigned long long)after.page_table_frames,
        (unsigned long long)before.kernel_heap_frames, (unsigned long long)after.kernel_heap_frames);
    CHECK("no-leak", after.linear_memory_frames == before.linear_memory_frames, "linear-memory frames changed");
    CHECK("no-leak", lost == kept, "%lld frames gone, %lld of them page tables or kernel heap: %lld leaked", (long long)lost, (long long)kept,
        (long long)(lost - kept));
    ok("no-leak");
}

int main(int argc, char** argv)
{
    uint32_t resets = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000;
    a = start("privacy-a");
    b = start("privacy-b");
    server_a = connect("privacy-a");
    server_b = connect("privacy-b");
    if (a && b && server_a && server_b) {
        erase();
        ipc_call();
        blocking_call();
        outgoing_call();
        errors();
        no_remnants();
        no_leak(resets);
    }
    printf("privacy: %d cases, %d failed\n", cases, failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
