/* Quicksort (median of three, insertion sort for short runs, explicit stack) of pseudo-random u32s. */
#include "kernel.h"

#define COUNT SIZE(5000, 900000)

static u32 values[COUNT];

static void insertion_sort(u32* items, i32 count)
{
    for (i32 i = 1; i < count; ++i) {
        u32 item = items[i];
        i32 j = i - 1;
        while (j >= 0 && items[j] > item) {
            items[j + 1] = items[j];
            --j;
        }
        items[j + 1] = item;
    }
}

static inline void swap(u32* a, u32* b)
{
    u32 t = *a;
    *a = *b;
    *b = t;
}

static void quicksort(u32* items, i32 count)
{
    i32 stack[128];
    i32 depth = 0;
    stack[depth++] = 0;
    stack[depth++] = count - 1;
    while (depth > 0) {
        i32 high = stack[--depth];
        i32 low = stack[--depth];
        while (high - low > 16) {
            i32 middle = low + (high - low) / 2;
            if (items[middle] < items[low])
                swap(&items[middle], &items[low]);
            if (items[high] < items[low])
                swap(&items[high], &items[low]);
            if (items[high] < items[middle])
                swap(&items[high], &items[middle]);
            u32 pivot = items[middle];
            i32 i = low, j = high;
            while (i <= j) {
                while (items[i] < pivot)
                    ++i;
                while (items[j] > pivot)
                    --j;
                if (i <= j) {
                    swap(&items[i], &items[j]);
                    ++i;
                    --j;
                }
            }
            // Recurse into the smaller side later and loop on the larger: the stack stays O(log n).
            if (j - low < high - i) {
                stack[depth++] = i;
                stack[depth++] = high;
                high = j;
            } else {
                stack[depth++] = low;
                stack[depth++] = j;
                low = i;
            }
        }
        insertion_sort(items + low, high - low + 1);
    }
}

KERNEL_EXPORT u32 run(void)
{
    u32 state = 88172645u;
    for (u32 i = 0; i < COUNT; ++i)
        values[i] = next_random(&state);
    quicksort(values, COUNT);
    u32 checksum = 2166136261u, out_of_order = 0;
    for (u32 i = 0; i < COUNT; ++i) {
        if (i > 0 && values[i - 1] > values[i])
            ++out_of_order;
        if (i % 64 == 0)
            checksum = mix(checksum, values[i]);
    }
    return mix(checksum, out_of_order);
}
