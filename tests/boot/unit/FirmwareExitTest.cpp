// ExitBootServices against a fake firmware: the spec's retry rule (EFI_INVALID_PARAMETER means
// the map changed: read it again, retry), the bounded number of attempts, and errors that stop.
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

#include <FirmwareExit.h>

using namespace ath;
using namespace ath::boot;

namespace {

constexpr usize stride = 48; // OVMF's descriptor size, larger than the spec struct

struct FakeFirmware {
    std::vector<u8> map;
    usize key { 100 };
    int changes_before_exit { 0 };  // ExitBootServices calls that find the map changed
    uefi::Status exit_failure { uefi::success }; // a different error to return instead
    int get_map_calls { 0 };
    std::vector<usize> exit_keys;
    std::vector<void*> allocations;
    bool exited { false };

    void add(uefi::MemoryType type, u64 start, u64 pages)
    {
        uefi::MemoryDescriptor descriptor { static_cast<u32>(type), 0, start, 0, pages, 0 };
        usize offset = map.size();
        map.resize(offset + stride, 0);
        std::memcpy(map.data() + offset, &descriptor, sizeof(descriptor));
    }
};

FakeFirmware* g_fake = nullptr;

uefi::Status fake_get_memory_map(usize* size, uefi::MemoryDescriptor* buffer, usize* key, usize* descriptor_size, u32* version)
{
    g_fake->get_map_calls++;
    *descriptor_size = stride;
    *version = 1;
    if (*size < g_fake->map.size() || buffer == nullptr) {
        *size = g_fake->map.size();
        return uefi::buffer_too_small;
    }
    std::memcpy(buffer, g_fake->map.data(), g_fake->map.size());
    *size = g_fake->map.size();
    *key = g_fake->key;
    return uefi::success;
}

uefi::Status fake_allocate_pages(uefi::AllocateType, uefi::MemoryType, usize pages, uefi::PhysicalAddress* memory)
{
    void* block = std::aligned_alloc(4096, pages * 4096);
    g_fake->allocations.push_back(block);
    *memory = reinterpret_cast<uefi::PhysicalAddress>(block);
    return uefi::success;
}

uefi::Status fake_free_pages(uefi::PhysicalAddress, usize) { return uefi::success; }

uefi::Status fake_exit_boot_services(uefi::Handle, usize key)
{
    g_fake->exit_keys.push_back(key);
    if (g_fake->exit_failure != uefi::success)
        return g_fake->exit_failure;
    if (g_fake->changes_before_exit > 0) {
        // Something allocated behind our back: the key we hold is stale now.
        g_fake->changes_before_exit--;
        g_fake->key++;
        g_fake->add(uefi::MemoryType::BootServicesData, 0x80000000 + g_fake->key * 0x2000, 1);
        return uefi::invalid_parameter;
    }
    if (key != g_fake->key)
        return uefi::invalid_parameter;
    g_fake->exited = true;
    return uefi::success;
}

class FirmwareExit : public ::testing::Test {
protected:
    void SetUp() override
    {
        g_fake = &fake;
        services = uefi::BootServices {};
        services.get_memory_map = fake_get_memory_map;
        services.allocate_pages = fake_allocate_pages;
        services.free_pages = fake_free_pages;
        services.exit_boot_services = fake_exit_boot_services;
        fake.add(uefi::MemoryType::BootServicesCode, 0x0, 16);
        fake.add(uefi::MemoryType::Conventional, 0x10000, 240);
        fake.add(uefi::MemoryType::AzothKernelData, 0x100000, 64);
        fake.add(uefi::MemoryType::Conventional, 0x140000, 0x1000);
    }
    void TearDown() override
    {
        for (void* block : fake.allocations)
            std::free(block);
        g_fake = nullptr;
    }

    FakeFirmware fake;
    uefi::BootServices services;
};

} // namespace

TEST_F(FirmwareExit, ExitsWithTheCurrentKeyAndConvertsTheMap)
{
    auto buffers = reserve_memory_map(services).release_value();
    auto count = exit_boot_services(nullptr, services, buffers);
    ASSERT_FALSE(count.is_error()) << count.error().reason;
    EXPECT_TRUE(fake.exited);
    ASSERT_EQ(fake.exit_keys.size(), 1u);
    EXPECT_EQ(fake.exit_keys[0], 100u);
    ASSERT_EQ(count.value(), 4u);
    EXPECT_EQ(buffers.range_slots()[2].kind, MemoryKind::LoaderData);
    EXPECT_EQ(buffers.range_slots()[2].base, 0x100000u);
}

TEST_F(FirmwareExit, RereadsTheMapWhenItChangedAndRetries)
{
    auto buffers = reserve_memory_map(services).release_value();
    int calls_before = fake.get_map_calls;
    fake.changes_before_exit = 2;
    auto count = exit_boot_services(nullptr, services, buffers);
    ASSERT_FALSE(count.is_error()) << count.error().reason;
    EXPECT_TRUE(fake.exited);
    EXPECT_EQ(fake.get_map_calls - calls_before, 3); // one read per attempt
    ASSERT_EQ(fake.exit_keys.size(), 3u);
    EXPECT_EQ(fake.exit_keys[2], 102u);
    EXPECT_EQ(count.value(), 6u); // the two ranges allocated meanwhile are in the final map
}

TEST_F(FirmwareExit, GivesUpAfterBoundedAttempts)
{
    auto buffers = reserve_memory_map(services).release_value();
    fake.changes_before_exit = 1000;
    auto count = exit_boot_services(nullptr, services, buffers);
    ASSERT_TRUE(count.is_error());
    EXPECT_FALSE(fake.exited);
    EXPECT_EQ(fake.exit_keys.size(), static_cast<usize>(exit_boot_services_attempts));
}

TEST_F(FirmwareExit, OtherFirmwareErrorsStopAtOnce)
{
    auto buffers = reserve_memory_map(services).release_value();
    fake.exit_failure = uefi::device_error;
    auto count = exit_boot_services(nullptr, services, buffers);
    ASSERT_TRUE(count.is_error());
    EXPECT_STREQ(count.error().reason, "the firmware refused ExitBootServices");
    EXPECT_EQ(fake.exit_keys.size(), 1u);
}

TEST_F(FirmwareExit, AMapThatOutgrowsItsBufferIsAnErrorNotAnOverflow)
{
    auto buffers = reserve_memory_map(services).release_value();
    for (int i = 0; i < 200; ++i)
        fake.add(uefi::MemoryType::Reserved, 0x10000000 + i * 0x2000, 1);
    auto count = exit_boot_services(nullptr, services, buffers);
    ASSERT_TRUE(count.is_error());
    EXPECT_EQ(count.error().code, ErrorCode::OutOfRange);
    EXPECT_FALSE(fake.exited);
}

TEST_F(FirmwareExit, RejectsImplausibleDescriptorSizes)
{
    services.get_memory_map = [](usize* size, uefi::MemoryDescriptor*, usize*, usize* descriptor_size, u32*) -> uefi::Status {
        *size = 480;
        *descriptor_size = 8;
        return uefi::buffer_too_small;
    };
    EXPECT_TRUE(reserve_memory_map(services).is_error());
}
