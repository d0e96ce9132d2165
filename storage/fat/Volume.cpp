// The volume's lower half: mounting (boot sector checks), the sector cache with its write-back
// barrier, the FAT and cluster allocation. Directories are VolumeDirectory.cpp, files VolumeFiles.cpp.
#include "Volume.h"

#include "Partition.h"

namespace ath::fat {

namespace {

constexpr u32 fsinfo_lead = 0x41615252, fsinfo_middle = 0x61417272, fsinfo_trail = 0xAA550000;

bool power_of_two(u32 value) { return value != 0 && (value & (value - 1)) == 0; }

} // namespace

// --- mounting ---------------------------------------------------------------------------------

Errno Volume::mount(BlockDevice& device, const MountOptions& options)
{
    m_mounted = false;
    m_device = &device;
    m_now = options.now_ns;
    for (auto& slot : m_slots)
        slot = {};
    for (auto& node : m_nodes)
        node = {};
    VolumeExtent extent;
    if (Errno error = find_fat_volume(device, extent); error != Errno::Success)
        return error == Errno::NoEntry ? Errno::Invalid : error;
    m_volume_start = extent.first_sector;
    m_device_sectors_per_sector = 1;
    alignas(8) u8 boot[device_sector_size];
    if (Errno error = device.read(m_volume_start, Bytes(boot, sizeof(boot))); error != Errno::Success)
        return error;

    u32 bytes_per_sector = load16(boot + 11);
    u32 sectors_per_cluster = boot[13];
    u32 reserved = load16(boot + 14);
    u32 fats = boot[16];
    u32 root_entries = load16(boot + 17);
    u64 total = load16(boot + 19) != 0 ? load16(boot + 19) : load32(boot + 32);
    u32 fat_sectors = load16(boot + 22) != 0 ? load16(boot + 22) : load32(boot + 36);
    bool fat32_layout = load16(boot + 22) == 0;
    if (!power_of_two(bytes_per_sector) || bytes_per_sector < 512 || bytes_per_sector > 4096)
        return Errno::Invalid;
    if (!power_of_two(sectors_per_cluster) || bytes_per_sector * sectors_per_cluster > 65536)
        return Errno::Invalid;
    if (reserved == 0 || fats == 0 || fats > 4 || fat_sectors == 0 || total == 0)
        return Errno::Invalid;
    m_device_sectors_per_sector = bytes_per_sector / device_sector_size;
    if (total > extent.sector_count / m_device_sectors_per_sector)
        return Errno::Invalid; // the volume claims more sectors than its disk or partition has
    u64 root_sectors = (static_cast<u64>(root_entries) * entry_size + bytes_per_sector - 1) / bytes_per_sector;
    u64 data = reserved + static_cast<u64>(fats) * fat_sectors + root_sectors;
    if (data >= total)
        return Errno::Invalid;
    u64 clusters = (total - data) / sectors_per_cluster;
    if (clusters == 0 || clusters > 0x0FFFFFF5)
        return Errno::Invalid;

    m_sector_size = bytes_per_sector;
    m_sectors_per_cluster = sectors_per_cluster;
    m_cluster_size = bytes_per_sector * sectors_per_cluster;
    m_reserved_sectors = reserved;
    m_fat_count = fats;
    m_fat_sectors = fat_sectors;
    m_root_entries = root_entries;
    m_root_sector = reserved + static_cast<u64>(fats) * fat_sectors;
    m_data_sector = data;
    m_total_sectors = total;
    m_cluster_count = static_cast<u32>(clusters);
    m_type = clusters < 4085 ? FatType::Fat12 : clusters < 65525 ? FatType::Fat16 : FatType::Fat32;
    m_fsinfo_sector = 0;
    m_root_cluster = 0;

    // The FAT must hold an entry for every cluster (and the two reserved ones).
    u64 fat_bits = static_cast<u64>(fat_sectors) * bytes_per_sector * 8;
    u64 needed_bits = (static_cast<u64>(m_cluster_count) + 2) * static_cast<u32>(m_type);
    if (fat_bits < needed_bits)
        return Errno::Invalid;
    if (m_type == FatType::Fat32) {
        if (!fat32_layout || root_entries != 0)
            return Errno::Invalid;
        m_root_cluster = load32(boot + 44);
        if (!in_range(m_root_cluster))
            return Errno::Invalid;
        u32 fsinfo = load16(boot + 48);
        if (fsinfo != 0 && fsinfo < reserved)
            m_fsinfo_sector = fsinfo;
    } else if (root_entries == 0) {
        return Errno::Invalid;
    }

    m_read_only = true; // until the FAT has been checked
    m_corrupt = false;
    m_mounted = true;
    Node& root = m_nodes[root_node];
    root.references = 1;
    root.directory = true;
    root.is_root = true;
    root.first_cluster = m_root_cluster;

    // One pass over the FAT: the free count, the first free cluster, and any entry no chain may
    // hold (a value outside the cluster range that is not end-of-chain or bad): the volume is
    // then inconsistent and stays read-only.
    m_free_count = 0;
    m_next_free = 0;
    bool consistent = true;
    u32 end = end_of_chain();
    for (u32 cluster = 2; cluster < m_cluster_count + 2; ++cluster) {
        u32 value;
        if (Errno error = fat_get(cluster, value); error != Errno::Success)
            return error;
        if (value == 0) {
            ++m_free_count;
            if (m_next_free == 0)
                m_next_free = cluster;
        } else if (!in_range(value) && value != end - 1 && value < end) {
            consistent = false;
        }
    }
    if (m_next_free == 0)
        m_next_free = 2;
    // A root directory chain that does not end well makes the volume read-only at once.
    if (m_type == FatType::Fat32) {
        u32 length, last;
        if (chain_length(m_root_cluster, length, last) != Errno::Success)
            consistent = false;
    }
    if (!consistent)
        m_corrupt = true;
    m_read_only = options.read_only || !consistent;
    if (m_fsinfo_sector != 0) {
        Slot* slot;
        if (Errno error = cached(m_fsinfo_sector, false, slot); error != Errno::Success)
            return error;
        bool valid = load32(slot->data) == fsinfo_lead && load32(slot->data + 484) == fsinfo_middle && load32(slot->data + 508) == fsinfo_trail;
        if (!valid)
            m_fsinfo_sector = 0;
        else if (load32(slot->data + 488) != m_free_count)
            m_fsinfo_dirty = true; // corrected at the first change
    }
    return Errno::Success;
}

Errno Volume::sync()
{
    if (!m_mounted)
        return Errno::BadFileDescriptor;
    if (!m_read_only && m_fsinfo_dirty) {
        if (Errno error = write_fsinfo(); error != Errno::Success)
            return error;
    }
    return barrier();
}

Errno Volume::writable() const
{
    if (!m_mounted)
        return Errno::BadFileDescriptor;
    return m_read_only ? Errno::ReadOnlyFileSystem : Errno::Success;
}

// --- sectors ----------------------------------------------------------------------------------

Errno Volume::device_read(u64 sector, u32 count, u8* buffer)
{
    if (sector >= m_total_sectors || count > m_total_sectors - sector)
        return Errno::Io;
    u64 device_sector = m_volume_start + sector * m_device_sectors_per_sector;
    return m_device->read(device_sector, Bytes(buffer, static_cast<usize>(count) * m_sector_size));
}

Errno Volume::device_write(u64 sector, u32 count, const u8* buffer)
{
    if (sector >= m_total_sectors || count > m_total_sectors - sector)
        return Errno::Io;
    u64 device_sector = m_volume_start + sector * m_device_sectors_per_sector;
    return m_device->write(device_sector, ReadonlyBytes(buffer, static_cast<usize>(count) * m_sector_size));
}

Errno Volume::write_back(Slot& slot)
{
    if (!slot.dirty)
        return Errno::Success;
    if (slot.fat) {
        // Every copy of the FAT carries the same entry.
        for (u32 copy = 0; copy < m_fat_count; ++copy) {
            if (Errno error = device_write(slot.sector + static_cast<u64>(copy) * m_fat_sectors, 1, slot.data); error != Errno::Success)
                return error;
        }
    } else if (Errno error = device_write(slot.sector, 1, slot.data); error != Errno::Success) {
        return error;
    }
    slot.dirty = false;
    return Errno::Success;
}

// A sector through the cache. Evicting a dirty slot writes it early: harmless, because every
// write that must wait for another is separated from it by a barrier() (the cache never holds
// writes from two sides of a barrier).
Errno Volume::cached(u64 sector, bool fat, Slot*& out, bool load)
{
    Slot* victim = nullptr;
    for (auto& slot : m_slots) {
        if (slot.valid && slot.sector == sector) {
            slot.used = ++m_clock;
            out = &slot;
            return Errno::Success;
        }
        if (!victim || !slot.valid || (victim->valid && slot.used < victim->used))
            victim = &slot;
    }
    if (victim->valid) {
        if (Errno error = write_back(*victim); error != Errno::Success)
            return error;
    }
    victim->valid = false;
    if (load) {
        if (Errno error = device_read(sector, 1, victim->data); error != Errno::Success)
            return error;
    } else {
        __builtin_memset(victim->data, 0, m_sector_size);
    }
    victim->valid = true;
    victim->dirty = false;
    victim->fat = fat;
    victim->sector = sector;
    victim->used = ++m_clock;
    out = victim;
    return Errno::Success;
}

// Direct data writes supersede what the cache holds for those sectors.
void Volume::forget(u64 sector, u32 count)
{
    for (auto& slot : m_slots) {
        if (slot.valid && slot.sector >= sector && slot.sector < sector + count && !slot.fat)
            slot = {};
    }
}

// Everything written so far reaches the disk before anything written after: the cache's dirty
// sectors are written, then the device flushes.
Errno Volume::barrier()
{
    // FAT sectors first, then the rest: within one barrier the order does not matter for
    // consistency, but a fixed order keeps recorded workloads reproducible.
    for (int pass = 0; pass < 2; ++pass) {
        for (auto& slot : m_slots) {
            if (slot.valid && slot.dirty && slot.fat == (pass == 0)) {
                if (Errno error = write_back(slot); error != Errno::Success)
                    return error;
            }
        }
    }
    return m_device->flush();
}

// --- the FAT ------------------------------------------------------------------------------------

u32 Volume::end_of_chain() const
{
    switch (m_type) {
    case FatType::Fat12: return 0xFF8;
    case FatType::Fat16: return 0xFFF8;
    case FatType::Fat32: return 0x0FFFFFF8;
    }
    return 0x0FFFFFF8;
}

Errno Volume::fat_get(u32 cluster, u32& value)
{
    if (cluster >= m_cluster_count + 2)
        return corrupt();
    u64 offset = m_type == FatType::Fat12 ? cluster + cluster / 2 : static_cast<u64>(cluster) * (static_cast<u32>(m_type) / 8);
    auto byte_at = [&](u64 at, u8& byte) {
        Slot* slot;
        if (Errno error = cached(m_reserved_sectors + at / m_sector_size, true, slot); error != Errno::Success)
            return error;
        byte = slot->data[at % m_sector_size];
        return Errno::Success;
    };
    u32 bytes = m_type == FatType::Fat32 ? 4 : 2;
    value = 0;
    for (u32 i = 0; i < bytes; ++i) {
        u8 byte;
        if (Errno error = byte_at(offset + i, byte); error != Errno::Success)
            return error;
        value |= static_cast<u32>(byte) << (8 * i);
    }
    if (m_type == FatType::Fat12)
        value = (cluster & 1) ? value >> 4 : value & 0xFFF;
    else if (m_type == FatType::Fat32)
        value &= 0x0FFFFFFF;
    return Errno::Success;
}

Errno Volume::fat_set(u32 cluster, u32 value)
{
    if (!in_range(cluster))
        return corrupt();
    u64 offset = m_type == FatType::Fat12 ? cluster + cluster / 2 : static_cast<u64>(cluster) * (static_cast<u32>(m_type) / 8);
    auto update = [&](u64 at, u8 keep_mask, u8 bits) {
        Slot* slot;
        if (Errno error = cached(m_reserved_sectors + at / m_sector_size, true, slot); error != Errno::Success)
            return error;
        u8& byte = slot->data[at % m_sector_size];
        byte = static_cast<u8>((byte & keep_mask) | bits);
        slot->dirty = true;
        return Errno::Success;
    };
    Errno error = Errno::Success;
    switch (m_type) {
    case FatType::Fat12:
        value &= 0xFFF;
        if (cluster & 1) {
            error = update(offset, 0x0F, static_cast<u8>((value << 4) & 0xF0));
            if (error == Errno::Success)
                error = update(offset + 1, 0x00, static_cast<u8>(value >> 4));
        } else {
            error = update(offset, 0x00, static_cast<u8>(value));
            if (error == Errno::Success)
                error = update(offset + 1, 0xF0, static_cast<u8>((value >> 8) & 0x0F));
        }
        break;
    case FatType::Fat16:
        for (u32 i = 0; i < 2 && error == Errno::Success; ++i)
            error = update(offset + i, 0, static_cast<u8>(value >> (8 * i)));
        break;
    case FatType::Fat32:
        // The top four bits are reserved and kept.
        for (u32 i = 0; i < 4 && error == Errno::Success; ++i)
            error = update(offset + i, i == 3 ? 0xF0 : 0x00, static_cast<u8>((value & 0x0FFFFFFF) >> (8 * i)) & (i == 3 ? 0x0F : 0xFF));
        break;
    }
    return error;
}

Errno Volume::next_cluster(u32 cluster, u32& next, bool& end)
{
    end = false;
    if (!in_range(cluster))
        return corrupt();
    u32 value;
    if (Errno error = fat_get(cluster, value); error != Errno::Success)
        return error;
    if (value >= end_of_chain()) {
        end = true;
        return Errno::Success;
    }
    // A free cluster, the reserved values 1 and bad-cluster, or past the last cluster: no chain
    // goes on from here.
    if (!in_range(value))
        return corrupt();
    next = value;
    return Errno::Success;
}

// Walks the whole chain (at most cluster-count steps: a longer walk is a loop).
Errno Volume::chain_length(u32 first, u32& length, u32& last)
{
    length = 0;
    last = first;
    u32 cluster = first;
    for (u32 steps = 0; steps <= m_cluster_count; ++steps) {
        u32 next;
        bool end;
        if (Errno error = next_cluster(cluster, next, end); error != Errno::Success)
            return error;
        ++length;
        last = cluster;
        if (end)
            return Errno::Success;
        cluster = next;
    }
    return corrupt();
}

// `count` free clusters chained to each other and ended, not linked to anything yet (so lost
// clusters if power fails before the caller links them). Searched from `prefer` (the cluster
// after a file's last, to keep it contiguous), else from the next-free hint, wrapping once.
Errno Volume::allocate_chain(u32 count, u32 prefer, u32& first, u32& last)
{
    if (count == 0)
        return Errno::Invalid;
    if (count > m_free_count)
        return Errno::NoSpace;
    u32 start = in_range(prefer) ? prefer : (in_range(m_next_free) ? m_next_free : 2);
    u32 previous = 0;
    u32 cursor = start;
    u32 examined = 0;
    first = 0;
    for (u32 found = 0; found < count;) {
        if (examined++ > m_cluster_count)
            return corrupt(); // the free count said there was room
        u32 value;
        if (Errno error = fat_get(cursor, value); error != Errno::Success)
            return error;
        if (value == 0) {
            if (Errno error = fat_set(cursor, 0x0FFFFFFF); error != Errno::Success)
                return error;
            if (previous != 0) {
                if (Errno error = fat_set(previous, cursor); error != Errno::Success)
                    return error;
            } else {
                first = cursor;
            }
            previous = cursor;
            --m_free_count;
            ++found;
        }
        cursor = cursor + 1 < m_cluster_count + 2 ? cursor + 1 : 2;
    }
    last = previous;
    m_next_free = cursor;
    m_fsinfo_dirty = true;
    return Errno::Success;
}

// Frees a chain nothing points to any more (the caller unlinked it behind a barrier first).
Errno Volume::free_chain(u32 first)
{
    u32 cluster = first;
    for (u32 steps = 0; steps <= m_cluster_count; ++steps) {
        u32 next = 0;
        bool end;
        if (Errno error = next_cluster(cluster, next, end); error != Errno::Success)
            return error;
        if (Errno error = fat_set(cluster, 0); error != Errno::Success)
            return error;
        m_walk_valid = false;
        ++m_free_count;
        if (cluster < m_next_free)
            m_next_free = cluster;
        m_fsinfo_dirty = true;
        if (end)
            return Errno::Success;
        cluster = next;
    }
    return corrupt();
}

Errno Volume::zero_cluster(u32 cluster)
{
    u64 first = cluster_sector(cluster);
    for (u32 i = 0; i < m_sectors_per_cluster; ++i) {
        Slot* slot;
        if (Errno error = cached(first + i, false, slot, false); error != Errno::Success)
            return error;
        slot->dirty = true;
    }
    return Errno::Success;
}

Errno Volume::write_fsinfo()
{
    if (m_fsinfo_sector == 0) {
        m_fsinfo_dirty = false;
        return Errno::Success;
    }
    Slot* slot;
    if (Errno error = cached(m_fsinfo_sector, false, slot); error != Errno::Success)
        return error;
    store32(slot->data + 488, m_free_count);
    store32(slot->data + 492, m_next_free);
    slot->dirty = true;
    m_fsinfo_dirty = false;
    return Errno::Success;
}

} // namespace ath::fat

namespace ath::fat {

Errno Volume::finish()
{
    if (m_fsinfo_dirty) {
        if (Errno error = write_fsinfo(); error != Errno::Success)
            return error;
    }
    return barrier();
}

} // namespace ath::fat
