#include "Partition.h"

#include "Layout.h"

namespace ath::fat {

namespace {

bool has_signature(const u8* sector) { return sector[510] == 0x55 && sector[511] == 0xAA; }

bool is_fat_partition_type(u8 type)
{
    switch (type) {
    case 0x01: case 0x04: case 0x06: case 0x0B: case 0x0C: case 0x0E: case 0xEF:
        return true;
    default:
        return false;
    }
}

// GPT type GUIDs as stored (mixed endian): basic data EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 and
// EFI system C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
constexpr u8 basic_data_guid[16] = { 0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44, 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7 };
constexpr u8 efi_system_guid[16] = { 0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B };

bool same_guid(const u8* a, const u8* b)
{
    for (u32 i = 0; i < 16; ++i) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

Errno candidate(BlockDevice& device, u64 first, u64 count, VolumeExtent& extent, bool& found)
{
    u64 total = device.sector_count();
    if (first == 0 || count == 0 || first >= total || count > total - first)
        return Errno::Success;
    alignas(8) u8 sector[device_sector_size];
    if (Errno error = device.read(first, Bytes(sector, sizeof(sector))); error != Errno::Success)
        return error;
    if (looks_like_boot_sector(sector)) {
        extent = { first, count };
        found = true;
    }
    return Errno::Success;
}

Errno search_gpt(BlockDevice& device, VolumeExtent& extent, bool& found)
{
    alignas(8) u8 header[device_sector_size];
    if (device.sector_count() < 3)
        return Errno::Success;
    if (Errno error = device.read(1, Bytes(header, sizeof(header))); error != Errno::Success)
        return error;
    static constexpr u8 signature[8] = { 'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T' };
    for (u32 i = 0; i < 8; ++i) {
        if (header[i] != signature[i])
            return Errno::Success;
    }
    u64 entries_lba = load64(header + 72);
    u32 entry_count = load32(header + 80);
    u32 entry_bytes = load32(header + 84);
    // Entries are 128 bytes or a larger power of two; at most 1024 are looked at.
    if (entry_bytes < 128 || entry_bytes > device_sector_size || (entry_bytes & (entry_bytes - 1)) != 0)
        return Errno::Success;
    if (entry_count > 1024)
        entry_count = 1024;
    u32 per_sector = device_sector_size / entry_bytes;
    alignas(8) u8 sector[device_sector_size];
    for (u32 index = 0; index < entry_count && !found; ++index) {
        u64 lba = entries_lba + index / per_sector;
        if (lba < entries_lba || lba >= device.sector_count())
            return Errno::Success;
        if (index % per_sector == 0) {
            if (Errno error = device.read(lba, Bytes(sector, sizeof(sector))); error != Errno::Success)
                return error;
        }
        const u8* e = sector + static_cast<usize>(index % per_sector) * entry_bytes;
        if (!same_guid(e, basic_data_guid) && !same_guid(e, efi_system_guid))
            continue;
        u64 first = load64(e + 32);
        u64 last = load64(e + 40);
        if (last < first)
            continue;
        if (Errno error = candidate(device, first, last - first + 1, extent, found); error != Errno::Success)
            return error;
    }
    return Errno::Success;
}

} // namespace

bool looks_like_boot_sector(const u8* sector)
{
    if (!has_signature(sector) || (sector[0] != 0xEB && sector[0] != 0xE9))
        return false;
    u16 bytes_per_sector = load16(sector + 11);
    u8 sectors_per_cluster = sector[13];
    return (bytes_per_sector == 512 || bytes_per_sector == 1024 || bytes_per_sector == 2048 || bytes_per_sector == 4096)
        && sectors_per_cluster != 0 && (sectors_per_cluster & (sectors_per_cluster - 1)) == 0 && load16(sector + 14) != 0
        && sector[16] != 0 && sector[16] <= 4 && sector[21] >= 0xF0;
}

Errno find_fat_volume(BlockDevice& device, VolumeExtent& extent)
{
    if (device.sector_count() == 0)
        return Errno::NoEntry;
    alignas(8) u8 sector[device_sector_size];
    if (Errno error = device.read(0, Bytes(sector, sizeof(sector))); error != Errno::Success)
        return error;
    if (looks_like_boot_sector(sector)) {
        extent = { 0, device.sector_count() };
        return Errno::Success;
    }
    if (!has_signature(sector))
        return Errno::NoEntry;
    bool found = false;
    bool protective = false;
    for (u32 i = 0; i < 4 && !found; ++i) {
        const u8* e = sector + 446 + static_cast<usize>(i) * 16;
        u8 type = e[4];
        if (type == 0xEE)
            protective = true;
        if (!is_fat_partition_type(type))
            continue;
        if (Errno error = candidate(device, load32(e + 8), load32(e + 12), extent, found); error != Errno::Success)
            return error;
    }
    if (!found && protective) {
        if (Errno error = search_gpt(device, extent, found); error != Errno::Success)
            return error;
    }
    return found ? Errno::Success : Errno::NoEntry;
}

} // namespace ath::fat
