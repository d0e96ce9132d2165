// Privacy (docs/privacy.md, issue 21) in the booted kernel's linear memories
// (kernel/platform/kernel/KernelLinearMemory.*): no remnants — a region's and a linear memory's
// frames hold zeros once freed — and the dirty tracking behind instant reset: the first write to a
// page faults once and is logged, restore_written visits exactly the logged pages and write-protects
// them again, and a region mapping undone over tracked pages logs them.
#include <kernel/arch/Arch.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {

constexpr u64 memory_pages = 8;
constexpr u64 memory_bytes = memory_pages * page_size;

bool frame_is_zero(PhysicalAddress frame)
{
    const u64* words = mm::phys_to_ptr<u64>(frame);
    for (u64 i = 0; i < page_size / sizeof(u64); ++i) {
        if (words[i] != 0)
            return false;
    }
    return true;
}

ErrorOr freed_region_leaves_zeros()
{
    auto& mapper = sys::KernelPageMapper::instance();
    auto pages = TRY(mapper.create_pages(3 * page_size));
    PhysicalAddress first(pages.token);
    for (u64 i = 0; i < pages.size; ++i)
        pages.kernel_view[i] = static_cast<u8>(0xA5 ^ i);
    mapper.destroy_pages(pages);
    // Nothing runs between the free and this check (one CPU, no safepoint): the frames are as
    // destroy_pages left them.
    for (u64 page = 0; page < 3; ++page)
        EXPECT(frame_is_zero(PhysicalAddress(first.get() + page * page_size)));
    return {};
}

ErrorOr freed_linear_memory_leaves_zeros()
{
    auto& memories = sys::KernelLinearMemory::instance();
    u8* base = TRY(memories.resize(nullptr, 0, memory_bytes, memory_bytes));
    PhysicalAddress frames[memory_pages];
    for (u64 page = 0; page < memory_pages; ++page) {
        auto frame = Arch::Mmu::translate(VirtualAddress(reinterpret_cast<u64>(base) + page * page_size));
        if (!frame.has_value()) {
            memories.release(base, memory_bytes, memory_bytes);
            return selftest::failure("page {} of a fresh memory is not mapped", page);
        }
        frames[page] = *frame;
    }
    for (u64 i = 0; i < memory_bytes; ++i)
        base[i] = static_cast<u8>(0x5A + i);
    // A shrink (a reset giving grown pages back) scrubs what it frees, and so does release.
    auto shrunk = memories.resize(base, memory_bytes, memory_bytes / 2, memory_bytes);
    if (shrunk.is_error()) {
        memories.release(base, memory_bytes, memory_bytes);
        return shrunk.release_error();
    }
    for (u64 page = memory_pages / 2; page < memory_pages; ++page)
        EXPECT(frame_is_zero(frames[page]));
    memories.release(base, memory_bytes / 2, memory_bytes);
    for (u64 page = 0; page < memory_pages / 2; ++page)
        EXPECT(frame_is_zero(frames[page]));
    return {};
}

struct Visits {
    u8* base { nullptr };
    u64 pages[memory_pages] {};
    u64 count { 0 };
};

void visit(void* context, u64 page)
{
    auto& visits = *static_cast<Visits*>(context);
    if (visits.count < memory_pages)
        visits.pages[visits.count++] = page;
    __builtin_memset(visits.base + page * page_size, 0, page_size); // the snapshot's zero page
}

ErrorOr track_and_restore(u8* base)
{
    auto& memories = sys::KernelLinearMemory::instance();
    u64 written_bits[1] {};
    u32 logged[memory_pages] {};
    wasm::DirtyPageLog log { written_bits, logged, memory_pages, 0 };
    TRY(memories.track_writes(base, log));
    u64 faults = sys::KernelLinearMemory::tracked_write_faults();
    // Reads take no fault and log nothing.
    u64 sum = 0;
    for (u64 page = 0; page < memory_pages; ++page)
        sum += base[page * page_size];
    EXPECT(sum == 0 && log.count == 0);
    // Writes: one fault per page, however often it is written.
    base[2 * page_size] = 1;
    base[2 * page_size + 100] = 2;
    base[5 * page_size + 7] = 3;
    base[2 * page_size + 4095] = 4;
    EXPECT(sys::KernelLinearMemory::tracked_write_faults() - faults == 2);
    EXPECT(log.count == 2 && log.pages[0] == 2 && log.pages[1] == 5);
    Visits visits { base };
    EXPECT(memories.restore_written(base, &visit, &visits) == 2);
    EXPECT(visits.count == 2 && visits.pages[0] == 2 && visits.pages[1] == 5);
    EXPECT(log.count == 0 && log.written[0] == 0);
    EXPECT(base[2 * page_size] == 0 && base[5 * page_size + 7] == 0);
    // Protected again: the next write faults and is logged again.
    base[5 * page_size] = 9;
    EXPECT(sys::KernelLinearMemory::tracked_write_faults() - faults == 3);
    EXPECT(log.count == 1 && log.pages[0] == 5);
    // A region mapped over tracked pages and unmapped: the zeroed private frames that come back
    // differ from what was there, so they are logged without a fault.
    auto& mapper = sys::KernelPageMapper::instance();
    auto pages = TRY(mapper.create_pages(2 * page_size));
    TRY(mapper.map(pages, 0, base + 6 * page_size, 2 * page_size, true));
    base[6 * page_size] = 7; // the region's frame: writable, no fault
    TRY(mapper.unmap(base + 6 * page_size, 2 * page_size));
    mapper.destroy_pages(pages);
    EXPECT(sys::KernelLinearMemory::tracked_write_faults() - faults == 3);
    EXPECT(log.count == 3 && log.pages[1] == 6 && log.pages[2] == 7);
    Visits second { base };
    EXPECT(memories.restore_written(base, &visit, &second) == 3);
    memories.untrack_writes(base);
    // Untracked: writes fault no more.
    for (u64 page = 0; page < memory_pages; ++page)
        base[page * page_size + 1] = 1;
    EXPECT(sys::KernelLinearMemory::tracked_write_faults() - faults == 3);
    return {};
}

ErrorOr dirty_tracking_logs_each_written_page_once()
{
    auto& memories = sys::KernelLinearMemory::instance();
    u8* base = TRY(memories.resize(nullptr, 0, memory_bytes, memory_bytes));
    auto outcome = track_and_restore(base);
    memories.untrack_writes(base);
    memories.release(base, memory_bytes, memory_bytes);
    return outcome;
}

} // namespace

ATH_SELFTEST(privacy_freed_region_leaves_zeros) { return freed_region_leaves_zeros(); }
ATH_SELFTEST(privacy_freed_linear_memory_leaves_zeros) { return freed_linear_memory_leaves_zeros(); }
ATH_SELFTEST(privacy_dirty_tracking_logs_each_written_page_once) { return dirty_tracking_logs_each_written_page_once(); }

} // namespace ath
