/* soak-hostile: the soak's attacker (tests/hardening/soak, docs/security.md "Soak and fuzzing").
 *
 * In an endless loop, seeded from random_get, it calls random imports — every function of
 * kernel/sys/abi/wasi_snapshot_preview1.def and kernel/sys/abi/azoth.def, declared with their raw
 * Wasm signatures by the generated soak_imports.h — with random, boundary and forged arguments:
 * pointers at and past the end of memory, wild and misaligned pointers, pointers into a read-only
 * region mapping, huge lengths, overlapping in/out buffers, live, stale, forged and narrowed
 * handles; and it floods: table.grow on eight tables, memory.grow, region_create/region_map,
 * channel_create, timers, events, derived handles. Every call must come back with a status (this
 * module trapping is fine: its supervisor, the soak's init, kills and restarts it anyway).
 * Calls that block take a small timeout (at most a few ms) so the module keeps calling.
 *
 * Every REPORT_EVERY calls it adds its count to soak-echo's hostile-call counter (OP_REPORT, with
 * a 64-bit magic no random call hits), which the supervisor reads at the end.
 *
 * args: soak-hostile [--skip-known LIST] [--spawn]
 *   --skip-known LIST  comma-separated names of known kernel bugs whose call pattern is avoided
 *                      (SOAK-KNOWN below; "none" or absent: nothing avoided)
 *   --spawn            this instance holds `supervisor` and also spawns soak-hostile children
 * No libc start-up (-nostartfiles) and no console: nothing it does reaches the log. */
#include <stdint.h>
#include <string.h>

#include "soak_imports.h"
#include "soak_protocol.h"

#define OK 0
#define E_BAD_HANDLE 1
#define RIGHT_READ 1u
#define RIGHT_MAP 4u
#define RIGHTS_ALL 0x7Fu

#define REPORT_EVERY 32

/* ---- randomness: xorshift64*, seeded from random_get ---- */
static uint64_t rng_state;

static uint64_t next(void) { return xorshift64star(&rng_state); }

static uint32_t below(uint32_t n) { return n ? (uint32_t)(next() % n) : 0; }
static int chance(uint32_t one_in) { return below(one_in) == 0; }

/* ---- memory the calls point into ---- */
#define SCRATCH_SIZE (64 * 1024)
static _Alignas(65536) uint8_t scratch[SCRATCH_SIZE];
static _Alignas(65536) uint8_t map_window[4 * 65536]; /* region_map targets */
static _Alignas(65536) uint8_t read_only_window[65536]; /* a read-only mapping of ro_region */
static int read_only_mapped;

static uint32_t memory_end(void) { return (uint32_t)(__builtin_wasm_memory_size(0) * 65536u); }
static uint32_t scratch_at(uint32_t offset) { return (uint32_t)(uintptr_t)scratch + offset % SCRATCH_SIZE; }

/* ---- tables: eight externref tables grown with table.grow ---- */
static __externref_t table0[0];
static __externref_t table1[0];
static __externref_t table2[0];
static __externref_t table3[0];
static __externref_t table4[0];
static __externref_t table5[0];
static __externref_t table6[0];
static __externref_t table7[0];

static int32_t grow_table(uint32_t which, uint32_t delta)
{
    __externref_t null = __builtin_wasm_ref_null_extern();
    switch (which % 8) {
    case 0: return __builtin_wasm_table_grow(table0, null, (int)delta);
    case 1: return __builtin_wasm_table_grow(table1, null, (int)delta);
    case 2: return __builtin_wasm_table_grow(table2, null, (int)delta);
    case 3: return __builtin_wasm_table_grow(table3, null, (int)delta);
    case 4: return __builtin_wasm_table_grow(table4, null, (int)delta);
    case 5: return __builtin_wasm_table_grow(table5, null, (int)delta);
    case 6: return __builtin_wasm_table_grow(table6, null, (int)delta);
    default: return __builtin_wasm_table_grow(table7, null, (int)delta);
    }
}

/* ---- known kernel bugs (SOAK-KNOWN): patterns avoided when named in --skip-known ----
 * The manifests name the ones still open (none since ec4e1d0); soak-boot-test.py --skip-known
 * LIST / --no-skip-known choose per run. The three below are fixed; they stay nameable to run
 * against an older kernel:
 *   poll-overlap  issue 14 finding 1: poll_oneoff with events over the subscriptions panicked
 *                 (PANIC VERIFY(m_has_value) within seconds on fcfadb8; fixed in 0e150cf)
 *   table-grow    issue 14 finding 2: table.grow took unlimited kernel heap, never returned
 *                 (~18,000 heap frames for one 8 M-element grow on 17ef1a5; +0 at ec4e1d0)
 *   spawn-ro      issue 14 finding 5: spawn's output in a read-only mapping panicked (fixed in
 *                 0e150cf before the soak ran with it enabled; only soak-hostile-spawner reaches it)
 * A new one gets a bit here, a name below and a `SOAK-KNOWN:` comment where its pattern is avoided. */
enum {
    KNOWN_POLL_OVERLAP = 1u << 0,
    KNOWN_TABLE_GROW = 1u << 1,
    KNOWN_SPAWN_RO = 1u << 2,
};
/* Parsed into this global once; the loop keeps its own copy in a Wasm local and passes it down by
 * value: the module's random calls (random_get, fd_read, region_map...) write over its own linear
 * memory, and a skip must not be switched off by that (a 10-minute soak once lost 192 MiB of
 * kernel heap to a table flood whose skip flag had been overwritten). */
static uint32_t skip_known;
static const struct {
    const char* name;
    uint32_t bit;
} known_names[] = {
    { "poll-overlap", KNOWN_POLL_OVERLAP },
    { "table-grow", KNOWN_TABLE_GROW },
    { "spawn-ro", KNOWN_SPAWN_RO },
};

/* ---- handles: live ones it made, stale ones it closed, forged numbers ---- */
#define POOL 64
static uint32_t pool[POOL];
static uint32_t echo_handle;
static uint32_t own_index = 0xFFFFFFFFu; /* module index of soak-hostile, for spawn */
static int may_spawn;

static void remember(uint32_t handle)
{
    if (handle)
        pool[below(POOL)] = handle;
}

static uint32_t any_handle(void)
{
    switch (below(6)) {
    case 0: return echo_handle;
    case 1: return (below(4096) << 10) | below(256); /* forged: any generation, any slot */
    case 2: return below(1024);                       /* generation 0 */
    case 3: return 0xFFFFFFFFu - below(4);
    default: return pool[below(POOL)];                /* live or stale */
    }
}

/* ---- argument pools ---- */
static uint32_t any_pointer(void)
{
    uint32_t end = memory_end();
    switch (below(9)) {
    case 0: return 0;
    case 1: return end - below(16);                    /* the last bytes and just past the end */
    case 2: return end + below(65536);                 /* past the end */
    case 3: return 0xFFFFFFFFu - below(64);            /* wild, wraps */
    case 4: return scratch_at(below(SCRATCH_SIZE)) | 1; /* misaligned */
    case 5:
        if (read_only_mapped)
            return (uint32_t)(uintptr_t)read_only_window + below(65536);
        return scratch_at(below(SCRATCH_SIZE));
    default: return scratch_at(below(SCRATCH_SIZE) & ~7u);
    }
}

static uint32_t any_length(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1 + below(16);
    case 2: return 0x7FFFFFFFu;
    case 3: return 0xFFFFFFFFu - below(16);
    case 4: return memory_end();
    case 5: return 65536;
    default: return below(4096);
    }
}

static uint32_t any_i32(void)
{
    switch (below(8)) {
    case 0: return any_pointer();
    case 1: return any_length();
    case 2: return any_handle();
    case 3: return below(RIGHTS_ALL + 1);
    case 4: return (uint32_t)next();
    case 5: return below(8);
    default: return below(2) ? any_pointer() : any_handle();
    }
}

/* Timeouts of blocking calls: mostly 0 .. 3 ms, so the module keeps calling; now and then forever,
 * so that the kill storm also meets modules asleep in every kind of wait (each must end at the
 * kill). */
static uint64_t small_timeout(void)
{
    if (below(64) == 0)
        return below(2) ? ~0ull : 10000000000ull;
    return below(4) == 0 ? 0 : below(3000000);
}

static uint64_t any_i64(void)
{
    switch (below(7)) {
    case 0: return 0;
    case 1: return below(64);
    case 2: return next();
    case 3: return ~0ull - below(4);
    case 4: return 1ull << (32 + below(32));
    case 5: return (uint64_t)4096 * (1 + below(64));
    default: return small_timeout();
    }
}

/* Fills scratch with random words, so a pointer into it reaches random iovecs, strings, structs. */
static void scramble(void)
{
    uint64_t* words = (uint64_t*)scratch;
    uint32_t from = below(SCRATCH_SIZE / 8), count = below(512);
    for (uint32_t i = 0; i < count && from + i < SCRATCH_SIZE / 8; ++i) {
        switch (below(4)) {
        case 0: words[from + i] = next(); break;
        case 1: words[from + i] = ((uint64_t)any_length() << 32) | any_pointer(); break; /* iovec-shaped */
        default: words[from + i] = below(64); break;
        }
    }
}

/* ---- the calls ---- */
static uint64_t calls;

static const soak_import_t* find(const char* module, const char* name)
{
    for (uint32_t i = 0; i < SOAK_IMPORT_COUNT; ++i)
        if (strcmp(soak_imports[i].name, name) == 0 && strcmp(soak_imports[i].module, module) == 0)
            return &soak_imports[i];
    return 0;
}

/* The slowest non-blocking call so far goes to soak-echo (OP_SLOW), which keeps the slowest of
 * all: one host call that holds the CPU for long stalls every other module (docs/security.md,
 * "Waits and long calls"). Pseudo-indexes: SLOW_MEMORY_GROW, SLOW_TABLE_GROW. */
#define SLOW_MEMORY_GROW 1000
#define SLOW_TABLE_GROW 1001
#define SLOW_REPORT_NS 20000000ull /* 20 ms */
static void report_slow(uint32_t index, uint64_t nanoseconds, uint64_t detail);

static uint64_t clock_ns(void)
{
    uint64_t now = 0;
    soak_wasi_clock_time_get(1, 1, (int32_t)(uintptr_t)&now);
    return now;
}

static int blocks(const soak_import_t* import)
{
    static const char* const blocking[] = { "poll_oneoff", "fd_read", "sched_yield", "proc_exit", "event_wait", "channel_send",
        "channel_receive", "wait", "console_read", "call", "call_with_handle" };
    for (uint32_t i = 0; i < sizeof blocking / sizeof blocking[0]; ++i)
        if (strcmp(import->name, blocking[i]) == 0)
            return 1;
    return 0;
}

static uint64_t slowest_reported, most_heap_reported;
static void report_heap(uint32_t index, uint64_t frames, uint64_t detail);

/* The kernel heap's mapped frames (memory_stats): growth during one non-blocking call is that
 * call's (one CPU, no preemption inside a host call). */
static uint64_t heap_frames(void)
{
    static uint64_t stats[4];
    if (soak_azoth_memory_stats((int32_t)(uintptr_t)stats) != OK)
        return 0;
    return stats[3];
}

static void timed(uint32_t index, uint64_t started, uint64_t heap_before, uint64_t detail)
{
    uint64_t took = clock_ns() - started;
    if (took > SLOW_REPORT_NS && took > slowest_reported) {
        slowest_reported = took;
        report_slow(index, took, detail);
    }
    uint64_t heap_after = heap_frames();
    if (heap_before && heap_after > heap_before && heap_after - heap_before > most_heap_reported) {
        most_heap_reported = heap_after - heap_before;
        report_heap(index, most_heap_reported, detail);
    }
}

static int32_t invoke(const soak_import_t* import, const uint64_t* words)
{
    ++calls;
    if (blocks(import))
        return import->call(words);
    uint64_t heap_before = heap_frames();
    uint64_t started = clock_ns();
    int32_t status = import->call(words);
    timed((uint32_t)(import - soak_imports), started, heap_before, (words[0] << 32) | (uint32_t)words[1]);
    return status;
}

/* poll_oneoff: subscriptions built from random parts (clock timeouts kept small; fds and tags
 * random), output anywhere, including over the subscriptions. */
static void poll_oneoff_call(uint32_t skip)
{
    static const soak_import_t* poll;
    if (!poll)
        poll = find("wasi_snapshot_preview1", "poll_oneoff");
    uint32_t count = chance(16) ? any_length() : 1 + below(6);
    uint32_t in = scratch_at(below(SCRATCH_SIZE / 2) & ~7u);
    uint8_t* subscription = scratch + (in - (uint32_t)(uintptr_t)scratch);
    for (uint32_t i = 0; i < count && i < 8 && (uint32_t)(subscription - scratch) + 48 <= SCRATCH_SIZE; ++i, subscription += 48) {
        uint64_t userdata = next();
        uint8_t tag = chance(8) ? (uint8_t)next() : (uint8_t)below(3);
        memset(subscription, 0, 48);
        memcpy(subscription, &userdata, 8);
        subscription[8] = tag;
        if (tag == 0 || chance(2)) { /* clock: id, timeout, precision, flags */
            uint32_t id = chance(4) ? (uint32_t)next() : below(4);
            uint64_t timeout = small_timeout(), precision = next();
            uint16_t flags = (uint16_t)below(4);
            if (flags & 1) { /* absolute: a time just after "now" on that clock */
                uint64_t now = 0;
                static const soak_import_t* clock;
                if (!clock)
                    clock = find("wasi_snapshot_preview1", "clock_time_get");
                uint64_t words[3] = { id < 4 ? id : 1, 1, (uint32_t)(uintptr_t)&now };
                invoke(clock, words);
                timeout += now;
            }
            memcpy(subscription + 16, &id, 4);
            memcpy(subscription + 24, &timeout, 8);
            memcpy(subscription + 32, &precision, 8);
            memcpy(subscription + 40, &flags, 2);
        } else { /* fd_read / fd_write: any descriptor */
            uint32_t fd = chance(2) ? below(8) : (uint32_t)next();
            memcpy(subscription + 16, &fd, 4);
        }
    }
    uint32_t out;
    switch (below(5)) {
    case 0: out = any_pointer(); break;
    case 1: out = in + 32 * below(4); break; /* over the subscriptions */
    default: out = scratch_at(SCRATCH_SIZE / 2 + (below(SCRATCH_SIZE / 2) & ~7u)); break;
    }
    if (skip & KNOWN_POLL_OVERLAP) {
        /* poll-overlap, when named: keep the events away from the subscriptions */
        uint64_t in_end = (uint64_t)in + 48ull * count, out_end = (uint64_t)out + 32ull * count;
        if (out < in_end && in < out_end)
            out = scratch_at(SCRATCH_SIZE / 2 + 8 * 48) + 0; /* beyond any 8 subscriptions */
        if (count > 8 && out >= (uint32_t)(uintptr_t)scratch && out < (uint32_t)(uintptr_t)scratch + SCRATCH_SIZE)
            out = any_pointer() | 0x80000000u; /* huge counts: out of bounds, refused before reading */
    }
    uint32_t nevents = chance(8) ? any_pointer() : scratch_at(SCRATCH_SIZE - 8);
    uint64_t words[4] = { in, out, count, nevents };
    invoke(poll, words);
}

/* A call whose arguments come from the pools; blocking ones get small timeouts. */
static void echo_call(void)
{
    static const soak_import_t *call, *call_with_handle;
    if (!call) {
        call = find("azoth", "call");
        call_with_handle = find("azoth", "call_with_handle");
    }
    if (chance(2)) {
        uint64_t words[6] = { echo_handle, chance(2) ? below(8) : next(), next(), any_i64(), any_i64(), chance(4) ? any_pointer() : scratch_at(0) };
        invoke(call, words);
    } else { /* a handle of its own into the server's table (the server closes it) */
        uint64_t words[8] = { echo_handle, pool[below(POOL)], below(RIGHTS_ALL + 1), below(3), chance(2) ? below(8) : next(), next(),
            any_i64(), chance(4) ? any_pointer() : scratch_at(0) };
        invoke(call_with_handle, words);
    }
}

static void random_call(uint32_t skip, uint32_t spawn_index)
{
    const soak_import_t* import = &soak_imports[below(SOAK_IMPORT_COUNT)];
    const char* name = import->name;
    int wasi = import->module[0] == 'w';
    if (wasi && strcmp(name, "proc_exit") == 0) {
        if (!chance(500))
            return;
    }
    if (wasi && strcmp(name, "poll_oneoff") == 0) {
        poll_oneoff_call(skip);
        return;
    }
    uint64_t words[16] = { 0 };
    for (uint32_t i = 0; import->params[i] && i < 16; ++i)
        words[i] = import->params[i] == 'I' ? any_i64() : any_i32();
    if (!wasi) {
        /* timeouts of the blocking azoth calls: small */
        if (strcmp(name, "event_wait") == 0 || strcmp(name, "channel_send") == 0 || strcmp(name, "console_read") == 0)
            words[2 + (name[0] == 'c' && name[1] == 'h' ? 1 : 0)] = small_timeout();
        if (strcmp(name, "channel_receive") == 0)
            words[3] = small_timeout();
        if (strcmp(name, "wait") == 0)
            words[0] = small_timeout();
        if (strcmp(name, "spawn") == 0 || strcmp(name, "spawn_args") == 0) {
            /* spawn_index comes by value like skip: a corrupted index could start any module of
             * the initrd (a second init, uart...); spawn_args takes the same first word */
            if (spawn_index == 0xFFFFFFFFu || chance(2))
                words[0] = chance(2) ? (uint32_t)next() | 0x80000000u : 1000 + below(1000);
            else
                words[0] = spawn_index;
            /* spawn-ro, when named: never the read-only mapping as spawn's output */
            if ((skip & KNOWN_SPAWN_RO) && words[1] >= (uint32_t)(uintptr_t)read_only_window
                && words[1] < (uint32_t)(uintptr_t)read_only_window + 65536)
                words[1] = scratch_at(8);
        }
        if (strcmp(name, "region_create") == 0 || strcmp(name, "channel_create") == 0) {
            if (!chance(4))
                words[0] = (uint64_t)4096 * (1 + below(256)); /* mostly sizes that can succeed */
        }
        if (strcmp(name, "timer_set") == 0 && chance(2))
            words[2] = 100000 + below(1000000); /* a periodic timer, 100 us .. 1.1 ms */
        if (strcmp(name, "region_map") == 0 && chance(2))
            words[1] = (uint32_t)(uintptr_t)map_window + 4096 * below(64);
        if (strcmp(name, "region_unmap") == 0 && chance(2))
            words[0] = (uint32_t)(uintptr_t)map_window + 4096 * below(64);
    }
    int32_t status = invoke(import, words);
    /* keep what a successful create/derive/find returned: scratch words become live handles */
    if (status == OK && !wasi) {
        for (uint32_t i = 0; import->params[i] && i < 16; ++i) {
            uint32_t address = (uint32_t)words[i];
            if (import->params[i] == 'i' && address >= (uint32_t)(uintptr_t)scratch
                && address + 4 <= (uint32_t)(uintptr_t)scratch + SCRATCH_SIZE && address % 4 == 0 && chance(2))
                remember(*(volatile uint32_t*)(uintptr_t)address);
        }
    }
}

/* ---- floods ---- */
/* Elements in the eight tables, from table.size (the engine's count, which no store can change). */
static uint32_t table_elements(void)
{
    return (uint32_t)(__builtin_wasm_table_size(table0) + __builtin_wasm_table_size(table1) + __builtin_wasm_table_size(table2)
        + __builtin_wasm_table_size(table3) + __builtin_wasm_table_size(table4) + __builtin_wasm_table_size(table5)
        + __builtin_wasm_table_size(table6) + __builtin_wasm_table_size(table7));
}

static void flood(uint32_t skip)
{
    static const soak_import_t *region_create, *region_map, *channel_create, *timer_create, *timer_bind, *timer_set,
        *event_create, *handle_derive, *handle_close;
    if (!region_create) {
        region_create = find("azoth", "region_create");
        region_map = find("azoth", "region_map");
        channel_create = find("azoth", "channel_create");
        timer_create = find("azoth", "timer_create");
        timer_bind = find("azoth", "timer_bind");
        timer_set = find("azoth", "timer_set");
        event_create = find("azoth", "event_create");
        handle_derive = find("azoth", "handle_derive");
        handle_close = find("azoth", "handle_close");
    }
    uint32_t out = scratch_at(SCRATCH_SIZE - 16);
    volatile uint32_t* made = (volatile uint32_t*)(uintptr_t)out;
    switch (below(8)) {
    case 0: { /* tables */
        uint32_t limit = (skip & KNOWN_TABLE_GROW) ? 4096 : 0xFFFFFFFFu; /* table-grow, when named */
        for (int i = 0; i < 64 && table_elements() < limit; ++i) {
            uint32_t delta = chance(4) ? 1u << below(24) : 1 + below(4096);
            if (limit != 0xFFFFFFFFu && delta > limit - table_elements())
                delta = limit - table_elements();
            ++calls;
            uint64_t heap_before = heap_frames();
            uint64_t started = clock_ns();
            int32_t grown = grow_table(below(8), delta);
            timed(SLOW_TABLE_GROW, started, heap_before, delta);
            if (grown < 0)
                break;
        }
        break;
    }
    case 1: { /* linear memory: a few pages, or (one time in four) until refused */
        int until_refused = chance(4);
        for (int i = 0; i < (until_refused ? 4096 : 1 + (int)below(8)); ++i) {
            ++calls;
            uint32_t pages = until_refused ? 1 + below(256) : 1 + below(16);
            uint64_t heap_before = heap_frames();
            uint64_t started = clock_ns();
            __SIZE_TYPE__ grown = __builtin_wasm_memory_grow(0, pages);
            timed(SLOW_MEMORY_GROW, started, heap_before, pages);
            if (grown == (__SIZE_TYPE__)-1)
                break;
        }
        break;
    }
    case 2: /* regions, each mapped somewhere if it fits */
        for (int i = 0; i < 64; ++i) {
            uint64_t words[2] = { (uint64_t)4096 * (1 + below(chance(8) ? 65536 : 64)), out };
            if (invoke(region_create, words) != OK)
                break;
            remember(*made);
            uint64_t map[3] = { *made, (uint32_t)(uintptr_t)map_window + 4096 * below(64), below(2) };
            invoke(region_map, map);
        }
        break;
    case 3: /* channels */
        for (int i = 0; i < 64; ++i) {
            uint64_t words[3] = { (uint64_t)4096 * (1 + below(16)), 16u << below(8), out };
            if (invoke(channel_create, words) != OK)
                break;
            remember(*made);
        }
        break;
    case 4: { /* periodic timers at 100 us on one event */
        uint64_t words[1] = { out };
        if (invoke(event_create, words) != OK)
            break;
        uint32_t event = *made;
        remember(event);
        for (int i = 0; i < 32; ++i) {
            if (invoke(timer_create, words) != OK)
                break;
            uint32_t timer = *made;
            remember(timer);
            uint64_t bind[3] = { timer, event, 1u << below(32) };
            invoke(timer_bind, bind);
            uint64_t set[3] = { timer, below(1000000), 100000 };
            invoke(timer_set, set);
        }
        break;
    }
    case 5: /* events */
        for (int i = 0; i < 128; ++i) {
            uint64_t words[1] = { out };
            if (invoke(event_create, words) != OK)
                break;
            remember(*made);
        }
        break;
    case 6: /* derived handles, fewer rights each time */
        for (int i = 0; i < 64; ++i) {
            uint64_t words[3] = { pool[below(POOL)], below(RIGHTS_ALL + 1), out };
            if (invoke(handle_derive, words) == OK)
                remember(*made);
        }
        break;
    default: /* close half the pool: the table fills and empties, numbers go stale */
        for (uint32_t i = 0; i < POOL; i += 1 + below(2)) {
            uint64_t words[1] = { pool[i] };
            invoke(handle_close, words);
        }
        break;
    }
}

/* ---- set-up ---- */
static uint64_t reported, next_report = REPORT_EVERY;

static void report(void)
{
    static const soak_import_t *call, *handle_find;
    if (!call) {
        call = find("azoth", "call");
        handle_find = find("azoth", "handle_find");
    }
    next_report = calls + REPORT_EVERY;
    if (calls < reported || calls - reported > 64 * REPORT_EVERY) {
        /* its own random calls wrote over these counters (random_get, fd_read, region_map into its
         * memory are all fair): start counting again rather than report garbage */
        reported = calls;
        return;
    }
    uint64_t words[6] = { echo_handle, OP_REPORT, REPORT_MAGIC, calls - reported, 0, 0xFFFFFFFFu };
    int32_t status = call->call(words);
    if (status == E_BAD_HANDLE) { /* closed or revoked by its own random calls: ask again */
        static const char name[] = "echo";
        uint64_t find_words[3] = { (uint32_t)(uintptr_t)name, sizeof name - 1, scratch_at(SCRATCH_SIZE - 24) };
        if (handle_find->call(find_words) == OK) {
            echo_handle = *(volatile uint32_t*)(uintptr_t)scratch_at(SCRATCH_SIZE - 24);
            words[0] = echo_handle;
            status = call->call(words);
        }
    }
    if (status == OK)
        reported = calls;
}

static void report_slow(uint32_t index, uint64_t nanoseconds, uint64_t detail)
{
    static const soak_import_t* call;
    if (!call)
        call = find("azoth", "call");
    uint64_t microseconds = nanoseconds / 1000;
    uint64_t words[6] = { echo_handle, OP_SLOW, REPORT_MAGIC, ((uint64_t)index << 48) | (microseconds & 0xFFFFFFFFFFFFull), detail,
        0xFFFFFFFFu };
    call->call(words);
}

static void report_heap(uint32_t index, uint64_t frames, uint64_t detail)
{
    static const soak_import_t* call;
    if (!call)
        call = find("azoth", "call");
    uint64_t words[6] = { echo_handle, OP_HEAP, REPORT_MAGIC, ((uint64_t)index << 48) | (frames & 0xFFFFFFFFFFFFull), detail,
        0xFFFFFFFFu };
    call->call(words);
}

static int starts_with(const char* text, const char* prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void parse_arguments(void)
{
    static char buffer[1024];
    static uint32_t pointers[32];
    uint32_t count = 0, size = 0;
    const soak_import_t* sizes = find("wasi_snapshot_preview1", "args_sizes_get");
    const soak_import_t* get = find("wasi_snapshot_preview1", "args_get");
    uint64_t size_words[2] = { (uint32_t)(uintptr_t)&count, (uint32_t)(uintptr_t)&size };
    if (sizes->call(size_words) != OK || count > 32 || size > sizeof buffer)
        return;
    uint64_t get_words[2] = { (uint32_t)(uintptr_t)pointers, (uint32_t)(uintptr_t)buffer };
    if (get->call(get_words) != OK)
        return;
    for (uint32_t i = 1; i < count; ++i) {
        const char* argument = (const char*)(uintptr_t)pointers[i];
        if (strcmp(argument, "--spawn") == 0)
            may_spawn = 1;
        if (strcmp(argument, "--skip-known") == 0 && i + 1 < count) {
            const char* list = (const char*)(uintptr_t)pointers[++i];
            for (const char* p = list; *p; ++p) {
                if (p != list && p[-1] != ',')
                    continue;
                for (uint32_t k = 0; k < sizeof known_names / sizeof known_names[0]; ++k)
                    if (starts_with(p, known_names[k].name))
                        skip_known |= known_names[k].bit;
            }
        }
    }
}

static void set_up(void)
{
    uint64_t seed_words[2] = { (uint32_t)(uintptr_t)&rng_state, sizeof rng_state };
    if (find("wasi_snapshot_preview1", "random_get")->call(seed_words) != OK || rng_state == 0)
        rng_state = 0x9E3779B97F4A7C15ull;
    parse_arguments();
    static const char name[] = "echo";
    uint64_t find_words[3] = { (uint32_t)(uintptr_t)name, sizeof name - 1, (uint32_t)(uintptr_t)&echo_handle };
    find("azoth", "handle_find")->call(find_words);
    /* its own module index (for spawn) */
    uint32_t count = 0;
    uint64_t count_words[1] = { (uint32_t)(uintptr_t)&count };
    find("azoth", "module_count")->call(count_words);
    for (uint32_t i = 0; i < count && i < 64; ++i) {
        char module_name[32] = { 0 };
        uint32_t info[4] = { 0 };
        uint64_t info_words[4] = { i, (uint32_t)(uintptr_t)module_name, sizeof module_name - 1, (uint32_t)(uintptr_t)info };
        if (find("azoth", "module_info")->call(info_words) == OK && strcmp(module_name, "soak-hostile") == 0)
            own_index = i;
    }
    /* a read-only mapping: a region handle narrowed to read+map, mapped without write */
    uint32_t region = 0, narrowed = 0;
    uint64_t create_words[2] = { 65536, (uint32_t)(uintptr_t)&region };
    if (find("azoth", "region_create")->call(create_words) == OK) {
        uint64_t derive_words[3] = { region, RIGHT_READ | RIGHT_MAP, (uint32_t)(uintptr_t)&narrowed };
        if (find("azoth", "handle_derive")->call(derive_words) == OK) {
            uint64_t map_words[3] = { narrowed, (uint32_t)(uintptr_t)read_only_window, 0 };
            read_only_mapped = find("azoth", "region_map")->call(map_words) == OK;
            remember(narrowed);
        }
        remember(region);
    }
    remember(echo_handle);
}

void _start(void)
{
    set_up();
    const uint32_t skip = skip_known; /* a Wasm local from here on (see skip_known) */
    const uint32_t spawn_index = may_spawn ? own_index : 0xFFFFFFFFu;
    for (;;) {
        if (chance(16))
            scramble();
        if (chance(64))
            flood(skip);
        else if (chance(16))
            echo_call();
        else
            random_call(skip, spawn_index);
        if (calls >= next_report)
            report();
    }
}
