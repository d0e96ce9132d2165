#include "Paging.h"

#include <kernel/lib/Bits.h>

namespace ath::boot::arch {

namespace {

constexpr u64 valid = 1ULL << 0;
constexpr u64 table_or_page = 1ULL << 1; // set: table (levels 0-2) or page (level 3); clear: block
constexpr u64 attribute_normal = 0ULL << 2;
constexpr u64 read_only = 1ULL << 7; // AP[2]
constexpr u64 inner_shareable = 3ULL << 8;
constexpr u64 access_flag = 1ULL << 10;
constexpr u64 privileged_no_execute = 1ULL << 53;
constexpr u64 unprivileged_no_execute = 1ULL << 54;
constexpr u64 address_mask = 0x0000FFFFFFFFF000ULL;
constexpr u64 size_4k = 4096;
constexpr u64 size_2m = 2ULL * 1024 * 1024;
constexpr u64 size_1g = 1024ULL * 1024 * 1024;
constexpr u64 upper_half = 0xFFFF000000000000ULL;

// Level 0 is the root, level 3 holds 4 KiB pages.
constexpr unsigned index_at(u64 virtual_address, int level) { return (virtual_address >> (39 - 9 * level)) & 511; }
constexpr u64 page_size_at(int level) { return 1ULL << (39 - 9 * level); }

constexpr bool in_one_half(u64 address) { return address < (1ULL << 48) || address >= upper_half; }

bool is_leaf(u64 entry, int level) { return level == 3 || !(entry & table_or_page); }

u64 leaf_entry(u64 physical, PagePermissions permissions, int level, bool use_no_execute)
{
    u64 entry = (physical & address_mask) | valid | attribute_normal | inner_shareable | access_flag
        | unprivileged_no_execute;
    if (level == 3)
        entry |= table_or_page;
    if (!permissions.writable)
        entry |= read_only;
    if (!permissions.executable && use_no_execute)
        entry |= privileged_no_execute;
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
    if (size == 0 || !last.has_value() || !in_one_half(virtual_address) || !in_one_half(*last)
        || (virtual_address >= upper_half) != (*last >= upper_half))
        return Error::from(ErrorCode::InvalidArgument, "page mapping is not inside one translation half");
    if (!checked_add<u64>(physical, size).has_value() || physical + size > (1ULL << 48))
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
    int leaf_level = page_size == size_1g ? 1 : page_size == size_2m ? 2 : 3;
    u64 table = m_root;
    for (int level = 0; level < leaf_level; ++level) {
        u64& entry = m_allocator->page_at(table)[index_at(virtual_address, level)];
        if (!(entry & valid))
            entry = TRY(m_allocator->allocate_zeroed_page()) | valid | table_or_page;
        else if (is_leaf(entry, level))
            return Error::from(ErrorCode::AlreadyExists, "a larger block already covers this address");
        table = entry & address_mask;
    }
    u64& entry = m_allocator->page_at(table)[index_at(virtual_address, leaf_level)];
    if (entry & valid) {
        bool same_leaf = is_leaf(entry, leaf_level) && (entry & address_mask) == physical;
        if (!same_leaf)
            return Error::from(ErrorCode::AlreadyExists, "address is already mapped to another frame");
        if (permissions.writable)
            entry &= ~read_only;
        if (permissions.executable)
            entry &= ~privileged_no_execute;
        return {};
    }
    entry = leaf_entry(physical, permissions, leaf_level, m_use_no_execute);
    return {};
}

Optional<Translation> PageTableBuilder::translate(u64 virtual_address) const
{
    u64 table = m_root;
    for (int level = 0; level <= 3; ++level) {
        u64 entry = m_allocator->page_at(table)[index_at(virtual_address, level)];
        if (!(entry & valid))
            return none;
        if (is_leaf(entry, level)) {
            u64 size = page_size_at(level);
            u64 frame = entry & address_mask & ~(size - 1);
            return Translation { frame + (virtual_address & (size - 1)), size,
                                 PagePermissions { (entry & read_only) == 0, (entry & privileged_no_execute) == 0 } };
        }
        table = entry & address_mask;
    }
    return none;
}

} // namespace ath::boot::arch
