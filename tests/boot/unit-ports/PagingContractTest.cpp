// The loader's page-table contract (boot/uefi/arch/<arch>/Paging.h) for aarch64 and riscv64:
// largest aligned leaves, permissions, refusals, merging, allocation failure, and the raw bits
// that encode read-only / no-execute in the arch's descriptor format.
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

#include <Paging.h>
#include <boot/BootInfo.h>

using namespace ath;
using namespace ath::boot;
using namespace ath::boot::arch;

namespace {

// Host pages whose addresses play the role of physical addresses.
class HostPages final : public PageAllocator {
public:
    ~HostPages()
    {
        for (void* page : m_pages)
            std::free(page);
    }
    Result<u64> allocate_zeroed_page() override
    {
        if (m_pages.size() == m_limit)
            return Error::from(ErrorCode::OutOfMemory, "test page limit");
        void* page = std::aligned_alloc(4096, 4096);
        std::memset(page, 0, 4096);
        m_pages.push_back(page);
        return reinterpret_cast<u64>(page);
    }
    u64* page_at(u64 physical) override { return reinterpret_cast<u64*>(physical); }
    usize count() const { return m_pages.size(); }
    void set_limit(usize limit) { m_limit = limit; }

private:
    std::vector<void*> m_pages;
    usize m_limit { ~static_cast<usize>(0) };
};

constexpr u64 kernel_base = kernel_virtual_base;

// The leaf descriptor of a 4 KiB page, found by walking with the arch's index layout (both arches
// use 9 bits per level above a 12-bit offset, root first).
u64 leaf_descriptor(HostPages& pages, const PageTableBuilder& tables, u64 virtual_address)
{
    u64 table = tables.root();
    for (int level = 0; level < 4; ++level) {
        u64 entry = pages.page_at(table)[(virtual_address >> (39 - 9 * level)) & 511];
        if (level == 3)
            return entry;
#if AZOTH_TEST_ARCH_AARCH64
        table = entry & 0x0000FFFFFFFFF000ULL;
#else
        table = ((entry >> 10) & ((1ULL << 44) - 1)) << 12;
#endif
    }
    return 0;
}

} // namespace

TEST(PortLoaderPaging, UsesTheLargestLeavesAlignmentAllows)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
    ASSERT_FALSE(tables.map(direct_map_base, 0, 4ULL << 30, { true, false }).is_error());
    EXPECT_EQ(pages.count(), 2u); // root + one table of 1 GiB leaves
    auto translation = tables.translate(direct_map_base + 0x12345678);
    ASSERT_TRUE(translation.has_value());
    EXPECT_EQ(translation->physical, 0x12345678u);
    EXPECT_EQ(translation->page_size, 1ULL << 30);
    EXPECT_TRUE(translation->permissions.writable);
    EXPECT_FALSE(translation->permissions.executable);
    EXPECT_FALSE(tables.translate(direct_map_base + (4ULL << 30)).has_value());

    // Without 1 GiB leaves: 2 MiB ones.
    HostPages small_pages;
    auto small = PageTableBuilder::create(small_pages, false, true).release_value();
    ASSERT_FALSE(small.map(direct_map_base, 0, 4ULL << 20, { true, false }).is_error());
    EXPECT_EQ(small.translate(direct_map_base + 0x1234)->page_size, 2ULL << 20);
}

TEST(PortLoaderPaging, IdentityAndUpperHalfCoexist)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
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

TEST(PortLoaderPaging, RefusesBadRequestsAndConflicts)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
    EXPECT_TRUE(tables.map(kernel_base + 1, 0, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.map(kernel_base, 1, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.map(kernel_base, 0, 0, { true, false }).is_error());
    EXPECT_TRUE(tables.map(0x0001000000000000ULL, 0, 4096, { true, false }).is_error()); // beyond 48 bits
    // A range running from the lower half into the hole / upper half is refused as a whole.
    EXPECT_TRUE(tables.map(0x0000FFFFFFFFF000ULL, 0, 0x2000, { true, false }).is_error());
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { false, false }).is_error());
    auto conflict = tables.map(kernel_base, 0x2000, 4096, { true, false });
    ASSERT_TRUE(conflict.is_error());
    EXPECT_EQ(conflict.error().code, ErrorCode::AlreadyExists);
    // The same frame again merges the permissions (two segments sharing a page).
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { true, false }).is_error());
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { false, true }).is_error());
    auto merged = tables.translate(kernel_base);
    EXPECT_TRUE(merged->permissions.writable && merged->permissions.executable);
    // A 4 KiB request inside an existing 2 MiB leaf is a conflict, not a silent split.
    ASSERT_FALSE(tables.map(direct_map_base, 0, 2ULL << 20, { true, false }).is_error());
    EXPECT_TRUE(tables.map(direct_map_base + 0x1000, 0x5000, 4096, { true, false }).is_error());
}

TEST(PortLoaderPaging, RunningOutOfPagesIsAnError)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
    pages.set_limit(2);
    auto result = tables.map(kernel_base, 0, 4096, { true, false });
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfMemory);
}

TEST(PortLoaderPaging, DescriptorBitsEncodePermissions)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
    ASSERT_FALSE(tables.map(kernel_base, 0x1000, 4096, { false, false }).is_error());
    ASSERT_FALSE(tables.map(kernel_base + 0x1000, 0x2000, 4096, { true, true }).is_error());
    u64 read_only = leaf_descriptor(pages, tables, kernel_base);
    u64 writable_code = leaf_descriptor(pages, tables, kernel_base + 0x1000);
#if AZOTH_TEST_ARCH_AARCH64
    EXPECT_EQ(read_only & 3, 3u);                        // valid page descriptor
    EXPECT_NE(read_only & (1ULL << 10), 0u);             // access flag preset
    EXPECT_NE(read_only & (1ULL << 7), 0u);              // AP[2]: read-only
    EXPECT_NE(read_only & (1ULL << 53), 0u);             // PXN
    EXPECT_NE(read_only & (1ULL << 54), 0u);             // UXN always
    EXPECT_EQ(writable_code & ((1ULL << 7) | (1ULL << 53)), 0u);
    EXPECT_EQ(read_only & 0x0000FFFFFFFFF000ULL, 0x1000u);
#else
    EXPECT_EQ(read_only & 0xF, 0x3u);                    // V + R, no W, no X
    EXPECT_EQ(read_only & 0xC0, 0xC0u);                  // A and D preset
    EXPECT_NE(read_only & (1ULL << 5), 0u);              // global (upper half)
    EXPECT_EQ(writable_code & 0xF, 0xFu);                // V R W X
    EXPECT_EQ(((read_only >> 10) << 12) & ((1ULL << 56) - 1), 0x1000u);
#endif
}
