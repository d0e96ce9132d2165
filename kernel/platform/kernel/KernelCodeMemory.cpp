#include <kernel/arch/Arch.h>
#include <kernel/arch/common/CodeFaultHook.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Placement.h>
#include <kernel/lib/SpinLock.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/mm/VirtualRangeAllocator.h>
#include <kernel/platform/CompiledCodeRanges.h>
#include <kernel/platform/kernel/KernelCodeMemory.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath::sys {

namespace {

constexpr u64 code_guard_size = page_size;

SpinLock g_lock;
alignas(mm::VirtualRangeAllocator) u8 g_window_storage[sizeof(mm::VirtualRangeAllocator)];
mm::VirtualRangeAllocator* g_window = nullptr; // created on first use, under g_lock
wasm::CompiledCodeRanges g_ranges;
u64 g_code_frames = 0;
u64 g_faults = 0;

u64 pages_for(usize bytes) { return align_up<u64>(bytes ? bytes : 1, page_size) / page_size; }

// The fault hook: only an instruction in compiled code, faulting on linear-memory addresses (the
// reservations and their guards), is a module's out-of-bounds access.
u64 landing_for_fault(u64 instruction_address, u64 fault_address)
{
    if (fault_address - mm::linear_memory_window_base >= mm::linear_memory_window_size)
        return 0;
    uptr landing = g_ranges.landing_for(instruction_address);
    if (landing)
        __atomic_add_fetch(&g_faults, 1, __ATOMIC_RELAXED);
    return landing;
}

// Under g_lock: unmaps the first `mapped` pages at `base`, frees their frames and the range.
void unmap_and_free(u64 base, u64 page_count, u64 mapped)
{
    for (u64 page = 0; page < mapped; ++page) {
        VirtualAddress address(base + page * page_size);
        auto frame = Arch::Mmu::translate(address);
        VERIFY(frame.has_value());
        VERIFY(!Arch::Mmu::unmap(address, 1).is_error());
        VERIFY(!mm::physical_frames().free(*frame).is_error());
        --g_code_frames;
    }
    VERIFY(!g_window->free({ VirtualAddress(base), page_count * page_size }, code_guard_size).is_error());
}

} // namespace

Result<u8*> KernelCodeMemory::allocate(usize bytes)
{
    u64 page_count = pages_for(bytes);
    ScopedLock lock(g_lock);
    if (!g_window) {
        auto window = TRY(mm::VirtualRangeAllocator::create({ VirtualAddress(mm::code_window_base), mm::code_window_size }));
        g_window = new (g_window_storage) mm::VirtualRangeAllocator(move(window));
        set_code_fault_hook(&landing_for_fault);
    }
    // Compiled code obeys the same free-frame floor as everything else taken for a module.
    if (!KernelLinearMemory::leaves_reserve(page_count))
        return Error::from(ErrorCode::OutOfMemory, "not enough free memory for compiled code");
    auto range = TRY(g_window->allocate(page_count * page_size, code_guard_size));
    u64 base = range.base.get();
    for (u64 page = 0; page < page_count; ++page) {
        auto frame = mm::allocate_zeroed_frame();
        if (frame.is_error()) {
            unmap_and_free(base, page_count, page);
            return frame.release_error();
        }
        auto mapped = Arch::Mmu::map(VirtualAddress(base + page * page_size), frame.value(), 1, PageAccess::Write);
        if (mapped.is_error()) {
            VERIFY(!mm::physical_frames().free(frame.value()).is_error());
            unmap_and_free(base, page_count, page);
            return mapped.release_error();
        }
        ++g_code_frames;
    }
    return reinterpret_cast<u8*>(base);
}

ErrorOr KernelCodeMemory::make_executable(u8* code, usize bytes, const u8* fault_landing)
{
    u64 base = reinterpret_cast<u64>(code);
    // Read + execute, never write: the pages stop being writable in the same step.
    TRY(Arch::Mmu::protect(VirtualAddress(base), pages_for(bytes), PageAccess::Read | PageAccess::Execute));
    return g_ranges.add(base, base + bytes, reinterpret_cast<uptr>(fault_landing));
}

void KernelCodeMemory::release(u8* code, usize bytes)
{
    u64 base = reinterpret_cast<u64>(code);
    g_ranges.remove(base);
    ScopedLock lock(g_lock);
    u64 page_count = pages_for(bytes);
    unmap_and_free(base, page_count, page_count);
}

KernelCodeMemory& KernelCodeMemory::instance()
{
    static KernelCodeMemory provider;
    return provider;
}

u64 KernelCodeMemory::code_frames()
{
    ScopedLock lock(g_lock);
    return g_code_frames;
}

u64 KernelCodeMemory::faults_mapped() { return __atomic_load_n(&g_faults, __ATOMIC_RELAXED); }

} // namespace ath::sys
