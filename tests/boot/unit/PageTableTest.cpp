// The generic page-table walker (kernel/arch/common/PageTable.h) with each arch's real entry
// format (kernel/arch/<arch>/PageTableFormat.h) over a fake physical memory: map, unmap, protect,
// large leaves, splitting, lookups, and the refusals that must leave the tables unchanged.
#include <array>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

#include <kernel/arch/aarch64/PageTableFormat.h>
#include <kernel/arch/common/PageTable.h>
#include <kernel/arch/riscv64/PageTableFormat.h>
#include <kernel/arch/x86_64/PageTableFormat.h>

#include "PerArchTypes.h"

using namespace ath;
using namespace ath::paging;

namespace {

// Tables live in host memory but have made-up "physical" addresses far from their host ones, so
// a walker that confused the two would read the wrong place.
class FakeMemory {
public:
    static constexpr u64 first_frame = 0x7654000000ULL;

    Result<u64> allocate_table()
    {
        if (m_tables.size() == m_limit)
            return Error::from(ErrorCode::OutOfMemory, "fake memory is full");
        m_tables.push_back(std::make_unique<std::array<u64, 512>>());
        m_tables.back()->fill(0);
        return first_frame + (m_tables.size() - 1) * 4096;
    }
    u64* table_at(u64 physical)
    {
        EXPECT_EQ(physical % 4096, 0u);
        u64 index = (physical - first_frame) / 4096;
        EXPECT_LT(index, m_tables.size()) << "walked to a physical address that is no table";
        return m_tables.at(index)->data();
    }
    void publish() { ++publishes; }

    usize tables() const { return m_tables.size(); }
    void set_limit(usize limit) { m_limit = limit; }
    // Every entry of every table, to show that a refused request changed nothing.
    std::vector<u64> snapshot() const
    {
        std::vector<u64> all;
        for (auto& table : m_tables)
            all.insert(all.end(), table->begin(), table->end());
        return all;
    }

    usize publishes = 0;

private:
    std::vector<std::unique_ptr<std::array<u64, 512>>> m_tables;
    usize m_limit { ~usize(0) };
};

// Per format: a read-only and a writable set of leaf attributes in the arch's own bits.
template<typename F>
struct Attributes;
template<>
struct Attributes<x86_64::PageTableFormat> {
    using F = x86_64::PageTableFormat;
    static constexpr u64 read_only = F::present | F::global | F::no_execute;
    static constexpr u64 writable = F::present | F::global | F::writable | F::no_execute;
};
template<>
struct Attributes<aarch64::PageTableFormat> {
    using F = aarch64::PageTableFormat;
    static constexpr u64 common = F::valid | F::access_flag | F::inner_shareable | F::unprivileged_no_execute
        | F::privileged_no_execute;
    static constexpr u64 read_only = common | F::read_only;
    static constexpr u64 writable = common;
};
template<>
struct Attributes<riscv64::PageTableFormat> {
    using F = riscv64::PageTableFormat;
    static constexpr u64 read_only = F::valid | F::readable | F::accessed | F::dirty | F::global;
    static constexpr u64 writable = read_only | F::writable;
};

template<typename F>
class GenericPageTable : public ::testing::Test {
protected:
    using Tables = PageTable<F, FakeMemory>;
    static constexpr u64 ro = Attributes<F>::read_only;
    static constexpr u64 rw = Attributes<F>::writable;
    static constexpr u64 base = 0xFFFF800040000000ULL; // 1 GiB aligned, upper half
    static constexpr u64 two_mib = 2ULL << 20;

    Tables make() { return Tables::create(memory).release_value(); }

    // Maps [virtual_address, +size) with leaves up to `largest_level`, refusing nothing.
    ErrorOr map_large(Tables& tables, u64 virtual_address, u64 physical, u64 size, int largest_level, u64 attributes)
    {
        return tables.map_range(virtual_address, physical, size, largest_level, Descend::Create,
                                [&](u64& entry, u64, u64 frame, int level) -> ErrorOr {
                                    if (F::is_present(entry))
                                        return Error::from(ErrorCode::AlreadyExists, "test: slot taken");
                                    entry = F::leaf_entry(frame, attributes, level);
                                    return {};
                                });
    }
    u64 attributes_at(Tables& tables, u64 virtual_address)
    {
        auto leaf = tables.lookup(virtual_address);
        EXPECT_TRUE(leaf.has_value());
        return leaf.has_value() ? F::attributes_of(leaf->entry, leaf->level) : 0;
    }

    FakeMemory memory;
};

using Formats = ath::testing::PerArchTypes<x86_64::PageTableFormat, aarch64::PageTableFormat, riscv64::PageTableFormat>;
TYPED_TEST_SUITE(GenericPageTable, Formats::Types, Formats);

} // namespace

TYPED_TEST(GenericPageTable, FormatRoundTripsLeavesAndTables)
{
    using F = TypeParam;
    for (int level = 0; level < 3; ++level) {
        u64 frame = 0x123ULL << (12 + 9 * level);
        for (u64 attributes : { this->ro, this->rw }) {
            u64 leaf = F::leaf_entry(frame, attributes, level);
            EXPECT_TRUE(F::is_present(leaf));
            if (level > 0)
                EXPECT_TRUE(F::is_leaf(leaf, level));
            EXPECT_EQ(F::address_of(leaf), frame);
            EXPECT_EQ(F::attributes_of(leaf, level), attributes);
        }
    }
    u64 table = F::table_entry(0x5555000);
    EXPECT_TRUE(F::is_present(table));
    EXPECT_FALSE(F::is_leaf(table, 1));
    EXPECT_FALSE(F::is_leaf(table, 2));
    EXPECT_EQ(F::address_of(table), 0x5555000u);
    EXPECT_FALSE(F::is_present(0));
}

TYPED_TEST(GenericPageTable, MapsLooksUpAndUnmapsPages)
{
    auto tables = this->make();
    ASSERT_FALSE(tables.map_pages(this->base + 0x3000, 0x80000000, 3, this->rw).is_error());
    EXPECT_EQ(this->memory.tables(), 4u); // root and one table per level below it
    for (u64 i = 0; i < 3; ++i) {
        auto leaf = tables.lookup(this->base + 0x3000 + i * 4096 + 0x10);
        ASSERT_TRUE(leaf.has_value());
        EXPECT_EQ(leaf->physical, 0x80000000 + i * 4096 + 0x10);
        EXPECT_EQ(leaf->size, 4096u);
        EXPECT_EQ(leaf->level, 0);
        EXPECT_EQ(this->attributes_at(tables, this->base + 0x3000 + i * 4096), this->rw);
    }
    EXPECT_FALSE(tables.lookup(this->base + 0x2000).has_value());
    EXPECT_FALSE(tables.lookup(this->base + 0x6000).has_value());

    ASSERT_FALSE(tables.unmap_pages(this->base + 0x4000, 2).is_error());
    EXPECT_TRUE(tables.lookup(this->base + 0x3000).has_value());
    EXPECT_FALSE(tables.lookup(this->base + 0x4000).has_value());
    EXPECT_FALSE(tables.lookup(this->base + 0x5000).has_value());
    EXPECT_EQ(this->memory.tables(), 4u); // unmapping frees no tables and needs none
}

TYPED_TEST(GenericPageTable, RefusedRequestsChangeNothing)
{
    auto tables = this->make();
    ASSERT_FALSE(tables.map_pages(this->base + 0x2000, 0x1000, 1, this->ro).is_error());
    auto before = this->memory.snapshot();

    // The second page of the request is taken: nothing of it is mapped.
    auto overlap = tables.map_pages(this->base + 0x1000, 0x9000, 3, this->rw);
    ASSERT_TRUE(overlap.is_error());
    EXPECT_EQ(overlap.error().code, ErrorCode::AlreadyExists);
    // The first page is not mapped: nothing is unmapped or reprotected.
    auto unmap = tables.unmap_pages(this->base + 0x1000, 2);
    ASSERT_TRUE(unmap.is_error());
    EXPECT_EQ(unmap.error().code, ErrorCode::NotFound);
    auto protect = tables.protect_pages(this->base + 0x2000, 2, this->rw);
    ASSERT_TRUE(protect.is_error());
    EXPECT_EQ(protect.error().code, ErrorCode::NotFound);

    EXPECT_EQ(this->memory.snapshot(), before);
    EXPECT_EQ(this->attributes_at(tables, this->base + 0x2000), this->ro);
}

TYPED_TEST(GenericPageTable, RunningOutOfTablesHalfwayUndoesTheMap)
{
    auto tables = this->make();
    ASSERT_FALSE(tables.map_pages(this->base, 0x1000, 1, this->ro).is_error());
    usize used = this->memory.tables();
    // The range crosses into the next 2 MiB, whose level-0 table cannot be allocated.
    this->memory.set_limit(used);
    u64 start = this->base + this->two_mib - 2 * 4096;
    auto result = tables.map_pages(start, 0x100000, 4, this->rw);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfMemory);
    for (u64 i = 0; i < 4; ++i)
        EXPECT_FALSE(tables.lookup(start + i * 4096).has_value()) << i;
    EXPECT_TRUE(tables.lookup(this->base).has_value());
    EXPECT_EQ(this->memory.tables(), used);

    // A fresh root that cannot be allocated is an error too.
    FakeMemory empty;
    empty.set_limit(0);
    auto refused = PageTable<TypeParam, FakeMemory>::create(empty);
    ASSERT_TRUE(refused.is_error());
    EXPECT_EQ(refused.error().code, ErrorCode::OutOfMemory);
}

TYPED_TEST(GenericPageTable, MapRangeUsesTheLargestAlignedLeaves)
{
    auto tables = this->make();
    // 4 KiB, then two 2 MiB leaves, then 4 KiB again.
    u64 start = this->base + this->two_mib - 4096;
    ASSERT_FALSE(this->map_large(tables, start, 0x40000000 - 4096, 2 * this->two_mib + 2 * 4096, 1, this->rw)
                     .is_error());
    EXPECT_EQ(tables.lookup(start)->size, 4096u);
    EXPECT_EQ(tables.lookup(start + 4096)->size, this->two_mib);
    EXPECT_EQ(tables.lookup(start + 4096)->level, 1);
    EXPECT_EQ(tables.lookup(start + 4096 + this->two_mib + 0x1234)->physical,
              0x40000000 + this->two_mib + 0x1234);
    EXPECT_EQ(tables.lookup(start + 4096 + 2 * this->two_mib)->size, 4096u);
    EXPECT_FALSE(tables.lookup(start + 4096 + 2 * this->two_mib + 4096).has_value());

    // Physical misalignment forces small pages even where the virtual address is aligned.
    auto small = this->make();
    ASSERT_FALSE(this->map_large(small, this->base, 0x40001000, this->two_mib, 1, this->ro).is_error());
    EXPECT_EQ(small.lookup(this->base)->size, 4096u);

    // 1 GiB leaves where allowed; one table above them.
    FakeMemory huge_memory;
    auto huge = PageTable<TypeParam, FakeMemory>::create(huge_memory).release_value();
    ASSERT_FALSE(this->map_large(huge, this->base, 0, 2ULL << 30, 2, this->rw).is_error());
    EXPECT_EQ(huge_memory.tables(), 2u);
    EXPECT_EQ(huge.lookup(this->base + (1ULL << 30) + 0x5678)->physical, (1ULL << 30) + 0x5678);
    EXPECT_EQ(huge.lookup(this->base)->size, 1ULL << 30);

    // A small request inside an existing large leaf is refused with Create.
    auto before = this->memory.snapshot();
    auto inside = this->map_large(tables, start + 4096 + 0x3000, 0x3000, 4096, 1, this->rw);
    ASSERT_TRUE(inside.is_error());
    EXPECT_EQ(inside.error().code, ErrorCode::AlreadyExists);
    EXPECT_EQ(this->memory.snapshot(), before);
}

TYPED_TEST(GenericPageTable, ProtectAndUnmapSplitALargeLeaf)
{
    auto tables = this->make();
    ASSERT_FALSE(this->map_large(tables, this->base, 0x40000000, this->two_mib, 1, this->rw).is_error());
    usize used = this->memory.tables();
    usize publishes = this->memory.publishes;

    ASSERT_FALSE(tables.protect_pages(this->base + 0x5000, 1, this->ro).is_error());
    EXPECT_EQ(this->memory.tables(), used + 1);
    EXPECT_GT(this->memory.publishes, publishes); // the new table is published before it is linked
    for (u64 page : { u64(0), u64(0x4000), u64(0x5000), u64(0x6000), this->two_mib - 4096 }) {
        auto leaf = tables.lookup(this->base + page + 0x18);
        ASSERT_TRUE(leaf.has_value()) << page;
        EXPECT_EQ(leaf->size, 4096u);
        EXPECT_EQ(leaf->physical, 0x40000000 + page + 0x18);
        EXPECT_EQ(this->attributes_at(tables, this->base + page), page == 0x5000 ? this->ro : this->rw) << page;
    }

    ASSERT_FALSE(tables.unmap_pages(this->base + 0x6000, 1).is_error());
    EXPECT_FALSE(tables.lookup(this->base + 0x6000).has_value());
    EXPECT_TRUE(tables.lookup(this->base + 0x7000).has_value());
    EXPECT_EQ(this->memory.tables(), used + 1); // already split

    // Unmapping a page inside a 1 GiB leaf splits twice (1 GiB -> 2 MiB -> 4 KiB).
    FakeMemory huge_memory;
    auto huge = PageTable<TypeParam, FakeMemory>::create(huge_memory).release_value();
    ASSERT_FALSE(this->map_large(huge, this->base, 0, 1ULL << 30, 2, this->rw).is_error());
    ASSERT_FALSE(huge.unmap_pages(this->base + 0x20000000, 1).is_error());
    EXPECT_EQ(huge_memory.tables(), 4u);
    EXPECT_FALSE(huge.lookup(this->base + 0x20000000).has_value());
    EXPECT_EQ(huge.lookup(this->base + 0x20001000)->size, 4096u);
    EXPECT_EQ(huge.lookup(this->base + 0x20001000)->physical, 0x20001000u);
    EXPECT_EQ(huge.lookup(this->base + 0x30000000)->size, this->two_mib);
    EXPECT_EQ(huge.lookup(this->base + 0x30000000)->physical, 0x30000000u);
}

TYPED_TEST(GenericPageTable, ASplitWithoutMemoryKeepsTheLeaf)
{
    auto tables = this->make();
    ASSERT_FALSE(this->map_large(tables, this->base, 0x40000000, this->two_mib, 1, this->rw).is_error());
    this->memory.set_limit(this->memory.tables());
    auto before = this->memory.snapshot();
    auto result = tables.protect_pages(this->base + 0x5000, 1, this->ro);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfMemory);
    EXPECT_EQ(this->memory.snapshot(), before);
    EXPECT_EQ(tables.lookup(this->base + 0x5000)->size, this->two_mib);
}

TYPED_TEST(GenericPageTable, WalkModesAndBadLevels)
{
    auto tables = this->make();
    auto missing = tables.entry_at(this->base, 0, Descend::Find);
    ASSERT_TRUE(missing.is_error());
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
    EXPECT_EQ(this->memory.tables(), 1u); // Find builds nothing

    ASSERT_FALSE(this->map_large(tables, this->base, 0x40000000, this->two_mib, 1, this->rw).is_error());
    auto busy = tables.entry_at(this->base + 0x1000, 0, Descend::Find);
    ASSERT_TRUE(busy.is_error());
    EXPECT_EQ(busy.error().code, ErrorCode::Busy);
    auto found = tables.entry_at(this->base + 0x1000, 1, Descend::Find);
    ASSERT_FALSE(found.is_error());
    EXPECT_TRUE(TypeParam::is_leaf(*found.value(), 1));

    EXPECT_TRUE(tables.entry_at(this->base, -1, Descend::Create).is_error());
    EXPECT_TRUE(tables.entry_at(this->base, 4, Descend::Create).is_error());
    u64 not_large = TypeParam::table_entry(0x1000);
    EXPECT_TRUE(tables.split(not_large, 1).is_error());
    u64 empty = 0;
    EXPECT_TRUE(tables.split(empty, 1).is_error());
    u64 page = TypeParam::leaf_entry(0x1000, this->rw, 0);
    EXPECT_TRUE(tables.split(page, 0).is_error());
}

TEST(GenericPageRange, ChecksAlignmentCountAndWrap)
{
    EXPECT_EQ(check_page_range(0x1000, 2, 4096).value(), 0x2FFFu);
    EXPECT_EQ(check_page_range(0x1001, 1, 4096).error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(check_page_range(0x1000, 0, 4096).is_error());
    EXPECT_TRUE(check_page_range(0xFFFFFFFFFFFFF000ULL, 2, 4096).is_error());
    EXPECT_TRUE(check_page_range(0x1000, ~0ULL / 2, 4096).is_error());
    EXPECT_EQ(check_page_range(0xFFFFFFFFFFFFF000ULL, 1, 4096).value(), ~0ULL);
}

TEST(GenericPageRange, CanonicalHalves)
{
    EXPECT_TRUE(is_canonical(0x00007FFFFFFFFFFFULL, 48));
    EXPECT_FALSE(is_canonical(0x0000800000000000ULL, 48));
    EXPECT_FALSE(is_canonical(0xFFFF7FFFFFFFFFFFULL, 48));
    EXPECT_TRUE(is_canonical(0xFFFF800000000000ULL, 48));
    EXPECT_TRUE(is_canonical(0x0000FFFFFFFFFFFFULL, 57 - 8)); // 49 bits: bit 48 is the sign
    EXPECT_FALSE(is_canonical(0x0001000000000000ULL, 49));
    EXPECT_TRUE(in_one_canonical_half(0x1000, 0x00007FFFFFFFFFFFULL, 48));
    EXPECT_TRUE(in_one_canonical_half(0xFFFF800000000000ULL, ~0ULL, 48));
    EXPECT_FALSE(in_one_canonical_half(0x00007FFFFFFFF000ULL, 0x0000800000000FFFULL, 48));
    EXPECT_FALSE(in_one_canonical_half(0x1000, 0xFFFF800000000000ULL, 48)); // both canonical, two halves
    EXPECT_TRUE(x86_64::PageTableFormat::same_half(0xFFFFFFFF80000000ULL, 0xFFFFFFFF80001FFFULL));
    EXPECT_FALSE(riscv64::PageTableFormat::same_half(0x0000800000000000ULL, 0x0000800000000FFFULL));
}
