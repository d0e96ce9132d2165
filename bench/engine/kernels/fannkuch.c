/* Fannkuch-redux: every permutation of n items, counting prefix reversals ("pancake flips"). */
#include "kernel.h"

#define MAX_N 16

static u32 fannkuch(int n)
{
    int permutation[MAX_N], flipped[MAX_N], count[MAX_N];
    for (int i = 0; i < n; ++i)
        permutation[i] = i;
    int max_flips = 0, checksum = 0, permutation_index = 0;
    int r = n;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            --r;
        }
        for (int i = 0; i < n; ++i)
            flipped[i] = permutation[i];
        int flips = 0;
        for (int first = flipped[0]; first != 0; first = flipped[0]) {
            for (int low = 0, high = first; low < high; ++low, --high) {
                int swap = flipped[low];
                flipped[low] = flipped[high];
                flipped[high] = swap;
            }
            ++flips;
        }
        if (flips > max_flips)
            max_flips = flips;
        checksum += (permutation_index % 2 == 0) ? flips : -flips;
        // Next permutation in the order the original benchmark uses (rotate prefixes).
        for (;;) {
            if (r == n)
                return mix(mix(2166136261u, (u32)checksum), (u32)max_flips);
            int first = permutation[0];
            for (int i = 0; i < r; ++i)
                permutation[i] = permutation[i + 1];
            permutation[r] = first;
            if (--count[r] > 0)
                break;
            ++r;
        }
        ++permutation_index;
    }
}

KERNEL_EXPORT u32 run(void)
{
    // n = 10 takes ~10x as long as n = 9; three rounds of 9 land in the intended time range.
    u32 checksum = 2166136261u;
    for (int round = 0; round < SIZE(1, 3); ++round)
        checksum = mix(checksum, fannkuch(SIZE(7, 9)));
    return checksum;
}
