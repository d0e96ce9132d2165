// Regions in the kernel's linear memories (kernel/platform/kernel/KernelLinearMemory.h, KernelPageMapper):
// two linear memories share a region's frames with no copy, unmapping gives each its private
// zeroed pages back, bad requests change nothing, and every frame comes back.
#include <kernel/arch/Arch.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/selftest/SelfTest.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>

namespace ath {

namespace {

constexpr u64 memory_bytes = 4 * page_size;

// A linear memory of four committed pages for the length of a test.
class TestMemory {
public:
    static Result<TestMemory> create()
    {
        u8* base = TRY(sys::KernelLinearMemory::instance().resize(nullptr, 0, memory_bytes, memory_bytes));
        return TestMemory(base);
    }
    TestMemory(TestMemory&& other) : m_base(exchange(other.m_base, nullptr)) { }
    ~TestMemory()
    {
        // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch): clang-analyzer's false positive: on TRY's early return it runs this destructor for the result that was never made
        if (m_base)
            sys::KernelLinearMemory::instance().release(m_base, memory_bytes, memory_bytes);
    }
    u8* base() const { return m_base; }

private:
    explicit TestMemory(u8* base) : m_base(base) { }
    u8* m_base;
};

ErrorOr share_and_unmap()
{
    auto& mapper = sys::KernelPageMapper::instance();
    auto first = TRY(TestMemory::create());
    auto second = TRY(TestMemory::create());
    u64 committed = sys::KernelLinearMemory::committed_frames();
    auto pages = TRY(mapper.create_pages(2 * page_size));
    EXPECT(sys::KernelPageMapper::region_frames() >= 2);
    for (u64 i = 0; i < memory_bytes; ++i)
        first.base()[i] = 0x11;

    // Bad requests first: nothing may change.
    EXPECT(mapper.map(pages, 0, first.base() + 8, page_size, true).is_error());           // unaligned
    EXPECT(mapper.map(pages, page_size, first.base(), 2 * page_size, true).is_error());   // past the region
    EXPECT(mapper.map(pages, 0, first.base() + 3 * page_size, 2 * page_size, true).is_error()); // past the memory
    // Read-only needs a sink to tell about stores (read_only_store_copies_the_page below).
    auto read_only = mapper.map(pages, 0, first.base(), page_size, false);
    EXPECT(read_only.is_error() && read_only.error().code == ErrorCode::Unsupported);
    EXPECT(first.base()[3 * page_size] == 0x11 && first.base()[0] == 0x11);
    EXPECT(sys::KernelPageMapper::parked_frames() == 0);

    TRY(mapper.map(pages, 0, first.base() + page_size, 2 * page_size, true));
    TRY(mapper.map(pages, 0, second.base(), 2 * page_size, true));
    EXPECT(sys::KernelPageMapper::parked_frames() == 4);
    EXPECT(sys::KernelLinearMemory::committed_frames() == committed);
    // The region starts zeroed; the pages around the mapping keep their private bytes.
    EXPECT(first.base()[page_size] == 0 && first.base()[0] == 0x11 && first.base()[3 * page_size] == 0x11);
    // Zero copy: a store through one memory is seen through the other and the kernel's view.
    first.base()[page_size + 5] = 0xA7;
    second.base()[page_size + 9] = 0x3C;
    EXPECT(second.base()[5] == 0xA7 && first.base()[2 * page_size + 9] == 0x3C);
    EXPECT(pages.kernel_view[5] == 0xA7 && pages.kernel_view[page_size + 9] == 0x3C);

    TRY(mapper.unmap(first.base() + page_size, 2 * page_size));
    // Private zeroed pages came back (the old private bytes are gone: mapping replaces).
    EXPECT(first.base()[page_size + 5] == 0 && first.base()[2 * page_size + 9] == 0);
    EXPECT(second.base()[5] == 0xA7); // the other mapping is untouched
    TRY(mapper.unmap(second.base(), 2 * page_size));
    EXPECT(second.base()[5] == 0);
    EXPECT(sys::KernelPageMapper::parked_frames() == 0);
    EXPECT(sys::KernelLinearMemory::committed_frames() == committed);
    mapper.destroy_pages(pages);
    return {};
}

// Read with sink_calls(): the fault handler changes it behind the compiler's back, mid-store.
u32 g_sink_calls = 0;
void count_sink_call(void* calls) { __atomic_add_fetch(static_cast<u32*>(calls), 1, __ATOMIC_RELAXED); }
u32 sink_calls() { return __atomic_load_n(&g_sink_calls, __ATOMIC_SEQ_CST); }

// A read-only mapping: reads see the region; a store (here the kernel's own, as a store on a
// module's behalf would be) faults, the write-fault hook gives that page a private copy and tells
// the sink; the region never changes; reverting and unmapping put every frame back.
ErrorOr read_only_store_copies_the_page()
{
    auto& mapper = sys::KernelPageMapper::instance();
    auto memory = TRY(TestMemory::create());
    u64 committed = sys::KernelLinearMemory::committed_frames();
    u64 copies = sys::KernelPageMapper::read_only_copies();
    auto pages = TRY(mapper.create_pages(2 * page_size));
    for (u64 i = 0; i < 2 * page_size; ++i)
        pages.kernel_view[i] = static_cast<u8>(i * 3 + 1);
    __atomic_store_n(&g_sink_calls, 0u, __ATOMIC_SEQ_CST);
    object::ReadOnlyWriteSink sink { count_sink_call, &g_sink_calls };
    TRY(mapper.map(pages, 0, memory.base() + page_size, 2 * page_size, false, &sink));
    EXPECT(sys::KernelPageMapper::parked_frames() == 2);
    volatile u8* window = memory.base() + page_size;
    EXPECT(window[7] == 22 && window[page_size + 2] == static_cast<u8>((page_size + 2) * 3 + 1));
    EXPECT(sink_calls() == 0);

    window[page_size + 2] = 0xEE; // faults once: the second page becomes a private copy
    EXPECT(sink_calls() == 1);
    EXPECT(sys::KernelPageMapper::read_only_copies() == copies + 1);
    EXPECT(window[page_size + 2] == 0xEE && window[page_size + 3] == static_cast<u8>((page_size + 3) * 3 + 1));
    EXPECT(pages.kernel_view[page_size + 2] == static_cast<u8>((page_size + 2) * 3 + 1)); // region unchanged
    window[page_size + 4] = 0xEF; // the copy is writable: no second fault
    EXPECT(sink_calls() == 1);
    EXPECT(sys::KernelPageMapper::parked_frames() == 1);

    // After the writer trapped: the region's page comes back, read-only again.
    mapper.revert_read_only_copies(memory.base() + page_size);
    EXPECT(sys::KernelPageMapper::parked_frames() == 2);
    EXPECT(window[page_size + 2] == static_cast<u8>((page_size + 2) * 3 + 1));
    window[5] = 0x99; // first page this time
    EXPECT(sink_calls() == 2 && window[5] == 0x99 && pages.kernel_view[5] == 16);

    TRY(mapper.unmap(memory.base() + page_size, 2 * page_size));
    EXPECT(window[5] == 0 && window[page_size + 2] == 0); // private zeroed pages again
    window[6] = 1;                                      // and writable
    EXPECT(sink_calls() == 2);
    EXPECT(sys::KernelPageMapper::parked_frames() == 0);
    EXPECT(sys::KernelLinearMemory::committed_frames() == committed);
    mapper.destroy_pages(pages);
    return {};
}

// Runs `scenario` and checks that every frame it took came back (the page tables made for its
// reservations stay with the kernel for reuse) and that no region frame is left.
ErrorOr expect_frames_balance(ErrorOr (*scenario)())
{
    u64 free_before = mm::physical_frames().free_count();
    u64 tables_before = Arch::Mmu::page_tables_in_use();
    TRY(scenario());
    u64 new_tables = Arch::Mmu::page_tables_in_use() - tables_before;
    EXPECT(mm::physical_frames().free_count() + new_tables == free_before);
    EXPECT(sys::KernelPageMapper::region_frames() == 0);
    return {};
}

} // namespace

ATH_SELFTEST(region_read_only_store_copies_the_page_and_balances)
{
    return expect_frames_balance(read_only_store_copies_the_page);
}

ATH_SELFTEST(region_mapping_shares_frames_and_balances) { return expect_frames_balance(share_and_unmap); }

} // namespace ath
