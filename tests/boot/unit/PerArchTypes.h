#pragma once

// Typed tests over one type per arch (page-table and loader formats): the GoogleTest type list
// and the names the tests run under (x86_64, aarch64, riscv64).
#include <gtest/gtest.h>
#include <string>
#include <type_traits>

namespace ath::testing {

template<typename X86_64, typename Aarch64, typename Riscv64>
struct PerArchTypes {
    using Types = ::testing::Types<X86_64, Aarch64, Riscv64>;

    template<typename T>
    static std::string GetName(int)
    {
        if constexpr (std::is_same_v<T, X86_64>)
            return "x86_64";
        else if constexpr (std::is_same_v<T, Aarch64>)
            return "aarch64";
        else
            return "riscv64";
    }
};

} // namespace ath::testing
