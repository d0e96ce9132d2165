// The assembled x86_64 loader address space (AddressSpace.cpp over the x86_64 PageTableBuilder);
// the page-table builder itself is tested on every arch in ../unit-ports/LoaderPagingTest.cpp.
#include "ElfTestImage.h"
#include "HostPages.h"

#include <utility>
#include <gtest/gtest.h>

#include <AddressSpace.h>
#include <Paging.h>
#include <boot/BootInfo.h>

using namespace ath;
using namespace ath::boot;
using namespace ath::boot::arch;
using ath::boot::testing::HostPages;

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
