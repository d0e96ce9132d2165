// The loader's page-table contract (boot/uefi/PageTableBuilder.h) on x86_64, aarch64 and
// riscv64: largest aligned leaves, permissions, refusals, merging, allocation failure, and the
// raw bits that encode write / no-execute in each arch's entry format, read with a walk written
// here rather than the walker under test.
#include <gtest/gtest.h>
#include <string>
#include <type_traits>

#include <HostPages.h>
#include <PerArchTypes.h>
#include <boot/BootInfo.h>
#include <boot/uefi/PageTableBuilder.h>
#include <boot/uefi/arch/aarch64/LoaderFormat.h>
#include <boot/uefi/arch/riscv64/LoaderFormat.h>
#include <boot/uefi/arch/x86_64/LoaderFormat.h>

using namespace ath;
using namespace ath::boot;
using ath::boot::testing::HostPages;

namespace {

constexpr u64 kernel_base = kernel_virtual_base;

template<typename Format>
constexpr bool is_x86_64 = std::is_same_v<Format, X86_64LoaderFormat>;
template<typename Format>
constexpr bool is_aarch64 = std::is_same_v<Format, Aarch64LoaderFormat>;

// The level-0 (4 KiB) entry for `virtual_address`: all three arches index 9 bits per level above
// a 12-bit offset, root first; only where an entry keeps its address differs.
template<typename Format>
u64 leaf_descriptor(HostPages& pages, u64 root, u64 virtual_address)
{
    u64 table = root;
    for (int level = 3; level >= 0; --level) {
        u64 entry = pages.page_at(table)[(virtual_address >> (12 + 9 * level)) & 511];
        if (level == 0)
            return entry;
        if constexpr (is_x86_64<Format>)
            table = entry & 0x000FFFFFFFFFF000ULL;
        else if constexpr (is_aarch64<Format>)
            table = entry & 0x0000FFFFFFFFF000ULL;
        else
            table = ((entry >> 10) & ((1ULL << 44) - 1)) << 12;
    }
    return 0;
}

template<typename Format>
class LoaderPaging : public ::testing::Test {
protected:
    using Builder = GenericPageTableBuilder<Format>;
    Builder make(HostPages& pages, bool allow_1g = true, bool use_no_execute = true)
    {
        return Builder::create(pages, allow_1g, use_no_execute).release_value();
    }
};

using Formats = ath::testing::PerArchTypes<X86_64LoaderFormat, Aarch64LoaderFormat, Riscv64LoaderFormat>;
TYPED_TEST_SUITE(LoaderPaging, Formats::Types, Formats);

} // namespace

TYPED_TEST(LoaderPaging, UsesTheLargestLeavesAlignmentAllows)
{
    HostPages pages;
    auto tables = this->make(pages);
    ASSERT_FALSE(tables.map(direct_map_base, 0, 4ULL << 30, { true, false }).is_error());
    EXPECT_EQ(pages.count(), 2u); // root + one table of 1 GiB leaves
    auto translation = tables.translate(direct_map_base + 0x12345678);
    ASSERT_TRUE(translation.has_value());
    EXPECT_EQ(translation->physical, 0x12345678u);
    EXPECT_EQ(translation->page_size, 1ULL << 30);
    EXPECT_TRUE(translation->permissions.writable);
    EXPECT_FALSE(translation->permissions.executable);
    EXPECT_FALSE(tables.translate(direct_map_base + (4ULL << 30)).has_value());

    // Without 1 GiB leaves: 2 MiB ones (root, one table, two tables of 2 MiB leaves).
    HostPages small_pages;
    auto small = this->make(small_pages, false);
    ASSERT_FALSE(small.map(direct_map_base, 0, 2ULL << 30, { true, false }).is_error());
    EXPECT_EQ(small.translate(direct_map_base + 0x40000000)->page_size, 2ULL << 20);
    EXPECT_EQ(small_pages.count(), 4u);

    // An unaligned start: 4 KiB pages up to the first 2 MiB boundary, then a 2 MiB leaf.
    HostPages mixed_pages;
    auto mixed = this->make(mixed_pages);
    ASSERT_FALSE(mixed.map(0x1000, 0x1000, 0x400000, { false, true }).is_error());
    EXPECT_EQ(mixed.translate(0x1000)->page_size, 4096u);
    EXPECT_EQ(mixed.translate(0x200000)->page_size, 2ULL << 20);
    EXPECT_EQ(mixed.translate(0x400000)->page_size, 4096u);
    EXPECT_EQ(mixed.translate(0x400ABC)->physical, 0x400ABCu);
    EXPECT_FALSE(mixed.translate(0x401000).has_value());
}

TYPED_TEST(LoaderPaging, IdentityAndUpperHalfCoexist)
{
    HostPages pages;
    auto tables = this->make(pages);
    ASSERT_FALSE(tables.map(0, 0, 1ULL << 30, { true, true }).is_error());
    ASSERT_FALSE(tables.map(direct_map_base, 0, 1ULL << 30, { true, false }).is_error());
    ASSERT_FALSE(tables.map(kernel_base, 0x200000, 0x3000, { false, true }).is_error());
    EXPECT_EQ(tables.translate(0x5000)->physical, 0x5000u);
    EXPECT_TRUE(tables.translate(0x5000)->permissions.executable);
    EXPECT_EQ(tables.translate(direct_map_base + 0x5000)->physical, 0x5000u);
    EXPECT_FALSE(tables.translate(direct_map_base + 0x5000)->permissions.executable);
    auto kernel = tables.translate(kernel_base + 0x1010);
    ASSERT_TRUE(kernel.has_value());
    EXPECT_EQ(kernel->physical, 0x201010u);
    EXPECT_EQ(kernel->page_size, 4096u);
    EXPECT_FALSE(kernel->permissions.writable);
    EXPECT_TRUE(kernel->permissions.executable);
    EXPECT_FALSE(tables.translate(kernel_base + 0x3000).has_value());
}

TYPED_TEST(LoaderPaging, RefusesBadRequestsAndConflicts)
{
    HostPages pages;
    auto tables = this->make(pages);
    EXPECT_TRUE(tables.map(kernel_base + 1, 0, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.map(kernel_base, 1, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.map(kernel_base, 0, 100, { true, false }).is_error());
    EXPECT_TRUE(tables.map(kernel_base, 0, 0, { true, false }).is_error());
    EXPECT_TRUE(tables.map(0x0001000000000000ULL, 0, 4096, { true, false }).is_error()); // beyond 48 bits
    // A range running from the lower half into the hole / upper half is refused as a whole.
    EXPECT_TRUE(tables.map(0x0000FFFFFFFFF000ULL, 0, 0x2000, { true, false }).is_error());
    // A range wrapping around the top of the address space.
    EXPECT_TRUE(tables.map(0xFFFFFFFFFFFFF000ULL, 0, 0x2000, { true, false }).is_error());
    // Physical frames beyond what the entry format can hold.
    EXPECT_TRUE(tables.map(kernel_base, TypeParam::physical_limit - 4096, 0x2000, { true, false }).is_error());
    EXPECT_EQ(pages.count(), 1u); // refusals allocate nothing

    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { false, false }).is_error());
    auto conflict = tables.map(kernel_base, 0x2000, 4096, { true, false });
    ASSERT_TRUE(conflict.is_error());
    EXPECT_EQ(conflict.error().code, ErrorCode::AlreadyExists);
    EXPECT_EQ(tables.translate(kernel_base)->physical, 0x1000u);
    // The same frame again merges the permissions (two segments sharing a page).
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.translate(kernel_base)->permissions.writable);
    EXPECT_FALSE(tables.translate(kernel_base)->permissions.executable);
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { false, true }).is_error());
    auto merged = tables.translate(kernel_base);
    EXPECT_TRUE(merged->permissions.writable && merged->permissions.executable);
    // A 4 KiB request inside an existing 2 MiB leaf is a conflict, not a silent split.
    ASSERT_FALSE(tables.map(direct_map_base, 0, 2ULL << 20, { true, false }).is_error());
    auto inside = tables.map(direct_map_base + 0x1000, 0x5000, 4096, { true, false });
    ASSERT_TRUE(inside.is_error());
    EXPECT_EQ(inside.error().code, ErrorCode::AlreadyExists);
    EXPECT_EQ(tables.translate(direct_map_base + 0x1000)->page_size, 2ULL << 20);
}

TYPED_TEST(LoaderPaging, HalvesFollowTheArch)
{
    HostPages pages;
    auto tables = this->make(pages);
    // Bit 47 set below the upper half: a hole on the sign-extended arches, TTBR0 space on aarch64.
    auto high_low_half = tables.map(0x0000800000000000ULL, 0, 4096, { true, false });
    if constexpr (is_aarch64<TypeParam>) {
        EXPECT_FALSE(high_low_half.is_error());
        EXPECT_TRUE(tables.map(0xFFFE000000000000ULL, 0, 4096, { true, false }).is_error()); // below TTBR1's 0xFFFF0000...
    } else {
        EXPECT_TRUE(high_low_half.is_error());
        EXPECT_TRUE(tables.map(0x00007FFFFFFFF000ULL, 0, 0x2000, { true, false }).is_error()); // crosses the hole
        EXPECT_TRUE(tables.map(0xFFFF7FFFFFFFF000ULL, 0, 4096, { true, false }).is_error());
    }
}

TYPED_TEST(LoaderPaging, WithoutNoExecuteEverythingIsExecutable)
{
    HostPages pages;
    auto tables = this->make(pages, true, false);
    ASSERT_FALSE(tables.map(0x200000, 0x200000, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.translate(0x200000)->permissions.executable);
}

TYPED_TEST(LoaderPaging, RunningOutOfPagesIsAnError)
{
    HostPages pages;
    auto tables = this->make(pages);
    pages.set_limit(2);
    auto result = tables.map(kernel_base, 0, 4096, { true, false });
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfMemory);

    HostPages empty;
    empty.set_limit(0);
    EXPECT_TRUE(TestFixture::Builder::create(empty, true, true).is_error());
}

TYPED_TEST(LoaderPaging, DescriptorBitsEncodePermissions)
{
    HostPages pages;
    auto tables = this->make(pages);
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { false, false }).is_error());
    ASSERT_FALSE(tables.map(kernel_base + 0x1000, 0x2000, 4096, { true, true }).is_error());
    u64 read_only = leaf_descriptor<TypeParam>(pages, tables.root(), kernel_base);
    u64 writable_code = leaf_descriptor<TypeParam>(pages, tables.root(), kernel_base + 0x1000);
    if constexpr (is_x86_64<TypeParam>) {
        EXPECT_EQ(read_only & 1, 1u);                            // present
        EXPECT_EQ(read_only & (1ULL << 1), 0u);                  // not writable
        EXPECT_NE(read_only & (1ULL << 63), 0u);                 // NX
        EXPECT_EQ(read_only & (1ULL << 7), 0u);                  // a 4 KiB entry has no PS/PAT bit
        EXPECT_NE(writable_code & (1ULL << 1), 0u);
        EXPECT_EQ(writable_code & (1ULL << 63), 0u);
        EXPECT_EQ(read_only & 0x000FFFFFFFFFF000ULL, 0x1000u);
    } else if constexpr (is_aarch64<TypeParam>) {
        EXPECT_EQ(read_only & 3, 3u);                            // valid page descriptor
        EXPECT_NE(read_only & (1ULL << 10), 0u);                 // access flag preset
        EXPECT_NE(read_only & (1ULL << 7), 0u);                  // AP[2]: read-only
        EXPECT_NE(read_only & (1ULL << 53), 0u);                 // PXN
        EXPECT_NE(read_only & (1ULL << 54), 0u);                 // UXN always
        EXPECT_EQ(writable_code & ((1ULL << 7) | (1ULL << 53)), 0u);
        EXPECT_EQ(read_only & 0x0000FFFFFFFFF000ULL, 0x1000u);
    } else {
        EXPECT_EQ(read_only & 0xF, 0x3u);                        // V + R, no W, no X
        EXPECT_EQ(read_only & 0xC0, 0xC0u);                      // A and D preset
        EXPECT_NE(read_only & (1ULL << 5), 0u);                  // global (upper half)
        EXPECT_EQ(writable_code & 0xF, 0xFu);                    // V R W X
        EXPECT_EQ(((read_only >> 10) << 12) & ((1ULL << 56) - 1), 0x1000u);
    }
}
