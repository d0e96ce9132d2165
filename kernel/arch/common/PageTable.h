#pragma once

// Generic multi-level page tables: the walk, large-page splitting, lookup and the checked
// map/unmap/protect loops that every arch (kernel Mmu and UEFI loader) used to write out by hand.
// Header-only and freestanding; no arch macros. Each arch describes its entry format once in a
// Format struct (kernel/arch/<arch>/PageTableFormat.h) and keeps its registers and TLB work to
// itself.
//
// Levels are counted from the leaf: level 0 holds the smallest pages (1 << page_shift bytes),
// level `levels - 1` is the root, and each level resolves `index_bits` bits of the address.
//
// A Format is a struct of static members:
//   levels, index_bits, page_shift          the geometry (4, 9, 12 on all three arches)
//   bool is_present(u64 entry)
//   bool is_leaf(u64 entry, int level)       asked for present entries at level > 0 only: a large page
//   u64 address_of(u64 entry)                the table or frame an entry points to (for a large
//                                            leaf the low bits below its size are masked here)
//   u64 table_entry(u64 table_physical)      an entry linking a next-level table
//   u64 leaf_entry(u64 physical, u64 attributes, int level)
//   u64 attributes_of(u64 leaf, int level)   a leaf's non-address bits, in leaf_entry's form
//
// A Memory hands out and reaches tables:
//   Result<u64> allocate_table()             a zeroed table; returns its physical address
//   u64* table_at(u64 physical)              where the code can read and write that table
//   void publish()                           orders a new table's writes before the entry that
//                                            links it (a barrier; may do nothing)
#include <kernel/lib/Bits.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>

namespace ath::paging {

// What a walk does when the path to the wanted entry is missing or blocked by a larger leaf.
enum class Descend {
    Find,            // missing: NotFound; larger leaf in the way: Busy
    Create,          // missing tables are created; larger leaf in the way: AlreadyExists
    CreateSplitting, // missing tables are created; a larger leaf in the way is split down
};

// A present translation found by lookup().
struct Leaf {
    u64 physical; // of the looked-up address, offset included
    u64 size;     // of the leaf that maps it
    int level;
    u64 entry;
};

template<typename Format, typename Memory>
class PageTable {
public:
    static constexpr int levels = Format::levels;
    static constexpr u64 entries_per_table = u64(1) << Format::index_bits;
    static constexpr u64 page_size = u64(1) << Format::page_shift;

    static constexpr u64 size_at(int level) { return u64(1) << (Format::page_shift + Format::index_bits * level); }
    static constexpr u64 index_of(u64 virtual_address, int level)
    {
        return (virtual_address >> (Format::page_shift + Format::index_bits * level)) & (entries_per_table - 1);
    }

    PageTable(Memory& memory, u64 root) : m_memory(&memory), m_root(root) { }

    // A table hierarchy with a fresh, empty root.
    static Result<PageTable> create(Memory& memory)
    {
        u64 root = TRY(memory.allocate_table());
        return PageTable(memory, root);
    }

    u64 root() const { return m_root; }
    Memory& memory() const { return *m_memory; }

    // The entry at `level` for `virtual_address`, walking (and, as `mode` allows, building) the
    // tables above it. The entry itself may be empty.
    Result<u64*> entry_at(u64 virtual_address, int level, Descend mode)
    {
        if (level < 0 || level >= levels)
            return Error::from(ErrorCode::InvalidArgument, "page-table level out of range");
        u64 table = m_root;
        for (int current = levels - 1; current > level; --current) {
            u64& entry = m_memory->table_at(table)[index_of(virtual_address, current)];
            if (!Format::is_present(entry)) {
                if (mode == Descend::Find)
                    return Error::from(ErrorCode::NotFound, "address is not mapped");
                u64 fresh = TRY(m_memory->allocate_table());
                m_memory->publish();
                entry = Format::table_entry(fresh);
            } else if (Format::is_leaf(entry, current)) {
                if (mode == Descend::Find)
                    return Error::from(ErrorCode::Busy, "address is inside a larger page");
                if (mode == Descend::Create)
                    return Error::from(ErrorCode::AlreadyExists, "a larger page already covers this address");
                TRY(split(entry, current));
            }
            table = Format::address_of(entry);
        }
        return &m_memory->table_at(table)[index_of(virtual_address, level)];
    }

    // The present translation of `virtual_address`, whatever the size of the leaf that maps it.
    Optional<Leaf> lookup(u64 virtual_address) const
    {
        u64 table = m_root;
        for (int level = levels - 1; level >= 0; --level) {
            u64 entry = m_memory->table_at(table)[index_of(virtual_address, level)];
            if (!Format::is_present(entry))
                return none;
            if (level == 0 || Format::is_leaf(entry, level)) {
                u64 size = size_at(level);
                u64 frame = Format::address_of(entry) & ~(size - 1);
                return Leaf { frame + (virtual_address & (size - 1)), size, level, entry };
            }
            table = Format::address_of(entry);
        }
        return none;
    }

    // Replaces the large leaf `entry` at `level` by a table of leaves one level down with the same
    // translation and attributes. Nothing changes when no table can be allocated.
    ErrorOr split(u64& entry, int level)
    {
        if (level <= 0 || level >= levels || !Format::is_present(entry) || !Format::is_leaf(entry, level))
            return Error::from(ErrorCode::InvalidArgument, "only a present large leaf can be split");
        u64 table = TRY(m_memory->allocate_table());
        u64 base = Format::address_of(entry) & ~(size_at(level) - 1);
        u64 attributes = Format::attributes_of(entry, level);
        u64* entries = m_memory->table_at(table);
        for (u64 i = 0; i < entries_per_table; ++i)
            entries[i] = Format::leaf_entry(base + i * size_at(level - 1), attributes, level - 1);
        m_memory->publish();
        entry = Format::table_entry(table);
        return {};
    }

    // Calls place(entry, virtual_address, physical, level) for [virtual_address, +size) in the
    // largest leaves (up to `largest_level`) that the alignment of both addresses and the
    // remaining size allow; `entry` is the slot at that level, reached with `mode` (Create: a
    // larger leaf in the way is refused with AlreadyExists; CreateSplitting: it is split).
    // Addresses and size must be page-aligned.
    template<typename Place>
    ErrorOr map_range(u64 virtual_address, u64 physical, u64 size, int largest_level, Descend mode, Place&& place)
    {
        if (largest_level >= levels)
            largest_level = levels - 1;
        u64 offset = 0;
        while (offset < size) {
            u64 va = virtual_address + offset;
            u64 pa = physical + offset;
            int level = largest_level;
            while (level > 0
                   && (va % size_at(level) != 0 || pa % size_at(level) != 0 || size - offset < size_at(level)))
                --level;
            u64* entry = TRY(entry_at(va, level, mode));
            TRY(place(*entry, va, pa, level));
            offset += size_at(level);
        }
        return {};
    }

    // The three checked page loops of a kernel address space. Each checks every page of the
    // request before it changes any entry, so a refused request leaves the tables as they were.
    // The caller validates the range (alignment, count, canonical halves) and flushes the TLB.

    // Maps `page_count` pages as level-0 leaves; AlreadyExists when any of them is mapped. Running
    // out of table memory halfway undoes the entries this call wrote.
    ErrorOr map_pages(u64 virtual_address, u64 physical, u64 page_count, u64 attributes)
    {
        for (u64 i = 0; i < page_count; ++i) {
            if (lookup(virtual_address + i * page_size).has_value())
                return Error::from(ErrorCode::AlreadyExists, "a page in the range is already mapped");
        }
        for (u64 i = 0; i < page_count; ++i) {
            auto entry = entry_at(virtual_address + i * page_size, 0, Descend::CreateSplitting);
            if (entry.is_error()) {
                for (u64 j = 0; j < i; ++j)
                    *entry_at(virtual_address + j * page_size, 0, Descend::Find).value() = 0;
                return entry.release_error();
            }
            *entry.value() = Format::leaf_entry(physical + i * page_size, attributes, 0);
        }
        return {};
    }

    // Removes `page_count` mapped pages (splitting large leaves that hold part of the range);
    // NotFound when any of them is not mapped.
    ErrorOr unmap_pages(u64 virtual_address, u64 page_count)
    {
        TRY(require_mapped(virtual_address, page_count));
        for (u64 i = 0; i < page_count; ++i)
            *TRY(entry_at(virtual_address + i * page_size, 0, Descend::CreateSplitting)) = 0;
        return {};
    }

    // Gives `page_count` mapped pages new attributes, keeping their frames; NotFound when any of
    // them is not mapped.
    ErrorOr protect_pages(u64 virtual_address, u64 page_count, u64 attributes)
    {
        TRY(require_mapped(virtual_address, page_count));
        for (u64 i = 0; i < page_count; ++i) {
            u64* entry = TRY(entry_at(virtual_address + i * page_size, 0, Descend::CreateSplitting));
            *entry = Format::leaf_entry(Format::address_of(*entry), attributes, 0);
        }
        return {};
    }

private:
    ErrorOr require_mapped(u64 virtual_address, u64 page_count) const
    {
        for (u64 i = 0; i < page_count; ++i) {
            if (!lookup(virtual_address + i * page_size).has_value())
                return Error::from(ErrorCode::NotFound, "a page in the range is not mapped");
        }
        return {};
    }

    Memory* m_memory;
    u64 m_root;
};

// Sign-extended virtual addresses (x86_64, RISC-V SvNN): whether `address` is canonical with
// `bits` significant bits, and whether [first, last] lies inside one canonical half.
constexpr bool is_canonical(u64 address, int bits)
{
    u64 top = address >> (bits - 1);
    return top == 0 || top == (~u64(0) >> (bits - 1));
}
constexpr bool in_one_canonical_half(u64 first, u64 last, int bits)
{
    return is_canonical(first, bits) && is_canonical(last, bits) && (first >> (bits - 1)) == (last >> (bits - 1));
}

// The checks every arch makes on a page range before touching tables: page-aligned, a non-zero
// count whose bytes do not wrap. Returns the range's last byte address.
inline Result<u64> check_page_range(u64 base, u64 page_count, u64 page_size)
{
    if (base % page_size != 0)
        return Error::from(ErrorCode::InvalidArgument, "virtual address is not page-aligned");
    auto bytes = checked_mul(page_count, page_size);
    if (page_count == 0 || !bytes.has_value())
        return Error::from(ErrorCode::InvalidArgument, "bad page count");
    auto last = checked_add(base, *bytes - 1);
    if (!last.has_value())
        return Error::from(ErrorCode::InvalidArgument, "bad page count");
    return *last;
}

// The virtual address space of a format whose addresses are sign-extended from bit Bits - 1
// (x86_64 4-level paging, RISC-V Sv48): two canonical halves with a hole between. The format
// inherits it.
template<int Bits>
struct CanonicalHalves {
    static constexpr int virtual_bits = Bits;
    static constexpr bool is_canonical(u64 address) { return paging::is_canonical(address, Bits); }
    static constexpr bool same_half(u64 first, u64 last) { return in_one_canonical_half(first, last, Bits); }

    // A kernel Mmu's range check (MmuPort::check_range): whole pages inside one canonical half.
    static ErrorOr check_range(u64 base, u64 page_count, u64 page_size)
    {
        u64 last = TRY(check_page_range(base, page_count, page_size));
        if (!same_half(base, last))
            return Error::from(ErrorCode::InvalidArgument, "range is not canonical or crosses the canonical hole");
        return {};
    }
};

} // namespace ath::paging
