#pragma once

// Where the FAT volume of a disk is: the whole disk when sector 0 is a FAT boot sector, else the
// first partition of an MBR (types 0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E, 0xEF) or of a GPT (basic
// data or EFI system partition) whose first sector is one. Every table value is range-checked
// against the disk: an entry pointing past the end is skipped, never followed.
#include "BlockDevice.h"

namespace ath::fat {

struct VolumeExtent {
    u64 first_sector { 0 }; // in 512-byte device sectors
    u64 sector_count { 0 };
};

// ENOENT: no FAT volume found (not a FAT disk, or no FAT partition); EIO from the device.
Errno find_fat_volume(BlockDevice& device, VolumeExtent& extent);

// The cheap check a candidate first sector must pass (the mount then checks everything).
bool looks_like_boot_sector(const u8* sector);

} // namespace ath::fat
