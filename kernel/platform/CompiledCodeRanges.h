#pragma once

// Where compiled Wasm code lives, for the fault path: a fixed table of [begin, end) code ranges,
// each with the landing a memory fault inside it resumes at (the code's out-of-bounds trap stub,
// kernel/wasm/NativeTier.h). Both CodeMemoryProviders keep one: hosted (HostedCodeMemory.cpp, read
// by its SIGSEGV handler) and booted (KernelCodeMemory.cpp, read by every port's exception handler
// through kernel/arch/common/CodeFaultHook.h).
//
// Lock-free so that a fault handler can read it whatever the interrupted code held: an entry is
// claimed by one compare-exchange (free -> filling), filled, then published with a release store
// (-> live); removal unpublishes it before the pages go. A lookup racing with a removal can only
// concern code that no longer runs.
#include <kernel/lib/Result.h>
#include <kernel/lib/Types.h>

namespace ath::wasm {

class CompiledCodeRanges {
public:
    static constexpr usize capacity = 4096;

    ErrorOr add(uptr begin, uptr end, uptr landing)
    {
        for (auto& entry : m_entries) {
            u32 expected = free;
            if (!__atomic_compare_exchange_n(&entry.state, &expected, filling, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                continue;
            entry.begin = begin;
            entry.end = end;
            entry.landing = landing;
            __atomic_store_n(&entry.state, live, __ATOMIC_RELEASE);
            return {};
        }
        return Error::from(ErrorCode::Exhausted, "too many compiled code ranges");
    }

    void remove(uptr begin)
    {
        for (auto& entry : m_entries) {
            if (__atomic_load_n(&entry.state, __ATOMIC_ACQUIRE) == live && entry.begin == begin)
                __atomic_store_n(&entry.state, free, __ATOMIC_RELEASE);
        }
    }

    // The landing of the range holding `pc`; 0 when `pc` is in no compiled code.
    uptr landing_for(uptr pc) const
    {
        for (const auto& entry : m_entries) {
            if (__atomic_load_n(&entry.state, __ATOMIC_ACQUIRE) != live)
                continue;
            if (pc >= entry.begin && pc < entry.end)
                return entry.landing;
        }
        return 0;
    }

private:
    static constexpr u32 free = 0;
    static constexpr u32 filling = 1;
    static constexpr u32 live = 2;
    struct Entry {
        uptr begin { 0 };
        uptr end { 0 };
        uptr landing { 0 };
        u32 state { free };
    };
    Entry m_entries[capacity];
};

} // namespace ath::wasm
