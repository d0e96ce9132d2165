#pragma once

// The loader's page-table builder, the same on every arch: the generic walker
// (kernel/arch/common/PageTable.h) over tables from a PageAllocator. Each arch's Paging.h names
// its instance `arch::PageTableBuilder` with a LoaderFormat: the kernel's entry format for that
// arch (kernel/arch/<arch>/PageTableFormat.h) plus how the loader writes permissions:
//   static bool same_half(u64 first, u64 last)  both addresses valid and in one translation half
//   static constexpr u64 physical_limit          physical addresses must stay below this
//   static u64 leaf_attributes(PagePermissions, u64 virtual_address, bool use_no_execute)
//   static PagePermissions permissions_of(u64 attributes)
//
// The contract: map() takes 4 KiB aligned addresses and size, uses the largest leaves the
// alignment allows (1 GiB only when allowed, then 2 MiB, then 4 KiB), fails with AlreadyExists
// when a page is already mapped to a different frame (or covered by a larger leaf), and merges
// the permissions when the same frame is mapped again (write and execute become allowed if
// either mapping allows them), which is how two ELF segments share a page. Table entries are
// permissive; each leaf carries the real permissions.
#include "PageAllocator.h"

#include <kernel/arch/common/PageTable.h>
#include <kernel/lib/Optional.h>

namespace ath::boot {

struct Translation {
    u64 physical;
    u64 page_size;
    PagePermissions permissions;
};

// Tables come from the PageAllocator; the loader's tables are not live while it builds them, so
// no barrier is needed.
struct LoaderTableMemory {
    PageAllocator* allocator;

    Result<u64> allocate_table() const { return allocator->allocate_zeroed_page(); }
    u64* table_at(u64 physical) const { return allocator->page_at(physical); }
    void publish() { }
};

template<typename Format>
class GenericPageTableBuilder {
    using Tables = paging::PageTable<Format, LoaderTableMemory>;

public:
    // Without `use_no_execute` (the CPU lacks it) every page is executable.
    static Result<GenericPageTableBuilder> create(PageAllocator& allocator, bool allow_1g_pages, bool use_no_execute)
    {
        LoaderTableMemory memory { &allocator };
        u64 root = TRY(memory.allocate_table());
        return GenericPageTableBuilder(memory, root, allow_1g_pages, use_no_execute);
    }

    // Maps [virtual_address, +size) to [physical, +size) under the contract above.
    ErrorOr map(u64 virtual_address, u64 physical, u64 size, PagePermissions permissions)
    {
        constexpr u64 small = Tables::page_size;
        if (virtual_address % small != 0 || physical % small != 0 || size % small != 0)
            return Error::from(ErrorCode::InvalidArgument, "page mapping is not 4 KiB aligned");
        auto last = checked_add<u64>(virtual_address, size - 1);
        if (size == 0 || !last.has_value() || !Format::same_half(virtual_address, *last))
            return Error::from(ErrorCode::InvalidArgument, "page mapping is not inside one translation half");
        if (!checked_add<u64>(physical, size).has_value() || physical + size > Format::physical_limit)
            return Error::from(ErrorCode::InvalidArgument, "page mapping exceeds the physical address width");

        return tables().map_range(
            virtual_address, physical, size, m_allow_1g_pages ? 2 : 1, paging::Descend::Create,
            [&](u64& entry, u64 va, u64 pa, int level) -> ErrorOr {
                PagePermissions wanted = permissions;
                if (Format::is_present(entry)) {
                    bool same_leaf = (level == 0 || Format::is_leaf(entry, level)) && Format::address_of(entry) == pa;
                    if (!same_leaf)
                        return Error::from(ErrorCode::AlreadyExists, "address is already mapped to another frame");
                    PagePermissions held = Format::permissions_of(Format::attributes_of(entry, level));
                    wanted = { wanted.writable || held.writable, wanted.executable || held.executable };
                }
                entry = Format::leaf_entry(pa, Format::leaf_attributes(wanted, va, m_use_no_execute), level);
                return {};
            });
    }

    Optional<Translation> translate(u64 virtual_address) const
    {
        auto leaf = tables().lookup(virtual_address);
        if (!leaf.has_value())
            return none;
        return Translation { leaf->physical, leaf->size,
                             Format::permissions_of(Format::attributes_of(leaf->entry, leaf->level)) };
    }

    u64 root() const { return m_root; }

private:
    GenericPageTableBuilder(LoaderTableMemory memory, u64 root, bool allow_1g_pages, bool use_no_execute)
        : m_memory(memory), m_root(root), m_allow_1g_pages(allow_1g_pages), m_use_no_execute(use_no_execute)
    {
    }
    // A view of the tables; built per call so a moved builder never points at its old self.
    Tables tables() const { return Tables(m_memory, m_root); }

    mutable LoaderTableMemory m_memory;
    u64 m_root;
    bool m_allow_1g_pages;
    bool m_use_no_execute;
};

} // namespace ath::boot
