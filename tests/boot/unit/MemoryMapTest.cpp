#include <cstring>
#include <gtest/gtest.h>

#include <MemoryMap.h>
#include <vector>

using namespace ath;
using namespace ath::boot;

namespace {

// Firmware descriptors may be larger than the spec's struct; 48 bytes is what OVMF uses.
constexpr usize stride = 48;

struct Map {
    std::vector<u8> bytes;

    void add(uefi::MemoryType type, u64 start, u64 pages)
    {
        uefi::MemoryDescriptor descriptor { static_cast<u32>(type), 0, start, 0, pages, 0 };
        usize offset = bytes.size();
        bytes.resize(offset + stride, 0xFF);
        std::memcpy(bytes.data() + offset, &descriptor, sizeof(descriptor));
    }
    ReadonlyBytes view() const { return ReadonlyBytes(bytes.data(), bytes.size()); }
};

} // namespace

TEST(LoaderMemoryMap, SortsMergesAndClassifies)
{
    Map map;
    map.add(uefi::MemoryType::Conventional, 0x100000, 16);
    map.add(uefi::MemoryType::BootServicesData, 0x0, 1);
    map.add(uefi::MemoryType::LoaderCode, 0x1000, 15);
    map.add(uefi::MemoryType::AzothKernelData, 0x110000, 4);
    map.add(uefi::MemoryType::AcpiNvs, 0x200000, 2);
    map.add(uefi::MemoryType::MemoryMappedIo, 0xFEC00000, 1);
    map.add(uefi::MemoryType::Conventional, 0x114000, 2);
    MemoryRange ranges[16];
    auto count = convert_memory_map(map.view(), stride, Span<MemoryRange>(ranges));
    ASSERT_FALSE(count.is_error()) << count.error().reason;
    ASSERT_EQ(count.value(), 6u);
    // Boot-services data and the loader's own code touch: one reclaimable range.
    EXPECT_EQ(ranges[0].base, 0u);
    EXPECT_EQ(ranges[0].size, 0x10000u);
    EXPECT_EQ(ranges[0].kind, MemoryKind::BootServicesReclaim);
    EXPECT_EQ(ranges[1].kind, MemoryKind::Usable);
    EXPECT_EQ(ranges[2].kind, MemoryKind::LoaderData);
    EXPECT_EQ(ranges[2].base, 0x110000u);
    EXPECT_EQ(ranges[3].kind, MemoryKind::Usable);
    EXPECT_EQ(ranges[4].kind, MemoryKind::AcpiNvs);
    EXPECT_EQ(ranges[5].kind, MemoryKind::Mmio);
    EXPECT_EQ(highest_physical_address(map.view(), stride), 0xFEC01000u);
}

TEST(LoaderMemoryMap, RejectsOverlapsOverflowAndTooSmallOutput)
{
    Map overlapping;
    overlapping.add(uefi::MemoryType::Conventional, 0x0, 4);
    overlapping.add(uefi::MemoryType::Reserved, 0x2000, 4);
    MemoryRange ranges[4];
    EXPECT_TRUE(convert_memory_map(overlapping.view(), stride, Span<MemoryRange>(ranges)).is_error());

    Map overflowing;
    overflowing.add(uefi::MemoryType::Conventional, 0xFFFFFFFFFFFFF000ULL, 2);
    EXPECT_TRUE(convert_memory_map(overflowing.view(), stride, Span<MemoryRange>(ranges)).is_error());

    Map many;
    for (u64 i = 0; i < 8; ++i)
        many.add(i % 2 ? uefi::MemoryType::Reserved : uefi::MemoryType::Conventional, i * 0x1000, 1);
    auto result = convert_memory_map(many.view(), stride, Span<MemoryRange>(ranges));
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, ErrorCode::OutOfRange);

    EXPECT_TRUE(convert_memory_map(many.view(), 16, Span<MemoryRange>(ranges)).is_error());
}

TEST(LoaderMemoryMap, UnknownTypesAreReserved)
{
    EXPECT_EQ(memory_kind_of(static_cast<uefi::MemoryType>(0x70000000)), MemoryKind::Reserved);
    EXPECT_EQ(memory_kind_of(uefi::MemoryType::Unaccepted), MemoryKind::Reserved);
    EXPECT_EQ(memory_kind_of(uefi::MemoryType::RuntimeServicesCode), MemoryKind::RuntimeServices);
    EXPECT_EQ(memory_kind_of(uefi::MemoryType::AcpiReclaim), MemoryKind::AcpiReclaim);
}
