#include "Paging.h"

#include <kernel/lib/Bits.h>

namespace ath::boot::arch {

namespace {

constexpr u64 valid = 1ULL << 0;
constexpr u64 readable = 1ULL << 1;
constexpr u64 writable = 1ULL << 2;
constexpr u64 executable = 1ULL << 3;
constexpr u64 global = 1ULL << 5;
constexpr u64 accessed = 1ULL << 6;
constexpr u64 dirty = 1ULL << 7;
constexpr u64 leaf_bits = readable | writable | executable;
constexpr u64 size_4k = 4096;
constexpr u64 size_2m = 2ULL * 1024 * 1024;
constexpr u64 size_1g = 1024ULL * 1024 * 1024;

// Level 3 is the root, level 0 holds 4 KiB pages.
constexpr unsigned index_at(u64 virtual_address, int level) { return (virtual_address >> (12 + 9 * level)) & 511; }
constexpr u64 page_size_at(int level) { return 1ULL << (12 + 9 * level); }
constexpr u64 physical_of(u64 entry) { return ((entry >> 10) & ((1ULL << 44) - 1)) << 12; }
constexpr u64 entry_for(u64 physical) { return (physical >> 12) << 10; }

constexpr bool is_canonical(u64 address)
{
    u64 top = address >> 47;
    return top == 0 || top == 0x1FFFF;
}

bool is_leaf(u64 entry) { return (entry & leaf_bits) != 0; }

u64 leaf_entry(u64 physical, u64 virtual_address, PagePermissions permissions, bool use_no_execute)
{
    u64 entry = entry_for(physical) | valid | readable | accessed | dirty;
    if (permissions.writable)
        entry |= writable;
    if (permissions.executable || !use_no_execute)
        entry |= executable;
    if (virtual_address >> 47)
        entry |= global;
    return entry;
}

} // namespace

Result<PageTableBuilder> PageTableBuilder::create(PageAllocator& allocator, bool allow_1g_pages, bool use_no_execute)
{
    u64 root = TRY(allocator.allocate_zeroed_page());
    return PageTableBuilder(allocator, root, allow_1g_pages, use_no_execute);
}

ErrorOr PageTableBuilder::map(u64 virtual_address, u64 physical, u64 size, PagePermissions permissions)
{
    if (virtual_address % size_4k != 0 || physical % size_4k != 0 || size % size_4k != 0)
        return Error::from(ErrorCode::InvalidArgument, "page mapping is not 4 KiB aligned");
    auto last = checked_add<u64>(virtual_address, size - 1);
    if (size == 0 || !last.has_value() || !is_canonical(virtual_address) || !is_canonical(*last)
        || (virtual_address >> 47) != (*last >> 47))
        return Error::from(ErrorCode::InvalidArgument, "page mapping is not inside one canonical half");
    if (!checked_add<u64>(physical, size).has_value() || physical + size > (1ULL << 56))
        return Error::from(ErrorCode::InvalidArgument, "page mapping exceeds the physical address width");

    u64 offset = 0;
    while (offset < size) {
        u64 remaining = size - offset;
        u64 va = virtual_address + offset;
        u64 pa = physical + offset;
        u64 page_size = size_4k;
        if (m_allow_1g_pages && va % size_1g == 0 && pa % size_1g == 0 && remaining >= size_1g)
            page_size = size_1g;
        else if (va % size_2m == 0 && pa % size_2m == 0 && remaining >= size_2m)
            page_size = size_2m;
        TRY(map_one(va, pa, page_size, permissions));
        offset += page_size;
    }
    return {};
}

ErrorOr PageTableBuilder::map_one(u64 virtual_address, u64 physical, u64 page_size, PagePermissions permissions)
{
    int leaf_level = page_size == size_1g ? 2 : page_size == size_2m ? 1 : 0;
    u64 table = m_root;
    for (int level = 3; level > leaf_level; --level) {
        u64& entry = m_allocator->page_at(table)[index_at(virtual_address, level)];
        if (!(entry & valid))
            entry = entry_for(TRY(m_allocator->allocate_zeroed_page())) | valid;
        else if (is_leaf(entry))
            return Error::from(ErrorCode::AlreadyExists, "a larger page already covers this address");
        table = physical_of(entry);
    }
    u64& entry = m_allocator->page_at(table)[index_at(virtual_address, leaf_level)];
    if (entry & valid) {
        bool same_leaf = is_leaf(entry) && physical_of(entry) == physical;
        if (!same_leaf)
            return Error::from(ErrorCode::AlreadyExists, "address is already mapped to another frame");
        if (permissions.writable)
            entry |= writable;
        if (permissions.executable)
            entry |= executable;
        return {};
    }
    entry = leaf_entry(physical, virtual_address, permissions, m_use_no_execute);
    return {};
}

Optional<Translation> PageTableBuilder::translate(u64 virtual_address) const
{
    u64 table = m_root;
    for (int level = 3; level >= 0; --level) {
        u64 entry = m_allocator->page_at(table)[index_at(virtual_address, level)];
        if (!(entry & valid))
            return none;
        if (is_leaf(entry)) {
            u64 size = page_size_at(level);
            u64 frame = physical_of(entry) & ~(size - 1);
            return Translation { frame + (virtual_address & (size - 1)), size,
                                 PagePermissions { (entry & writable) != 0, (entry & executable) != 0 } };
        }
        table = physical_of(entry);
    }
    return none;
}

} // namespace ath::boot::arch
