// Paging through the arch MMU interface: map/unmap/protect, NX and write protection enforced,
// bad requests rejected without changes. Uses the scratch window of the kernel address space.
#include <kernel/arch/Arch.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/mm/PhysicalMemory.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {

constexpr VirtualAddress scratch(u64 page) { return VirtualAddress(mm::scratch_window_base + page * page_size); }

void read_u64(void* address) { (void)*static_cast<volatile u64*>(address); }
void write_u64(void* address) { *static_cast<volatile u64*>(address) = 0x5A5A5A5A5A5A5A5AULL; }
void call_code(void* address) { reinterpret_cast<void (*)()>(address)(); }

// One fresh frame mapped at `where` for the length of a test; unmapped and freed however the test
// ends, so a failing test does not leave a mapping behind that makes the next one fail too.
class ScratchPage {
public:
    static Result<ScratchPage> create(VirtualAddress where, PageAccess access)
    {
        auto frame = TRY(mm::allocate_zeroed_frame());
        auto mapped = Arch::Mmu::map(where, frame, 1, access);
        if (mapped.is_error()) {
            (void)mm::physical_frames().free(frame);
            return mapped.release_error();
        }
        return ScratchPage(where, frame);
    }
    ScratchPage(ScratchPage&& other) : m_where(other.m_where), m_frame(other.m_frame) { other.m_frame = {}; }
    ~ScratchPage() { (void)release(); }

    PhysicalAddress frame() const { return m_frame; }
    // Unmaps and frees now (the destructor then has nothing left to do).
    ErrorOr release()
    {
        if (m_frame.is_null())
            return {};
        PhysicalAddress frame = m_frame;
        m_frame = {};
        if (Arch::Mmu::translate(m_where).has_value())
            TRY(Arch::Mmu::unmap(m_where, 1));
        return mm::physical_frames().free(frame);
    }

private:
    ScratchPage(VirtualAddress where, PhysicalAddress frame) : m_where(where), m_frame(frame) { }
    VirtualAddress m_where;
    PhysicalAddress m_frame;
};

} // namespace

ATH_SELFTEST(paging_map_translate_unmap)
{
    auto where = scratch(1);
    auto page = TRY(ScratchPage::create(where, PageAccess::Write));
    auto frame = page.frame();
    EXPECT(Arch::Mmu::translate(where) == frame);
    EXPECT(Arch::Mmu::translate(where.offset(123)) == PhysicalAddress(frame.get() + 123));
    // The same bytes through the new mapping and through the direct map.
    *where.as_ptr<volatile u64>() = 0xFEEDFACECAFEBEEFULL;
    EXPECT(*mm::phys_to_ptr<volatile u64>(frame) == 0xFEEDFACECAFEBEEFULL);
    TRY(page.release());
    EXPECT(!Arch::Mmu::translate(where).has_value());
    auto fault = Arch::run_catching_faults(read_u64, where.as_ptr<void>());
    EXPECT(fault.has_value() && fault->kind == FaultKind::PageFault);
    EXPECT(fault->fault_address == where.get() && !fault->was_present && !fault->was_write);
    return {};
}

ATH_SELFTEST(paging_write_to_read_only_faults)
{
    auto where = scratch(2);
    auto page = TRY(ScratchPage::create(where, PageAccess::Write));
    EXPECT(!Arch::run_catching_faults(write_u64, where.as_ptr<void>()).has_value());
    TRY(Arch::Mmu::protect(where, 1, PageAccess::Read));
    EXPECT(!Arch::run_catching_faults(read_u64, where.as_ptr<void>()).has_value());
    auto fault = Arch::run_catching_faults(write_u64, where.as_ptr<void>());
    EXPECT(fault.has_value() && fault->kind == FaultKind::PageFault);
    EXPECT(fault->fault_address == where.get() && fault->was_write && fault->was_present);
    EXPECT(*where.as_ptr<volatile u64>() == 0x5A5A5A5A5A5A5A5AULL); // the refused write changed nothing
    return page.release();
}

ATH_SELFTEST(paging_no_execute_enforced)
{
    auto where = scratch(3);
    auto page = TRY(ScratchPage::create(where, PageAccess::Write | PageAccess::Execute));
    // A function that only returns, in the arch's encoding.
    auto* code = where.as_ptr<u8>();
    Arch::return_instruction().copy_to(Bytes(code, 16));
    EXPECT(!Arch::run_catching_faults(call_code, code).has_value());
    TRY(Arch::Mmu::protect(where, 1, PageAccess::Write));
    auto fault = Arch::run_catching_faults(call_code, code);
    EXPECT(fault.has_value() && fault->kind == FaultKind::PageFault);
    EXPECT(fault->was_execute && fault->fault_address == where.get());
    return page.release();
}

ATH_SELFTEST(paging_rejects_bad_requests_without_change)
{
    auto where = scratch(4);
    auto page = TRY(ScratchPage::create(where, PageAccess::Write));
    auto frame = page.frame();
    *where.as_ptr<volatile u64>() = 42;
    auto other_page = TRY(ScratchPage::create(scratch(6), PageAccess::Read));
    auto other = other_page.frame();
    // Mapping over an existing page, unaligned addresses, a zero count, non-canonical ranges.
    auto remap = Arch::Mmu::map(where, other, 1, PageAccess::Write);
    EXPECT(remap.is_error() && remap.error().code == ErrorCode::AlreadyExists);
    EXPECT(Arch::Mmu::translate(where) == frame);
    EXPECT(Arch::Mmu::map(scratch(5).offset(8), other, 1, PageAccess::Write).is_error());
    EXPECT(Arch::Mmu::map(scratch(5), PhysicalAddress(other.get() + 8), 1, PageAccess::Write).is_error());
    EXPECT(Arch::Mmu::map(scratch(5), other, 0, PageAccess::Write).is_error());
    EXPECT(Arch::Mmu::map(VirtualAddress(0x0000900000000000ULL), other, 1, PageAccess::Write).is_error());
    // A range whose second page is mapped: refused as a whole, first page stays unmapped.
    EXPECT(Arch::Mmu::map(scratch(3), other, 2, PageAccess::Write).is_error());
    EXPECT(!Arch::Mmu::translate(scratch(3)).has_value());
    // Unmapping or protecting a range with a hole: refused, the mapped page untouched.
    EXPECT(Arch::Mmu::unmap(where, 2).is_error());
    EXPECT(Arch::Mmu::protect(where, 2, PageAccess::Read).is_error());
    EXPECT(Arch::Mmu::translate(where) == frame);
    *where.as_ptr<volatile u64>() = 43; // still writable
    return page.release();
}

namespace {
VirtualAddress g_shootdown_base;
u64 g_shootdown_pages = 0;
usize g_shootdown_calls = 0;
} // namespace

ATH_SELFTEST(paging_changes_call_the_tlb_shootdown_hook)
{
    g_shootdown_calls = 0;
    Arch::Mmu::set_tlb_shootdown_hook([](VirtualAddress base, u64 pages) {
        g_shootdown_base = base;
        g_shootdown_pages = pages;
        ++g_shootdown_calls;
    });
    auto where = scratch(7);
    auto page = ScratchPage::create(where, PageAccess::Write);
    ErrorOr verdict;
    if (page.is_error()) {
        verdict = page.release_error();
    } else {
        (void)Arch::Mmu::protect(where, 1, PageAccess::Read);
        if (g_shootdown_calls != 1 || g_shootdown_base != where || g_shootdown_pages != 1)
            verdict = selftest::failure("protect: {} hook calls for {:#x}+{}", g_shootdown_calls, g_shootdown_base,
                                        g_shootdown_pages);
        (void)page.value().release();
        if (!verdict.is_error() && g_shootdown_calls != 2)
            verdict = selftest::failure("unmap did not call the hook ({} calls)", g_shootdown_calls);
    }
    Arch::Mmu::set_tlb_shootdown_hook(nullptr);
    return verdict;
}

ATH_SELFTEST(paging_protect_inside_a_large_direct_map_page)
{
    // The direct map uses large pages where it can; changing one 4 KiB page inside one must split
    // it without disturbing the translation or permissions of its neighbours.
    auto run = TRY(mm::physical_frames().allocate_contiguous(3));
    ErrorOr verdict;
    auto middle = mm::phys_to_virt(PhysicalAddress(run.get() + page_size));
    auto before = mm::phys_to_virt(run);
    auto after = mm::phys_to_virt(PhysicalAddress(run.get() + 2 * page_size));
    u64 tables_before = Arch::Mmu::page_tables_in_use();
    auto protected_ = Arch::Mmu::protect(middle, 1, PageAccess::Read);
    if (protected_.is_error()) {
        verdict = protected_.release_error();
    } else {
        auto fault = Arch::run_catching_faults(write_u64, middle.as_ptr<void>());
        if (!fault.has_value() || !fault->was_write)
            verdict = selftest::failure("write to the read-only page did not fault");
        else if (Arch::run_catching_faults(write_u64, before.as_ptr<void>()).has_value()
                 || Arch::run_catching_faults(write_u64, after.as_ptr<void>()).has_value())
            verdict = selftest::failure("a neighbour of the protected page lost write access");
        else if (Arch::Mmu::translate(before) != run || Arch::Mmu::translate(middle) != PhysicalAddress(run.get() + page_size)
                 || Arch::Mmu::translate(after) != PhysicalAddress(run.get() + 2 * page_size))
            verdict = selftest::failure("translations changed around the protected page");
        println("  page tables: {} before, {} after the protect", tables_before, Arch::Mmu::page_tables_in_use());
        TRY(Arch::Mmu::protect(middle, 1, PageAccess::Write));
        if (!verdict.is_error() && Arch::run_catching_faults(write_u64, middle.as_ptr<void>()).has_value())
            verdict = selftest::failure("write access did not come back");
    }
    TRY(mm::physical_frames().free_contiguous(run, 3));
    return verdict;
}

ATH_SELFTEST(paging_kernel_image_permissions)
{
    // Kernel code is not writable and kernel data is not executable.
    auto* code = reinterpret_cast<void*>(&Arch::cycle_counter);
    auto fault = Arch::run_catching_faults(write_u64, code);
    EXPECT(fault.has_value() && fault->kind == FaultKind::PageFault && fault->was_write);
    static u8 data_page[16];
    Arch::return_instruction().copy_to(Bytes(data_page, sizeof(data_page)));
    fault = Arch::run_catching_faults(call_code, data_page);
    EXPECT(fault.has_value() && fault->kind == FaultKind::PageFault && fault->was_execute);
    // The null page is unmapped in the kernel's tables.
    fault = Arch::run_catching_faults(read_u64, nullptr);
    EXPECT(fault.has_value() && fault->kind == FaultKind::PageFault && fault->fault_address == 0);
    return {};
}

} // namespace ath
