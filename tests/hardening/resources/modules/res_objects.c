/* res-objects: exhausts one kind of resource, named by argv[1], until the kernel refuses, and
 * checks the refusal is the per-process limit of its manifest (argv[2] = how many fit, argv[3] =
 * the status expected: 5 = E_NO_MEMORY, 6 = E_EXHAUSTED). Then it gives one back and checks that
 * one can be made again (limits count what is live). Exit 0 when every check held, 1 otherwise.
 * One .wasm under several names (res-memory, res-regions, res-region-memory, res-channels,
 * res-handles, res-timers, res-ro-mappings), each with its own manifest. The kinds:
 *   memory          memory.grow by 1 MiB until -1 (argv[2]: MiB that fit, +-2: libc's own pages)
 *   regions         region_create(4 KiB)
 *   region-memory   region_create(1 MiB) (its pages count as the process's memory)
 *   channels        channel_create(4 KiB ring)
 *   handles         event_create (each makes one handle)
 *   timers          timer_create
 *   ro-mappings     region_map(read-only) of 4 KiB regions at page-aligned places of its memory */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <azoth.h>

#define MAX_OBJECTS 600

static azoth_handle_t handles[MAX_OBJECTS];
static char pages[8][4096] __attribute__((aligned(4096)));
static const char* kind;

static int32_t make_one(uint32_t index)
{
    azoth_handle_t handle = 0;
    int32_t status;
    if (strcmp(kind, "regions") == 0)
        status = azoth_region_create(4096, &handle);
    else if (strcmp(kind, "region-memory") == 0)
        status = azoth_region_create(1u << 20, &handle);
    else if (strcmp(kind, "channels") == 0)
        status = azoth_channel_create(4096, 64, &handle);
    else if (strcmp(kind, "handles") == 0)
        status = azoth_event_create(&handle);
    else if (strcmp(kind, "timers") == 0)
        status = azoth_timer_create(&handle);
    else if (strcmp(kind, "ro-mappings") == 0) {
        if (index >= 8)
            return -1000;
        status = azoth_region_create(4096, &handle);
        if (status == AZOTH_OK) {
            int32_t mapped = azoth_region_map(handle, (uint32_t)(uintptr_t)pages[index], 0);
            if (mapped != AZOTH_OK) {
                azoth_handle_close(handle);
                return mapped;
            }
        }
    } else
        return -1001;
    if (status == AZOTH_OK)
        handles[index] = handle;
    return status;
}

static void give_back(uint32_t index)
{
    if (strcmp(kind, "ro-mappings") == 0)
        azoth_region_unmap((uint32_t)(uintptr_t)pages[index]);
    azoth_handle_close(handles[index]);
}

static int memory_case(long expected)
{
    long grown = 0;
    while (__builtin_wasm_memory_grow(0, 16) != (__SIZE_TYPE__)-1)
        ++grown;
    int fits = grown >= expected - 2 && grown <= expected;
    printf("res-objects: memory: grew %ld MiB, then memory.grow was refused (expected about %ld): %s\n", grown, expected,
        fits ? "ok" : "FAIL");
    return fits ? 0 : 1;
}

int main(int argc, char** argv)
{
    if (argc < 4) {
        printf("res-objects: usage: res-objects KIND COUNT STATUS\n");
        return 1;
    }
    kind = argv[1];
    long expected = strtol(argv[2], NULL, 10);
    int32_t expected_status = (int32_t)strtol(argv[3], NULL, 10);
    if (strcmp(kind, "memory") == 0)
        return memory_case(expected);

    uint32_t made = 0;
    int32_t status = AZOTH_OK;
    while (made < MAX_OBJECTS) {
        status = make_one(made);
        if (status != AZOTH_OK)
            break;
        ++made;
    }
    int failed = 0;
    /* Handles: the module may hold a few from the start (its manifest's), so up to 2 fewer fit. */
    long slack = strcmp(kind, "handles") == 0 ? 2 : (strcmp(kind, "region-memory") == 0 ? 1 : 0);
    if (status != expected_status || (long)made > expected || (long)made < expected - slack) {
        printf("res-objects: %s: FAIL: made %u, then status %d (expected %ld, then status %d)\n", kind, (unsigned)made,
            (int)status, expected, (int)expected_status);
        failed = 1;
    } else {
        printf("res-objects: %s: made %u, then refused with status %d: ok\n", kind, (unsigned)made, (int)status);
    }
    if (made > 0) {
        give_back(made - 1);
        int32_t again = make_one(made - 1);
        if (again != AZOTH_OK) {
            printf("res-objects: %s: FAIL: after giving one back, making one failed (status %d)\n", kind, (int)again);
            failed = 1;
        } else {
            printf("res-objects: %s: one given back, one made again: ok\n", kind);
        }
    }
    fflush(stdout);
    /* Everything else goes back at exit: the supervisor checks the frames. */
    return failed;
}
