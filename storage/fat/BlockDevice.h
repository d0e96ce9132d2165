#pragma once

// What the FAT library needs of a disk: 512-byte sectors read and written by number, and a flush
// that is the only ordering point. Writes between two flushes may reach the medium in any order
// (a block cache, a virtio-blk queue, a disk's own cache all reorder); everything written before a
// flush is on the medium once it returns. The library's update order (docs/storage.md) relies on
// exactly that and nothing more; a sector write itself is atomic (all or nothing).
// Implementations: the hosted image file (kernel/platform/hosted/FatImageFileSystem.h), the tests'
// memory and recording devices; later the block cache over virtio-blk.
#include <kernel/lib/Span.h>
#include <kernel/sys/Errno.h>

namespace ath::fat {

using sys::Errno;

inline constexpr u32 device_sector_size = 512;

class BlockDevice {
public:
    virtual u64 sector_count() const = 0;
    // `buffer` holds a whole number of sectors; sectors past sector_count() are EIO.
    virtual Errno read(u64 sector, Bytes buffer) = 0;
    virtual Errno write(u64 sector, ReadonlyBytes buffer) = 0;
    virtual Errno flush() = 0;

protected:
    ~BlockDevice() = default;
};

} // namespace ath::fat
