/* privacy-victim: the module privacy-supervisor resets (tests/privacy; docs/privacy.md "Instant
 * reset"). argv[1] picks the role:
 *   server    serves the endpoint its manifest names (`serves`). Each run of _start first checks that its memory
 *             is as the module image made it (`pristine`: the initialised array still holds its
 *             text, the zero-initialised one is all zero, no heap grown yet), draws 16 random
 *             bytes, then writes a secret over both arrays and into a 256 KiB heap block (the
 *             memory grows) and blocks in event_wait. Handler ops (run on the caller's thread):
 *               OP_REPORT  word a: 0 = pristine at this run's start, 1 = its first 8 random
 *                          bytes, 2 = the memory size in 64 KiB pages, 3 = how many field-3
 *                          REPORTs this run answered (counting this one)
 *               OP_SLEEP   sleeps 2^63 ns (the supervisor resets the server under it)
 *               OP_SECRET  1 when the secret is in memory now (written by this run)
 *   sleeper   writes the secret, then sleeps 2^63 ns in poll_oneoff (reset during a blocking call)
 *   writer    writes the secret over a 1 MiB region mapped into its memory and over 2 MiB of
 *             freshly grown memory, then exits (its region and memory are freed)
 *   reader    started after the writer ended: creates a 4 MiB region, maps it, grows its memory
 *             by 8 MiB and scans both: every byte must be zero (no remnant of the writer); exits 0,
 *             or 1 with the count of non-zero bytes printed
 *   caller    argv[2] = endpoint: writes the secret, then calls its OP_SLEEP (blocked as a client
 *             in another server's handler: the supervisor resets the caller there)
 *   client    argv[2] = endpoint: first asks azoth_reset (it has no `supervisor`: must be
 *             E_PERMISSION_DENIED), then calls OP_SLEEP and exits with the call's status (the
 *             supervisor resets the server meanwhile: E_SERVER_TRAPPED) */
#include <azoth.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#include "wasi_subscriptions.h"

enum { OP_REPORT = 1, OP_SLEEP = 2, OP_SECRET = 3 };

static const char secret[] = "TOP-SECRET: the user's location is 48.8584 N 2.2945 E";
static char initialised[4096] = "pristine initialised data";
static char zeroed[8192];
static char* heap_block;
static int pristine_at_start;
static uint64_t random_at_start;
static uint64_t reports;

static int sleep_forever(void)
{
    __wasi_subscription_t subscription;
    subscribe_clock(&subscription, 1, 1ull << 63);
    __wasi_event_t event;
    __wasi_size_t count = 0;
    return (int)__wasi_poll_oneoff(&subscription, &event, 1, &count);
}

static int check_pristine(void)
{
    if (strcmp(initialised, "pristine initialised data") != 0)
        return 0;
    for (size_t i = strlen(initialised); i < sizeof initialised; ++i) {
        if (initialised[i])
            return 0;
    }
    for (size_t i = 0; i < sizeof zeroed; ++i) {
        if (zeroed[i])
            return 0;
    }
    return heap_block == NULL && reports == 0;
}

static void write_secret(void)
{
    memcpy(initialised, secret, sizeof secret);
    memcpy(zeroed + 4000, secret, sizeof secret); /* across a page boundary */
    heap_block = malloc(256 * 1024);
    if (heap_block) {
        for (size_t at = 0; at + sizeof secret <= 256 * 1024; at += 4096)
            memcpy(heap_block + at, secret, sizeof secret);
    }
}

static int secret_present(void)
{
    return strcmp(initialised, secret) == 0 && memcmp(zeroed + 4000, secret, sizeof secret) == 0 && heap_block
        && memcmp(heap_block, secret, sizeof secret) == 0;
}

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{
    (void)b, (void)c;
    switch (op) {
    case OP_REPORT:
        switch (a) {
        case 0: return pristine_at_start;
        case 1: return (int64_t)random_at_start;
        case 2: return (int64_t)__builtin_wasm_memory_size(0);
        default: return (int64_t)++reports;
        }
    case OP_SLEEP: return sleep_forever();
    case OP_SECRET: return secret_present();
    default: return -1;
    }
}

int main(int argc, char** argv)
{
    if (argc < 2)
        return 64;
    const char* role = argv[1];
    pristine_at_start = check_pristine();
    uint8_t random[16] = { 0 };
    if (__wasi_random_get(random, sizeof random) != 0)
        return 2;
    memcpy(&random_at_start, random, sizeof random_at_start);
    if (strcmp(role, "server") == 0) {
        write_secret();
        azoth_handle_t event = 0;
        if (azoth_event_create(&event) != AZOTH_OK)
            return 1;
        uint32_t bits = 0;
        for (;;)
            (void)azoth_event_wait(event, 1, AZOTH_WAIT_FOREVER, &bits);
    }
    if (strcmp(role, "sleeper") == 0) {
        write_secret();
        printf("privacy-victim: sleeper run (pristine at start: %d)\n", pristine_at_start);
        fflush(stdout);
        for (;;)
            (void)sleep_forever();
    }
    if (strcmp(role, "writer") == 0 || strcmp(role, "reader") == 0) {
        int writer = role[0] == 'w';
        uint64_t region_bytes = writer ? (1u << 20) : (4u << 20), heap_bytes = writer ? (2u << 20) : (8u << 20);
        azoth_handle_t region = 0;
        /* Fresh pages straight from memory.grow (no allocator: malloc may leave its own
         * bookkeeping in memory it hands out): the region's window, then the "heap". */
        size_t first = __builtin_wasm_memory_grow(0, (region_bytes + heap_bytes) / 65536);
        uint8_t* window = first == (size_t)-1 ? NULL : (uint8_t*)(first * 65536);
        uint8_t* heap = window ? window + region_bytes : NULL;
        if (!window || !heap || azoth_region_create(region_bytes, &region) != AZOTH_OK
            || azoth_region_map(region, (uint32_t)(uintptr_t)window, 1) != AZOTH_OK) {
            printf("privacy-victim: FAIL %s: cannot set up its region and heap\n", role);
            return 2;
        }
        if (writer) {
            for (uint64_t at = 0; at + sizeof secret <= region_bytes; at += sizeof secret)
                memcpy(window + at, secret, sizeof secret);
            for (uint64_t at = 0; at + sizeof secret <= heap_bytes; at += sizeof secret)
                memcpy(heap + at, secret, sizeof secret);
            printf("privacy-victim: writer: secret written over a %llu KiB region and %llu KiB of heap\n",
                (unsigned long long)(region_bytes >> 10), (unsigned long long)(heap_bytes >> 10));
            return 0;
        }
        uint64_t non_zero = 0;
        for (uint64_t i = 0; i < region_bytes; ++i) {
            if (window[i] && non_zero++ < 4)
                printf("privacy-victim: reader: region byte %llu is 0x%02x\n", (unsigned long long)i, window[i]);
        }
        for (uint64_t i = 0; i < heap_bytes; ++i) {
            if (heap[i] && non_zero++ < 4)
                printf("privacy-victim: reader: heap byte %llu of %llu is 0x%02x\n", (unsigned long long)i,
                    (unsigned long long)heap_bytes, heap[i]);
        }
        printf("privacy-victim: reader: %llu non-zero bytes in a fresh %llu KiB region and %llu KiB of fresh heap%s\n",
            (unsigned long long)non_zero, (unsigned long long)(region_bytes >> 10), (unsigned long long)(heap_bytes >> 10),
            non_zero ? " (FAIL: remnants)" : "");
        return non_zero ? 1 : 0;
    }
    if (strcmp(role, "caller") == 0 && argc > 2) {
        write_secret();
        azoth_handle_t server = 0;
        for (int attempt = 0; attempt < 1000 && azoth_handle_find(argv[2], (uint32_t)strlen(argv[2]), &server) != AZOTH_OK; ++attempt) { }
        if (!server)
            return 101;
        printf("privacy-victim: caller: calling %s OP_SLEEP (pristine at start: %d)\n", argv[2], pristine_at_start);
        fflush(stdout);
        azoth_status_t status = azoth_call(server, OP_SLEEP, 0, 0, 0, AZOTH_NO_RESULTS);
        printf("privacy-victim: FAIL caller: the call returned %d by itself\n", (int)status);
        return 1;
    }
    if (strcmp(role, "client") == 0 && argc > 2) {
        azoth_status_t denied = azoth_reset(1);
        printf("privacy-victim: client: azoth_reset without supervisor -> %d (%s)\n", (int)denied,
            denied == AZOTH_E_PERMISSION_DENIED ? "E_PERMISSION_DENIED, as expected" : "FAIL");
        fflush(stdout);
        if (denied != AZOTH_E_PERMISSION_DENIED)
            return 100;
        azoth_handle_t server = 0;
        for (int attempt = 0; attempt < 1000 && azoth_handle_find(argv[2], (uint32_t)strlen(argv[2]), &server) != AZOTH_OK; ++attempt) { }
        if (!server)
            return 101;
        printf("privacy-victim: client: calling OP_SLEEP\n");
        fflush(stdout);
        azoth_status_t status = azoth_call(server, OP_SLEEP, 0, 0, 0, AZOTH_NO_RESULTS);
        return (int)status;
    }
    return 64;
}
