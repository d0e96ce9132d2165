#pragma once

// For the hosted parser tests that feed damaged input (device tree, tar): the same seeded
// corruption of a good input, round after round. Each round copies `good`, overwrites
// `min_flips`..`max_flips` random bytes and, one round in `truncate_one_in`, cuts the copy short
// at a random length, then calls `check(bytes)`.
#include <cstdint>
#include <random>
#include <vector>

namespace ath::test_support {

template<typename Check>
void for_each_random_corruption(const std::vector<uint8_t>& good, uint32_t seed, int rounds, int min_flips, int max_flips,
                                int truncate_one_in, Check check)
{
    std::mt19937 random(seed);
    for (int round = 0; round < rounds; ++round) {
        auto bytes = good;
        int flips = min_flips == max_flips ? min_flips : min_flips + static_cast<int>(random() % (max_flips - min_flips + 1));
        for (int i = 0; i < flips; ++i)
            bytes[random() % bytes.size()] = static_cast<uint8_t>(random());
        if (random() % truncate_one_in == 0)
            bytes.resize(random() % bytes.size());
        check(bytes);
    }
}

} // namespace ath::test_support
