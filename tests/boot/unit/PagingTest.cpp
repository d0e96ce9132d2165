#include "ElfTestImage.h"

#include <cstdlib>
#include <cstring>
#include <utility>
#include <gtest/gtest.h>
#include <vector>

#include <AddressSpace.h>
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

} // namespace

TEST(LoaderPaging, UsesTheLargestPagesAlignmentAllows)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
    ASSERT_FALSE(tables.map(direct_map_base, 0, 4ULL << 30, { true, false }).is_error());
    // 4 GiB of 1 GiB pages: one PML4 and one PDPT.
    EXPECT_EQ(pages.count(), 2u);
    auto translation = tables.translate(direct_map_base + 0x12345678);
    ASSERT_TRUE(translation.has_value());
    EXPECT_EQ(translation->physical, 0x12345678u);
    EXPECT_EQ(translation->page_size, 1ULL << 30);
    EXPECT_TRUE(translation->permissions.writable);
    EXPECT_FALSE(translation->permissions.executable);
    EXPECT_FALSE(tables.translate(direct_map_base + (4ULL << 30)).has_value());

    HostPages small;
    auto without_1g = PageTableBuilder::create(small, false, true).release_value();
    ASSERT_FALSE(without_1g.map(direct_map_base, 0, 2ULL << 30, { true, false }).is_error());
    EXPECT_EQ(without_1g.translate(direct_map_base + 0x40000000)->page_size, 2ULL << 20);
    EXPECT_EQ(small.count(), 4u); // PML4, PDPT, 2 PDs

    HostPages mixed;
    auto unaligned = PageTableBuilder::create(mixed, true, true).release_value();
    ASSERT_FALSE(unaligned.map(0x1000, 0x1000, 0x400000, { false, true }).is_error());
    EXPECT_EQ(unaligned.translate(0x1000)->page_size, 4096u);
    EXPECT_EQ(unaligned.translate(0x200000)->page_size, 2ULL << 20);
    EXPECT_EQ(unaligned.translate(0x400000)->page_size, 4096u);
    EXPECT_EQ(unaligned.translate(0x400ABC)->physical, 0x400ABCu);
}

TEST(LoaderPaging, RejectsBadRangesAndConflicts)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, true).release_value();
    EXPECT_TRUE(tables.map(0x1001, 0, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.map(0x0000800000000000ULL, 0, 4096, { true, false }).is_error()); // non-canonical
    EXPECT_TRUE(tables.map(0x00007FFFFFFFF000ULL, 0, 0x2000, { true, false }).is_error()); // crosses the hole
    EXPECT_TRUE(tables.map(0x1000, 0, 0, { true, false }).is_error());
    ASSERT_FALSE(tables.map(0x1000, 0x5000, 4096, { false, false }).is_error());
    auto conflict = tables.map(0x1000, 0x6000, 4096, { false, false });
    ASSERT_TRUE(conflict.is_error());
    EXPECT_EQ(conflict.error().code, ErrorCode::AlreadyExists);
    // The same frame again merges permissions (two segments sharing a page).
    ASSERT_FALSE(tables.map(0x1000, 0x5000, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.translate(0x1000)->permissions.writable);
}

TEST(LoaderPaging, WithoutNoExecuteEverythingIsExecutable)
{
    HostPages pages;
    auto tables = PageTableBuilder::create(pages, true, false).release_value();
    ASSERT_FALSE(tables.map(0x200000, 0x200000, 4096, { true, false }).is_error());
    EXPECT_TRUE(tables.translate(0x200000)->permissions.executable);
}

TEST(LoaderAddressSpace, KernelSegmentsGetTheirOwnPermissions)
{
    using namespace ath::boot::testing;
    auto specs = typical_kernel();
    specs[1].virtual_address = base + 0x1800; // rodata shares text's second page
    specs[1].memory_size = 0x400;
    auto bytes = make_elf(specs, base);
    auto image = KernelImage::parse(ReadonlyBytes(bytes.data(), bytes.size()), elf_machine_x86_64, base).release_value();
    HostPages pages;
    u64 kernel_physical = 0x40000000;
    auto root = build_kernel_address_space(pages, image, kernel_physical, 4ULL << 30, { true, true });
    ASSERT_FALSE(root.is_error()) << root.error().reason;
    // Walks the tables under `root` (host addresses stand in for physical ones): (physical, leaf).
    auto translate = [&](u64 address) -> std::pair<u64, u64> {
        u64 table = root.value();
        for (int level = 3; level >= 0; --level) {
            u64 entry = reinterpret_cast<u64*>(table)[(address >> (12 + 9 * level)) & 511];
            if (!(entry & 1))
                return { 0, 0 };
            if (level == 0 || (entry & 0x80)) {
                u64 size = 1ULL << (12 + 9 * level);
                return { (entry & 0x000FFFFFFFFFF000ULL & ~(size - 1)) + (address & (size - 1)), entry };
            }
            table = entry & 0x000FFFFFFFFFF000ULL;
        }
        return { 0, 0 };
    };
    constexpr u64 writable = 2, no_execute = 1ULL << 63;
    auto text = translate(base);
    EXPECT_EQ(text.first, kernel_physical);
    EXPECT_FALSE(text.second & writable);
    EXPECT_FALSE(text.second & no_execute);
    auto shared = translate(base + 0x1800); // text + rodata: union is executable, read-only
    EXPECT_EQ(shared.first, kernel_physical + 0x1800);
    EXPECT_FALSE(shared.second & no_execute);
    EXPECT_FALSE(shared.second & writable);
    EXPECT_EQ(translate(base + 0x2000).second, 0u); // the gap page stays unmapped
    auto data = translate(base + 0x4000);
    EXPECT_EQ(data.first, kernel_physical + 0x4000);
    EXPECT_TRUE(data.second & writable);
    EXPECT_TRUE(data.second & no_execute);

    auto direct = translate(direct_map_base + 0xB8000);
    EXPECT_EQ(direct.first, 0xB8000u);
    EXPECT_TRUE(direct.second & no_execute);
    auto identity = translate(0x7000000);
    EXPECT_EQ(identity.first, 0x7000000u);
    EXPECT_FALSE(identity.second & no_execute); // the loader runs from here across the switch
}

TEST(LoaderAddressSpace, FailsCleanlyWithoutMemoryOrWithABadDirectMapSize)
{
    using namespace ath::boot::testing;
    auto bytes = make_elf(typical_kernel(), base);
    auto image = KernelImage::parse(ReadonlyBytes(bytes.data(), bytes.size()), elf_machine_x86_64, base).release_value();
    HostPages pages;
    pages.set_limit(3);
    auto result = build_kernel_address_space(pages, image, 0x40000000, 4ULL << 30, { true, true });
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfMemory);
    HostPages more;
    EXPECT_TRUE(build_kernel_address_space(more, image, 0x40000000, 12345, { true, true }).is_error());
    EXPECT_TRUE(build_kernel_address_space(more, image, 0x40000000, 0, { true, true }).is_error());
}
