#include <cstring>
#include <gtest/gtest.h>
#include <kernel/main/BootInfoCheck.h>
#include <vector>

using namespace ath;

namespace {

// Fake physical memory: [0, 1 MiB) readable, the rest not.
constexpr u64 fake_size = 1 << 20;
std::vector<u8> g_memory(fake_size);

const void* access(u64 physical, u64 size)
{
    if (physical > fake_size || size > fake_size - physical)
        return nullptr;
    return g_memory.data() + physical;
}

constexpr u64 map_at = 0x1000;

boot::BootInfo valid_info(std::vector<boot::MemoryRange> ranges)
{
    memcpy(g_memory.data() + map_at, ranges.data(), ranges.size() * sizeof(boot::MemoryRange));
    boot::BootInfo info {};
    info.magic = boot::boot_info_magic;
    info.version = boot::boot_info_version;
    info.size = sizeof(boot::BootInfo);
    info.memory_map = map_at;
    info.memory_map_count = ranges.size();
    info.kernel_physical_base = 0x200000;
    info.kernel_size = 0x40000;
    info.cmdline = 0x3000;
    info.cmdline_size = 8;
    info.initrd = 0x8000;
    info.initrd_size = 10240;
    return info;
}

std::vector<boot::MemoryRange> normal_map()
{
    return {
        { 0x0, 0x9F000, boot::MemoryKind::Usable, 0 },
        { 0x100000, 0x1000000, boot::MemoryKind::Usable, 0 },
        { 0x1100000, 0x100000, boot::MemoryKind::LoaderData, 0 },
        { 0xFEC00000, 0x1000, boot::MemoryKind::Mmio, 0 },
    };
}

} // namespace

TEST(BootInfoCheck, AcceptsAConsistentHandOff)
{
    auto info = valid_info(normal_map());
    EXPECT_FALSE(check_boot_info(info, access).is_error());
}

TEST(BootInfoCheck, RejectsBadMemoryMaps)
{
    auto info = valid_info(normal_map());
    info.memory_map_count = 0;
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info.memory_map_count = 1'000'000;
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.memory_map = fake_size - 8; // runs out of readable memory
    EXPECT_TRUE(check_boot_info(info, access).is_error());

    auto map = normal_map();
    std::swap(map[0], map[1]); // unsorted
    EXPECT_TRUE(check_boot_info(valid_info(map), access).is_error());
    map = normal_map();
    map[1].base = 0x90000; // overlaps the first range
    EXPECT_TRUE(check_boot_info(valid_info(map), access).is_error());
    map = normal_map();
    map[3].size = ~u64(0); // wraps
    EXPECT_TRUE(check_boot_info(valid_info(map), access).is_error());
    map = normal_map();
    map[2].kind = static_cast<boot::MemoryKind>(99);
    EXPECT_TRUE(check_boot_info(valid_info(map), access).is_error());
    map = normal_map();
    map[2].size = 0;
    EXPECT_TRUE(check_boot_info(valid_info(map), access).is_error());
    map = { { 0x100000, 0x1000, boot::MemoryKind::Reserved, 0 } }; // no usable RAM
    EXPECT_TRUE(check_boot_info(valid_info(map), access).is_error());
}

TEST(BootInfoCheck, RejectsBadPointersAndSizes)
{
    auto info = valid_info(normal_map());
    info.cmdline = fake_size + 0x1000;
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.cmdline_size = max_cmdline_bytes + 1;
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.initrd_size = 0;
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.initrd = ~u64(0) - 10;
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.kernel_physical_base = 0x200800; // not page-aligned
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.framebuffer.format = boot::PixelFormat::Bgrx8888; // no base or size
    EXPECT_TRUE(check_boot_info(info, access).is_error());
    info = valid_info(normal_map());
    info.initrd = 0; // no initrd is fine for the check (the loader decides whether it is required)
    info.initrd_size = 0;
    info.cmdline = 0;
    info.cmdline_size = 0;
    EXPECT_FALSE(check_boot_info(info, access).is_error());
}
