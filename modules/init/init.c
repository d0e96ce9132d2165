/* init: the first module. Starts every other module of the initrd and supervises them: when one
 * exits, traps or is killed, the kernel tells init (azoth.wait) and init restarts it as its
 * manifest says (restart = never | on-failure | always, max-restarts), after a back-off that
 * doubles with each consecutive restart (--backoff-ms BASE, default 10; capped at 64 x BASE).
 * init ends when no child is left (then the kernel powers off with init's exit status):
 *   init [--backoff-ms N] [--expect-restarts N]
 * --expect-restarts makes the exit status 1 unless at least N restarts happened (tests).
 * It prints one line per event and, at the end, the frame balance measured before the first
 * spawn and after the last child is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <azoth.h>

#define MAX_MODULES 32

typedef struct {
    char name[48];
    azoth_module_info_t info;
    uint32_t child;       /* 0: not running */
    uint32_t restarts;
    uint32_t consecutive; /* restarts since the last clean run, for the back-off */
    uint32_t exits[5];    /* by kind */
} supervised;

static supervised modules[MAX_MODULES];
static const char* kind_names[] = { "?", "exited", "trapped", "killed", "failed" };

static void sleep_ms(uint64_t ms)
{
    struct timespec duration = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&duration, NULL);
}

/* How a child ended, for the event lines: "exited (code 3)", "trapped (integer divide by zero)",
 * "killed", "failed" (the kernel's log says why a module failed to link or load). */
static const char* describe(const azoth_child_exit_t* event, char* text, size_t capacity)
{
    if (event->kind == AZOTH_EXIT_EXITED)
        snprintf(text, capacity, "exited (code %u)", (unsigned)event->exit_code);
    else if (event->kind == AZOTH_EXIT_TRAPPED)
        snprintf(text, capacity, "trapped (%s)", azoth_trap_name(event->exit_code));
    else
        snprintf(text, capacity, "%s", kind_names[event->kind]);
    return text;
}

static int start(uint32_t index)
{
    int32_t status = azoth_spawn(index, &modules[index].child);
    if (status != AZOTH_OK) {
        printf("init: cannot start %s (%s)\n", modules[index].name, azoth_status_name(status));
        modules[index].child = 0;
        return 0;
    }
    return 1;
}

int main(int argc, char** argv)
{
    uint64_t backoff_ms = 10;
    unsigned long expect_restarts = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--backoff-ms") == 0)
            backoff_ms = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--expect-restarts") == 0)
            expect_restarts = strtoul(argv[i + 1], NULL, 10);
    }
    uint32_t table_size = 0;
    if (azoth_module_count(&table_size) != AZOTH_OK) {
        printf("init: module_count failed\n");
        return 2;
    }
    int32_t count = table_size > MAX_MODULES ? MAX_MODULES : (int32_t)table_size;
    azoth_memory_stats_t before, after;
    if (azoth_memory_stats(&before) != AZOTH_OK) {
        printf("init: memory_stats failed\n");
        return 2;
    }
    uint32_t running = 0;
    for (int32_t i = 0; i < count; ++i) {
        supervised* module = &modules[i];
        if (azoth_module_info((uint32_t)i, module->name, sizeof module->name - 1, &module->info) != AZOTH_OK)
            continue;
        module->name[module->info.name_length < sizeof module->name ? module->info.name_length : sizeof module->name - 1] = 0;
        if (module->info.is_self)
            continue;
        if (start((uint32_t)i)) {
            ++running;
            printf("init: started %s\n", module->name);
        }
    }
    fflush(stdout);

    unsigned long total_restarts = 0;
    while (running > 0) {
        azoth_child_exit_t event;
        int32_t status = azoth_wait(UINT64_MAX, &event);
        if (status != AZOTH_OK) {
            printf("init: wait failed (%s)\n", azoth_status_name(status));
            return 2;
        }
        if (event.module_index >= (uint32_t)count || event.kind > 4)
            continue;
        supervised* module = &modules[event.module_index];
        module->child = 0;
        --running;
        module->exits[event.kind]++;
        int failed = !(event.kind == AZOTH_EXIT_EXITED && event.exit_code == 0);
        int restart = module->info.restart == AZOTH_RESTART_ALWAYS || (module->info.restart == AZOTH_RESTART_ON_FAILURE && failed);
        if (!failed)
            module->consecutive = 0;
        char how[80];
        describe(&event, how, sizeof how);
        if (restart && module->restarts >= module->info.max_restarts) {
            printf("init: %s %s; gave up after %u restarts\n", module->name, how, (unsigned)module->restarts);
            restart = 0;
        } else if (!restart) {
            printf("init: %s %s; not restarted\n", module->name, how);
        }
        if (restart) {
            uint32_t shift = module->consecutive < 6 ? module->consecutive : 6;
            uint64_t delay_ms = backoff_ms << shift;
            module->restarts++;
            module->consecutive++;
            total_restarts++;
            /* Every restart of a chatty module would flood the console: report the first few and
             * then every hundredth (with the back-off it waits first). */
            if (module->restarts <= 3 || module->restarts % 100 == 0)
                printf("init: %s %s; restart %u after %llu ms\n", module->name, how, (unsigned)module->restarts,
                    (unsigned long long)delay_ms);
            fflush(stdout);
            if (delay_ms)
                sleep_ms(delay_ms);
            if (start(event.module_index))
                ++running;
        }
        fflush(stdout);
    }

    if (azoth_memory_stats(&after) != AZOTH_OK) {
        printf("init: memory_stats failed\n");
        return 2;
    }
    for (int32_t i = 0; i < count; ++i) {
        supervised* module = &modules[i];
        if (module->info.is_self || !module->name[0])
            continue;
        printf("init: summary %s: restarts=%u exited=%u trapped=%u killed=%u failed=%u\n", module->name,
            (unsigned)module->restarts, (unsigned)module->exits[AZOTH_EXIT_EXITED], (unsigned)module->exits[AZOTH_EXIT_TRAPPED],
            (unsigned)module->exits[AZOTH_EXIT_KILLED], (unsigned)module->exits[AZOTH_EXIT_FAILED]);
    }
    /* Page-table frames and kernel-heap growth made while children ran stay with the kernel for
     * reuse (the heap's free lists, the reservation's tables): count them as returned. */
    unsigned long long new_tables = after.page_table_frames - before.page_table_frames;
    unsigned long long new_heap = after.kernel_heap_frames - before.kernel_heap_frames;
    printf("init: frames free before %llu, after %llu (+%llu page tables, +%llu kernel heap), linear-memory frames %llu\n",
        (unsigned long long)before.free_frames, (unsigned long long)after.free_frames, new_tables, new_heap,
        (unsigned long long)after.linear_memory_frames);
    int balanced = after.free_frames + new_tables + new_heap == before.free_frames
        && after.linear_memory_frames == before.linear_memory_frames;
    printf("init: frame balance %s; %lu restarts in total\n", balanced ? "ok" : "LEAK", total_restarts);
    fflush(stdout);
    if (!balanced || total_restarts < expect_restarts)
        return 1;
    return 0;
}
