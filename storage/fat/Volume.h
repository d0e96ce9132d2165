#pragma once

// A mounted FAT12/16/32 volume (docs/storage.md "The FAT layer"): files and directories by path
// below an open directory node, long names, and an update order that leaves the volume
// repairable by fsck.fat (lost clusters at worst, never cross-links or broken chains) whatever
// prefix of its writes reaches the disk. Freestanding: no allocation, no exceptions; a Volume
// holds its sector cache and node table (about 50 KiB), so it lives where its owner puts it.
//
// Bad input: every on-disk value is range-checked before use and every chain walk is bounded by
// the cluster count. A volume found inconsistent (a chain that loops, leaves the cluster range or
// runs into a free cluster; a directory entry pointing outside the data area) answers EIO for the
// affected file and turns read-only (EROFS for every later change); a boot sector that does not
// describe a FAT volume is refused at mount (EINVAL).
#include "BlockDevice.h"
#include "Layout.h"
#include "Names.h"

namespace ath::fat {

enum class FatType : u8 { Fat12 = 12, Fat16 = 16, Fat32 = 32 };

// A file or directory the volume has open; the root directory is always open as `root_node`.
using NodeId = u32;
inline constexpr NodeId root_node = 0;
inline constexpr NodeId max_nodes = 256;

struct NodeStat {
    bool directory { false };
    u64 size { 0 };
    u64 inode { 0 };  // where its entry is; stable while it is not renamed
    u64 access_ns { 0 };
    u64 modify_ns { 0 };
    u64 create_ns { 0 };
    u8 attributes { 0 };
};

struct OpenOptions {
    bool create { false };
    bool exclusive { false };
    bool directory { false }; // must be a directory (ENOTDIR otherwise)
    bool truncate { false };
    bool write { false };     // the caller will write (a directory cannot be opened so: EISDIR)
};

struct MountOptions {
    bool read_only { false };
    // Nanoseconds since 1970 (UTC) for timestamps; null: every new time is 1980-01-01.
    u64 (*now_ns)() { nullptr };
};

class DirectoryVisitor {
public:
    // `next` is the cookie that continues after this entry; false stops the listing.
    virtual bool entry(u64 next, u64 inode, bool directory, StringView name) = 0;

protected:
    ~DirectoryVisitor() = default;
};

struct TimeChange {
    bool set_access { false };
    bool set_modify { false };
    u64 access_ns { 0 };
    u64 modify_ns { 0 };
};

class Volume {
public:
    Volume() = default;
    Volume(const Volume&) = delete;
    Volume& operator=(const Volume&) = delete;

    // Finds the FAT volume of `device` (whole disk or first FAT partition, Partition.h), checks its
    // boot sector and FAT, and mounts it (read-only when asked, or when the FAT is inconsistent).
    Errno mount(BlockDevice& device, const MountOptions& options);
    // Writes what is pending (FSInfo included) and flushes. Open nodes stay usable.
    Errno sync();

    bool is_read_only() const { return m_read_only; }
    bool found_corruption() const { return m_corrupt; }
    FatType type() const { return m_type; }
    u32 cluster_count() const { return m_cluster_count; }
    u32 cluster_size() const { return m_cluster_size; }
    u32 free_clusters() const { return m_free_count; }

    // --- nodes -----------------------------------------------------------------------------
    Errno open(NodeId directory, StringView path, const OpenOptions& options, NodeId& id);
    void retain(NodeId id);
    void close(NodeId id);
    Errno read(NodeId id, u64 offset, Bytes buffer, usize& done);
    Errno write(NodeId id, u64 offset, ReadonlyBytes buffer, usize& done);
    Errno set_size(NodeId id, u64 size);
    Errno stat(NodeId id, NodeStat& stat);
    Errno set_times(NodeId id, const TimeChange& change);
    // Entries from `cookie` (0: the first; "." and ".." come first, as on Linux).
    Errno read_directory(NodeId id, u64 cookie, DirectoryVisitor& visitor);
    bool is_directory(NodeId id) const;
    // How many contiguous runs the node's chain is in (1: contiguous; 0: no clusters).
    Errno fragments(NodeId id, u32& count);

    // --- paths below a directory node ------------------------------------------------------
    Errno stat_at(NodeId directory, StringView path, NodeStat& stat);
    Errno set_times_at(NodeId directory, StringView path, const TimeChange& change);
    Errno create_directory(NodeId directory, StringView path);
    Errno remove_directory(NodeId directory, StringView path);
    Errno unlink(NodeId directory, StringView path);
    Errno rename(NodeId directory, StringView path, NodeId new_directory, StringView new_path);

private:
    // Where a directory entry is: the directory (its first cluster; 0 is the fixed root area of
    // FAT12/16), the index of its first slot (a long-name entry, or the short entry itself) and
    // the index of its short entry.
    struct Location {
        u32 directory { 0 };
        u32 first { 0 };
        u32 index { 0 };
        bool operator==(const Location&) const = default;
    };
    struct Found {
        Location at;
        u8 raw[entry_size] {};
        LongName name;
    };
    struct Node {
        u32 references { 0 };
        bool directory { false };
        bool is_root { false };
        bool unlinked { false }; // its entry is gone; its clusters are freed at the last close
        Location at;
        u32 first_cluster { 0 };
        u32 size { 0 };
        u32 walk_index { 0 };     // a cluster of its chain remembered for sequential access
        u32 walk_cluster { 0 };
    };
    // What a path names: an entry of a directory, or (last component `.`/`..`, or empty after
    // the walk) a directory itself.
    struct Target {
        u32 parent { 0 };           // the directory the last component is looked up in
        Location parent_at;         // the parent's own entry (when !parent_is_root)
        bool parent_is_root { false };
        bool parent_is_start { false };
        NodeId start { 0 };
        LongName name;              // the last component
        bool trailing_slash { false };
        bool names_directory_itself { false };
        u32 self { 0 };             // names_directory_itself: that directory's cluster
        Location self_at;
        bool self_is_root { false };
        bool self_is_start { false };
        bool last_is_dot { false }; // `.`
        bool last_is_dotdot { false };
    };
    struct Slot {
        u64 sector { 0 };  // volume sector (the first FAT copy's sector for FAT sectors)
        bool valid { false };
        bool dirty { false };
        bool fat { false }; // written to every FAT copy
        u32 used { 0 };
        alignas(8) u8 data[4096];
    };

    // Sectors (Volume.cpp).
    Errno device_read(u64 sector, u32 count, u8* buffer);
    Errno device_write(u64 sector, u32 count, const u8* buffer);
    Errno cached(u64 sector, bool fat, Slot*& out, bool load = true);
    Errno write_back(Slot& slot);
    void forget(u64 sector, u32 count);
    Errno barrier();
    // The volume is inconsistent: read-only from now on, and the caller answers EIO.
    Errno corrupt()
    {
        m_corrupt = true;
        m_read_only = true;
        return Errno::Io;
    }
    Errno writable() const;

    // FAT (Volume.cpp).
    bool in_range(u32 cluster) const { return cluster >= 2 && cluster < m_cluster_count + 2; }
    u32 end_of_chain() const;
    Errno fat_get(u32 cluster, u32& value);
    Errno fat_set(u32 cluster, u32 value);
    // The cluster after `cluster`; `end` at the chain's end; EIO (corruption) otherwise.
    Errno next_cluster(u32 cluster, u32& next, bool& end);
    Errno allocate_chain(u32 count, u32 prefer, u32& first, u32& last);
    Errno free_chain(u32 first);
    Errno chain_length(u32 first, u32& length, u32& last);
    u64 cluster_sector(u32 cluster) const { return m_data_sector + static_cast<u64>(cluster - 2) * m_sectors_per_cluster; }
    Errno zero_cluster(u32 cluster);
    Errno write_fsinfo();
    // FSInfo, then a barrier: the end of every operation that changed the volume.
    Errno finish();
    // A directory's id from the cluster an entry names (0 in a `..` entry: the root).
    u32 directory_id(u32 cluster) const { return cluster == 0 ? m_root_cluster : cluster; }
    bool is_root_directory(u32 directory) const { return directory == m_root_cluster; }

    // Directories (VolumeDirectory.cpp).
    Errno entry_sector(u32 directory, u32 index, u64& sector, u32& offset, bool& beyond);
    Errno read_entry(u32 directory, u32 index, u8* out, bool& beyond);
    Errno write_entry(u32 directory, u32 index, const u8* entry);
    Errno scan(u32 directory, u32& index, Found& found, bool& end);
    Errno lookup(u32 directory, const LongName& name, Found& found);
    Errno short_name_taken(u32 directory, const ShortName& name, bool& taken);
    Errno find_free_slots(u32 directory, u32 count, u32& first);
    Errno grow_directory(u32 directory, u32& new_cluster);
    Errno add_entry(u32 directory, const LongName& name, u8* short_entry, Location& at);
    Errno remove_entries(const Location& at);
    Errno resolve(NodeId start, StringView path, Target& target);
    // resolve() for a change: Read-only (nothing resolved) when the volume cannot be written.
    Errno resolve_for_change(NodeId start, StringView path, Target& target);
    Errno directory_is_empty(u32 directory, bool& empty);
    Errno is_ancestor(u32 ancestor, u32 directory, bool& result);
    Errno stat_location(const Location& at, bool is_root, NodeStat& stat);
    void fill_stat(const u8* raw, const Location& at, NodeStat& stat) const;
    Errno entry_of_target(Target& target, Found& found, bool& is_root);
    Errno fresh_entry(u8* raw, u8 attributes, u32 cluster);
    Errno release_chain(const Location& at, u32 first_cluster);

    // Files (VolumeFiles.cpp).
    Node* node(NodeId id);
    Errno node_for(const Location& at, const u8* raw, NodeId& id);
    Node* open_node_at(const Location& at);
    Errno cluster_at(Node& node, u32 index, u32& cluster);
    Errno transfer(Node& node, u64 offset, u8* read_into, const u8* write_from, usize length);
    Errno update_entry(Node& node, bool touch_modify);
    Errno extend(Node& node, u64 new_size);
    Errno shrink(Node& node, u64 new_size);
    u64 now() const { return m_now ? m_now() : 0; }
    u64 inode_of(const Location& at, bool is_root) const;

    BlockDevice* m_device { nullptr };
    u64 (*m_now)() { nullptr };
    u64 m_volume_start { 0 };   // device sectors
    u32 m_device_sectors_per_sector { 1 };
    u32 m_sector_size { 512 };
    u32 m_sectors_per_cluster { 1 };
    u32 m_cluster_size { 512 };
    u32 m_reserved_sectors { 0 };
    u32 m_fat_count { 0 };
    u32 m_fat_sectors { 0 };
    u64 m_root_sector { 0 };    // FAT12/16 fixed root area
    u32 m_root_entries { 0 };
    u64 m_data_sector { 0 };
    u64 m_total_sectors { 0 };
    u32 m_cluster_count { 0 };
    u32 m_root_cluster { 0 };   // FAT32; 0 on FAT12/16 (the fixed area)
    u32 m_fsinfo_sector { 0 };  // 0: none
    FatType m_type { FatType::Fat32 };
    u32 m_free_count { 0 };
    u32 m_next_free { 2 };
    bool m_fsinfo_dirty { false };
    bool m_read_only { true };
    bool m_corrupt { false };
    bool m_mounted { false };
    u32 m_clock { 0 };
    // The last directory cluster found by entry_sector (directories are read in order).
    bool m_walk_valid { false };
    u32 m_walk_directory { 0 };
    u32 m_walk_index { 0 };
    u32 m_walk_cluster { 0 };
    static constexpr u32 slot_count = 16;
    Slot m_slots[slot_count];
    Node m_nodes[max_nodes];
};

} // namespace ath::fat
