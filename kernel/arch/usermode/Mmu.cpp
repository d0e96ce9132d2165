// Arch::Mmu for a Linux process: the x86_64 page-table format kept in software (the shared
// KernelMmu and walker do all the checking and bookkeeping), and every change mirrored into the
// process's address space. A present leaf becomes mmap(MAP_SHARED | MAP_FIXED) of the RAM memfd at
// the leaf's physical offset with the leaf's permissions; a page that is not present becomes
// PROT_NONE again, so a stray access faults exactly where it would on a machine. Runs of pages with
// contiguous frames and the same permissions take one mmap.
#include <kernel/arch/common/KernelMmu.h>
#include <kernel/arch/usermode/Linux.h>
#include <kernel/arch/usermode/Usermode.h>
#include <kernel/lib/Format.h>

namespace ath::usermode {

using namespace linux_abi;

namespace {

using Pte = PageTableFormat;
using Tables = paging::KernelPageTable<Pte>;

int g_ram_fd = -1;
u64 g_ram_bytes = 0;
u64 g_loader_root = 0;
u64 g_root = 0;
paging::KernelTableMemory g_memory;

long protection_of(u64 entry)
{
    long protection = prot_read;
    if (entry & Pte::writable)
        protection |= prot_write;
    if (!(entry & Pte::no_execute))
        protection |= prot_exec;
    return protection;
}

[[noreturn]] void mirror_failed(u64 address, long error)
{
    println("athanor: usermode: the host refused to map {:#x} (errno {}); vm.max_map_count or memory exhausted?", address, -error);
    Arch::power_off(3);
}

// One run: `count` pages from `base`, present at `physical` with `protection`, or absent.
void apply(u64 base, u64 count, bool present, u64 physical, long protection)
{
    if (count == 0)
        return;
    long result;
    if (present && physical + count * page_size <= g_ram_bytes)
        result = syscall6(sys_mmap, static_cast<long>(base), static_cast<long>(count * page_size), protection,
                          map_shared | map_fixed, g_ram_fd, static_cast<long>(physical));
    else
        result = syscall6(sys_mmap, static_cast<long>(base), static_cast<long>(count * page_size), prot_none,
                          map_private | map_anonymous | map_noreserve | map_fixed, -1, 0);
    if (failed(result))
        mirror_failed(base, result);
}

// Makes the process's view of [base, +page_count) what the tables say.
void mirror(VirtualAddress base, u64 page_count)
{
    Tables tables = MmuPort::tables();
    u64 run_base = base.get();
    u64 run_count = 0;
    bool run_present = false;
    u64 run_physical = 0;
    long run_protection = 0;
    for (u64 i = 0; i < page_count; ++i) {
        u64 page = base.get() + i * page_size;
        auto leaf = tables.lookup(page);
        bool present = leaf.has_value();
        u64 physical = present ? leaf->physical : 0;
        long protection = present ? protection_of(leaf->entry) : prot_none;
        bool continues = run_count > 0 && present == run_present
            && (!present || (physical == run_physical + run_count * page_size && protection == run_protection));
        if (!continues) {
            apply(run_base, run_count, run_present, run_physical, run_protection);
            run_base = page;
            run_count = 0;
            run_present = present;
            run_physical = physical;
            run_protection = protection;
        }
        ++run_count;
    }
    apply(run_base, run_count, run_present, run_physical, run_protection);
}

} // namespace

void set_ram(int fd, u64 bytes)
{
    g_ram_fd = fd;
    g_ram_bytes = bytes;
}

void set_loader_table_root(u64 root) { g_loader_root = root; }

Tables MmuPort::tables() { return Tables(g_memory, g_root ? g_root : g_loader_root); }

u64 MmuPort::table_frames_in_use() { return g_memory.frames_in_use; }

u64 MmuPort::leaf_flags(PageAccess access)
{
    u64 flags = Pte::present;
    if (has_access(access, PageAccess::Write))
        flags |= Pte::writable;
    if (!has_access(access, PageAccess::Execute))
        flags |= Pte::no_execute;
    return flags; // Uncached means nothing to a process (and no device memory exists here)
}

ErrorOr MmuPort::check_range(VirtualAddress base, u64 page_count)
{
    TRY(Pte::check_range(base.get(), page_count, page_size));
    u64 end = base.get() + page_count * page_size; // no overflow: check_range refused a wrap
    if (base.get() < kernel_half_base || end > kernel_half_base + kernel_half_size)
        return Error::from(ErrorCode::InvalidArgument, "the range is outside the kernel's windows");
    return {};
}

bool MmuPort::translatable(u64 address) { return address >= kernel_half_base && address < kernel_half_base + kernel_half_size; }

void MmuPort::published(VirtualAddress base, u64 page_count) { mirror(base, page_count); }

void MmuPort::invalidate_tlb(VirtualAddress base, u64 page_count) { mirror(base, page_count); }

// The loader's tables already hold exactly the direct map (Boot.cpp): adopt them. The kernel
// image is the process image, mapped by Linux with its segments' permissions.
ErrorOr Arch::Mmu::init(const boot::BootInfo& info)
{
    if (info.page_table_root != g_loader_root || g_loader_root == 0)
        return Error::from(ErrorCode::Invalid, "BootInfo names tables the usermode loader did not build");
    g_root = g_loader_root;
    println("athanor: paging: the loader's software tables adopted (direct map of {} MiB, mirrored with mmap)",
            g_ram_bytes >> 20);
    return {};
}

} // namespace ath::usermode
