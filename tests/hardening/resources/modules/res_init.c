/* res-init: the supervisor (init) of the resource-exhaustion image (boot.<arch>.resources).
 * Starts res-steady, then runs every other module of the initrd twice, one at a time: each
 * exhausts one kind of resource up to its manifest's limit and must end on its own with the
 * status it expects (exit 0; res-tables and res-heap exit with their number of grows). Around each
 * run it reads the free frames (azoth.memory_stats): the second run must give back every frame
 * (free frames after == before, exactly); the first may keep page-table frames for reuse, which it
 * reports. res-steady must still be running at the end (others keep running). Exit 0 when all
 * held; the lines are checked by resources-boot-test.py. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <azoth.h>

#define MAX_MODULES 32

static const char* kind_names[] = { "?", "exited", "trapped", "killed", "failed" };
static int failures;

static int stats(azoth_memory_stats_t* out)
{
    if (azoth_memory_stats(out) != AZOTH_OK) {
        printf("res-init: FAIL memory_stats\n");
        ++failures;
        return 0;
    }
    return 1;
}

static int expected_code(const char* name, uint32_t code)
{
    if (strcmp(name, "res-tables") == 0)
        return code == 16; /* 1 Mi elements = 16 grows of 64 Ki; the 128 Mi grow refused */
    if (strcmp(name, "res-heap") == 0)
        return code > 0 && code < 250; /* stopped by the kernel-heap limit, not by the element cap */
    return code == 0;
}

int main(void)
{
    uint32_t count = 0;
    if (azoth_module_count(&count) != AZOTH_OK || count > MAX_MODULES) {
        printf("res-init: FAIL module_count\n");
        return 2;
    }
    char names[MAX_MODULES][48];
    azoth_module_info_t infos[MAX_MODULES];
    uint32_t steady_index = MAX_MODULES;
    for (uint32_t i = 0; i < count; ++i) {
        memset(names[i], 0, sizeof names[i]);
        if (azoth_module_info(i, names[i], sizeof names[i] - 1, &infos[i]) != AZOTH_OK)
            infos[i].is_self = 1;
        if (strcmp(names[i], "res-steady") == 0)
            steady_index = i;
    }
    uint32_t steady = 0;
    if (steady_index == MAX_MODULES || azoth_spawn(steady_index, &steady) != AZOTH_OK) {
        printf("res-init: FAIL cannot start res-steady\n");
        return 2;
    }
    printf("res-init: started res-steady\n");
    fflush(stdout);
    /* Let res-steady make its one-time allocations (stdio buffers) before anything is measured. */
    struct timespec settle = { 0, 600 * 1000000L };
    nanosleep(&settle, NULL);

    for (uint32_t i = 0; i < count; ++i) {
        if (infos[i].is_self || i == steady_index)
            continue;
        for (int run = 1; run <= 2; ++run) {
            azoth_memory_stats_t before, after;
            if (!stats(&before))
                continue;
            uint32_t child = 0;
            int32_t status = azoth_spawn(i, &child);
            if (status != AZOTH_OK) {
                printf("res-init: FAIL spawn %s: status %d\n", names[i], (int)status);
                ++failures;
                continue;
            }
            azoth_child_exit_t event;
            status = azoth_wait(20ull * 1000 * 1000 * 1000, &event);
            if (status != AZOTH_OK || event.child != child) {
                printf("res-init: FAIL %s run %d: wait status %d (child %u, expected %u: res-steady ended?)\n", names[i], run,
                    (int)status, (unsigned)event.child, (unsigned)child);
                ++failures;
                if (status != AZOTH_OK) {
                    azoth_kill(child);
                    (void)azoth_wait(AZOTH_WAIT_FOREVER, &event);
                }
                continue;
            }
            if (!stats(&after))
                continue;
            int code_ok = event.kind == AZOTH_EXIT_EXITED && expected_code(names[i], event.exit_code);
            long long frames = (long long)after.free_frames - (long long)before.free_frames;
            long long tables = (long long)after.page_table_frames - (long long)before.page_table_frames;
            long long heap = (long long)after.kernel_heap_frames - (long long)before.kernel_heap_frames;
            long long linear = (long long)after.linear_memory_frames - (long long)before.linear_memory_frames;
            printf("res-init: %s run %d: %s (code %u) %s; free frames before %llu after %llu (page tables %+lld, kernel heap "
                   "%+lld, linear memory %+lld)\n",
                names[i], run, kind_names[event.kind < 5 ? event.kind : 0], (unsigned)event.exit_code,
                code_ok ? "as expected" : "UNEXPECTED", (unsigned long long)before.free_frames,
                (unsigned long long)after.free_frames, tables, heap, linear);
            if (!code_ok) {
                printf("res-init: FAIL %s run %d: unexpected end\n", names[i], run);
                ++failures;
            }
            /* The first run may leave page tables (kept for reuse, reported); nothing else may be
             * missing: the kernel heap gives back what the module made it grow. */
            if (run == 1 && (frames + tables != 0 || heap != 0 || linear != 0)) {
                printf("res-init: FAIL %s run 1: frames not back: %lld beyond page tables (kernel heap %+lld, linear memory %+lld)\n",
                    names[i], -(frames + tables), heap, linear);
                ++failures;
            }
            if (run == 2) {
                if (frames != 0) {
                    printf("res-init: FAIL %s run 2: free frames %llu before, %llu after\n", names[i],
                        (unsigned long long)before.free_frames, (unsigned long long)after.free_frames);
                    ++failures;
                } else {
                    printf("res-init: %s: every frame came back\n", names[i]);
                }
            }
            fflush(stdout);
        }
    }

    /* res-steady must still be there: killing it is what ends it. */
    azoth_child_exit_t event;
    if (azoth_wait(0, &event) == AZOTH_OK) {
        printf("res-init: FAIL res-steady ended during the runs (%s)\n", kind_names[event.kind < 5 ? event.kind : 0]);
        ++failures;
    } else {
        printf("res-init: res-steady kept running\n");
        azoth_kill(steady);
        (void)azoth_wait(AZOTH_WAIT_FOREVER, &event);
    }
    printf("res-init: done, %d failures\n", failures);
    fflush(stdout);
    return failures ? 1 : 0;
}
