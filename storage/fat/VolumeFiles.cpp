// Open nodes and file contents: read, write, growing and shrinking a file's chain in the update
// order of docs/storage.md.
#include "Volume.h"

namespace ath::fat {

Volume::Node* Volume::node(NodeId id)
{
    if (!m_mounted || id >= max_nodes || m_nodes[id].references == 0)
        return nullptr;
    return &m_nodes[id];
}

bool Volume::is_directory(NodeId id) const
{
    return id < max_nodes && m_nodes[id].references != 0 && m_nodes[id].directory;
}

Volume::Node* Volume::open_node_at(const Location& at)
{
    for (auto& candidate : m_nodes) {
        if (candidate.references != 0 && !candidate.is_root && !candidate.unlinked && candidate.at == at)
            return &candidate;
    }
    return nullptr;
}

// The node of the entry at `at` (`raw` is the entry): the open one, or a new one checked against
// the volume (a chain start outside the cluster range is EIO).
Errno Volume::node_for(const Location& at, const u8* raw, NodeId& id)
{
    if (Node* open = open_node_at(at)) {
        ++open->references;
        id = static_cast<NodeId>(open - m_nodes);
        return Errno::Success;
    }
    bool directory = raw[entry::attributes] & entry::directory;
    u32 cluster = entry_cluster(raw);
    if ((cluster != 0 || directory) && !in_range(cluster))
        return corrupt();
    for (NodeId i = 1; i < max_nodes; ++i) {
        Node& slot = m_nodes[i];
        if (slot.references != 0)
            continue;
        slot = {};
        slot.references = 1;
        slot.directory = directory;
        slot.at = at;
        slot.first_cluster = cluster;
        slot.size = directory ? 0 : load32(raw + entry::size);
        id = i;
        return Errno::Success;
    }
    return Errno::TooManyFiles;
}

Errno Volume::open(NodeId directory, StringView path, const OpenOptions& options, NodeId& id)
{
    Target target;
    if (Errno error = resolve(directory, path, target); error != Errno::Success)
        return error;
    if (target.names_directory_itself) {
        if (options.create && options.exclusive)
            return Errno::Exists;
        if (options.write || options.truncate)
            return Errno::IsDirectory;
        if (target.self_is_root) {
            retain(root_node);
            id = root_node;
            return Errno::Success;
        }
        if (target.self_is_start) {
            retain(target.start);
            id = target.start;
            return Errno::Success;
        }
        Found found;
        bool is_root;
        if (Errno error = entry_of_target(target, found, is_root); error != Errno::Success)
            return error;
        return node_for(found.at, found.raw, id);
    }
    Found found;
    Errno looked = lookup(target.parent, target.name, found);
    if (looked == Errno::Success) {
        if (options.create && options.exclusive)
            return Errno::Exists;
        bool is_directory = found.raw[entry::attributes] & entry::directory;
        if (is_directory && (options.write || options.truncate))
            return Errno::IsDirectory;
        if (!is_directory && (options.directory || target.trailing_slash))
            return Errno::NotDirectory;
        if (Errno error = node_for(found.at, found.raw, id); error != Errno::Success)
            return error;
        if (options.truncate) {
            Errno error = set_size(id, 0);
            if (error != Errno::Success) {
                close(id);
                return error;
            }
        }
        return Errno::Success;
    }
    if (looked != Errno::NoEntry || !options.create)
        return looked;
    if (options.directory || target.trailing_slash)
        return Errno::Invalid;
    if (Errno error = writable(); error != Errno::Success)
        return error;
    u8 raw[entry_size];
    fresh_entry(raw, entry::archive, 0);
    Location at;
    if (Errno error = add_entry(target.parent, target.name, raw, at); error != Errno::Success)
        return error;
    if (Errno error = finish(); error != Errno::Success)
        return error;
    return node_for(at, raw, id);
}

void Volume::retain(NodeId id)
{
    if (Node* n = node(id))
        ++n->references;
}

// The last close of a node whose entry was removed frees its clusters (lost clusters if power
// is cut before: never reachable from an entry again).
void Volume::close(NodeId id)
{
    Node* n = node(id);
    if (!n || (n->is_root && n->references == 1))
        return;
    if (--n->references != 0)
        return;
    if (n->unlinked && n->first_cluster != 0 && writable() == Errno::Success) {
        if (free_chain(n->first_cluster) == Errno::Success)
            (void)finish();
    }
    *n = {};
}

Errno Volume::stat(NodeId id, NodeStat& stat)
{
    Node* n = node(id);
    if (!n)
        return Errno::BadFileDescriptor;
    if (n->is_root)
        return stat_location({}, true, stat);
    if (n->unlinked) {
        stat = {};
        stat.directory = n->directory;
        stat.size = n->size;
        stat.inode = inode_of(n->at, false);
        return Errno::Success;
    }
    if (Errno error = stat_location(n->at, false, stat); error != Errno::Success)
        return error;
    stat.size = n->directory ? 0 : n->size;
    return Errno::Success;
}

Errno Volume::set_times(NodeId id, const TimeChange& change)
{
    Node* n = node(id);
    if (!n)
        return Errno::BadFileDescriptor;
    if (Errno error = writable(); error != Errno::Success)
        return error;
    if (n->is_root || n->unlinked)
        return Errno::Success;
    u8 raw[entry_size];
    bool beyond;
    if (Errno error = read_entry(n->at.directory, n->at.index, raw, beyond); error != Errno::Success)
        return error;
    if (beyond)
        return corrupt();
    if (change.set_access)
        store16(raw + entry::access_date, fat_from_ns(change.access_ns).date);
    if (change.set_modify) {
        FatTimestamp stamp = fat_from_ns(change.modify_ns);
        store16(raw + entry::write_date, stamp.date);
        store16(raw + entry::write_time, stamp.time);
    }
    if (Errno error = write_entry(n->at.directory, n->at.index, raw); error != Errno::Success)
        return error;
    return finish();
}

// The cluster holding byte `index * cluster_size` of the node, walking from the remembered
// position when it is not past the wanted one. A chain shorter than the size says is EIO.
Errno Volume::cluster_at(Node& n, u32 index, u32& cluster)
{
    if (index >= m_cluster_count || n.first_cluster == 0)
        return corrupt();
    u32 at = 0;
    u32 current = n.first_cluster;
    if (n.walk_cluster != 0 && n.walk_index <= index) {
        at = n.walk_index;
        current = n.walk_cluster;
    }
    while (at < index) {
        u32 next;
        bool end;
        if (Errno error = next_cluster(current, next, end); error != Errno::Success)
            return error;
        if (end)
            return corrupt();
        current = next;
        ++at;
    }
    if (!in_range(current))
        return corrupt();
    n.walk_index = index;
    n.walk_cluster = current;
    cluster = current;
    return Errno::Success;
}

// Moves `length` bytes at `offset` of the node's chain to `read_into` or from `write_from` (null:
// zeros). Whole sectors go straight to the device, partial ones through the cache.
Errno Volume::transfer(Node& n, u64 offset, u8* read_into, const u8* write_from, usize length)
{
    static constexpr u8 zeros[4096] = {};
    usize done = 0;
    while (done < length) {
        u64 at = offset + done;
        u32 cluster;
        if (Errno error = cluster_at(n, static_cast<u32>(at / m_cluster_size), cluster); error != Errno::Success)
            return error;
        u32 within = static_cast<u32>(at % m_cluster_size);
        usize piece = m_cluster_size - within;
        if (piece > length - done)
            piece = length - done;
        u64 sector = cluster_sector(cluster) + within / m_sector_size;
        u32 sector_offset = within % m_sector_size;
        usize moved = 0;
        while (moved < piece) {
            usize in_sector = m_sector_size - sector_offset;
            if (in_sector > piece - moved)
                in_sector = piece - moved;
            bool whole = sector_offset == 0 && in_sector == m_sector_size;
            if (whole && read_into) {
                Slot* slot = nullptr;
                for (auto& candidate : m_slots) {
                    if (candidate.valid && candidate.sector == sector && !candidate.fat)
                        slot = &candidate;
                }
                if (slot) {
                    __builtin_memcpy(read_into + done + moved, slot->data, m_sector_size);
                } else if (Errno error = device_read(sector, 1, read_into + done + moved); error != Errno::Success) {
                    return error;
                }
            } else if (whole) {
                forget(sector, 1);
                const u8* source = write_from ? write_from + done + moved : zeros;
                if (Errno error = device_write(sector, 1, source); error != Errno::Success)
                    return error;
            } else {
                Slot* slot;
                if (Errno error = cached(sector, false, slot); error != Errno::Success)
                    return error;
                if (read_into) {
                    __builtin_memcpy(read_into + done + moved, slot->data + sector_offset, in_sector);
                } else {
                    if (write_from)
                        __builtin_memcpy(slot->data + sector_offset, write_from + done + moved, in_sector);
                    else
                        __builtin_memset(slot->data + sector_offset, 0, in_sector);
                    slot->dirty = true;
                }
            }
            moved += in_sector;
            sector_offset = 0;
            ++sector;
        }
        done += piece;
    }
    return Errno::Success;
}

Errno Volume::read(NodeId id, u64 offset, Bytes buffer, usize& done)
{
    done = 0;
    Node* n = node(id);
    if (!n)
        return Errno::BadFileDescriptor;
    if (n->directory)
        return Errno::IsDirectory;
    if (offset >= n->size || buffer.is_empty())
        return Errno::Success;
    usize length = buffer.size();
    if (length > n->size - offset)
        length = static_cast<usize>(n->size - offset);
    if (Errno error = transfer(*n, offset, buffer.data(), nullptr, length); error != Errno::Success)
        return error;
    // Reading up to the end: the chain must end after it too. Clusters past the size that end
    // well are tolerated (a cut during an append leaves them: fsck.fat trims them); a chain that
    // loops or breaks there means the clusters read may belong to something else.
    if (offset + length == n->size) {
        u32 last, next;
        bool end;
        if (Errno error = cluster_at(*n, static_cast<u32>((n->size - 1) / m_cluster_size), last); error != Errno::Success)
            return error;
        if (Errno error = next_cluster(last, next, end); error != Errno::Success)
            return error;
        u32 excess, excess_last;
        if (!end) {
            if (Errno error = chain_length(next, excess, excess_last); error != Errno::Success)
                return error;
        }
    }
    done = length;
    return Errno::Success;
}

// The node's entry brought up to date (first cluster, size; the modification time when asked).
Errno Volume::update_entry(Node& n, bool touch_modify)
{
    if (n.is_root || n.unlinked)
        return Errno::Success;
    u8 raw[entry_size];
    bool beyond;
    if (Errno error = read_entry(n.at.directory, n.at.index, raw, beyond); error != Errno::Success)
        return error;
    if (beyond)
        return corrupt();
    set_entry_cluster(raw, n.first_cluster);
    if (!n.directory)
        store32(raw + entry::size, n.size);
    if (touch_modify) {
        FatTimestamp stamp = fat_from_ns(now());
        store16(raw + entry::write_date, stamp.date);
        store16(raw + entry::write_time, stamp.time);
        store16(raw + entry::access_date, stamp.date);
        raw[entry::attributes] |= n.directory ? 0 : entry::archive;
    }
    return write_entry(n.at.directory, n.at.index, raw);
}

// Makes the chain long enough for `new_size` bytes. The new clusters are allocated as a chain of
// their own; a file that had clusters gets them linked after its last one behind a barrier (the
// allocation is on disk before anything points to it). The caller then writes the data, a
// barrier, and only then the entry's size: a cut leaves lost clusters or a chain longer than the
// size (fsck.fat trims it), never a size the chain does not cover. An empty file's first cluster
// is written with its size, in one entry, so its data may share the allocation's epoch.
Errno Volume::extend(Node& n, u64 new_size)
{
    u64 have_bytes = 0;
    u32 last = 0;
    if (n.first_cluster != 0) {
        // The cluster holding the last byte (the remembered walk makes appends cheap), then any
        // clusters a cut left past the size: they are reused, not leaked.
        u32 index = n.size == 0 ? 0 : static_cast<u32>((static_cast<u64>(n.size) - 1) / m_cluster_size);
        if (Errno error = cluster_at(n, index, last); error != Errno::Success)
            return error;
        u32 next;
        bool end;
        if (Errno error = next_cluster(last, next, end); error != Errno::Success)
            return error;
        u32 extra = 0;
        if (!end) {
            u32 excess_last;
            if (Errno error = chain_length(next, extra, excess_last); error != Errno::Success)
                return error;
            last = excess_last;
        }
        have_bytes = (static_cast<u64>(index) + 1 + extra) * m_cluster_size;
    }
    if (new_size <= have_bytes)
        return Errno::Success;
    u64 needed = (new_size - have_bytes + m_cluster_size - 1) / m_cluster_size;
    if (needed > m_free_count)
        return Errno::NoSpace;
    u32 first, new_last;
    if (Errno error = allocate_chain(static_cast<u32>(needed), last != 0 ? last + 1 : 0, first, new_last); error != Errno::Success)
        return error;
    if (n.first_cluster == 0) {
        n.first_cluster = first; // written with the size, in one entry
        return Errno::Success;
    }
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    return fat_set(last, first);
}

Errno Volume::write(NodeId id, u64 offset, ReadonlyBytes buffer, usize& done)
{
    done = 0;
    Node* n = node(id);
    if (!n)
        return Errno::BadFileDescriptor;
    if (n->directory)
        return Errno::IsDirectory;
    if (Errno error = writable(); error != Errno::Success)
        return error;
    if (buffer.is_empty())
        return Errno::Success;
    if (offset >= 0xFFFFFFFFull)
        return Errno::FileTooBig;
    // As much as fits (the file size limit, the free clusters): a short write, or ENOSPC/EFBIG
    // when nothing does.
    u64 length = buffer.size();
    if (length > 0xFFFFFFFFull - offset)
        length = 0xFFFFFFFFull - offset;
    u64 allocated = n->first_cluster == 0 ? 0 : (static_cast<u64>(n->size) + m_cluster_size - 1) / m_cluster_size * m_cluster_size;
    u64 room = allocated + static_cast<u64>(m_free_count) * m_cluster_size;
    if (offset + length > room) {
        if (offset >= room)
            return Errno::NoSpace;
        length = room - offset;
    }
    buffer = buffer.slice(0, static_cast<usize>(length));
    u64 end = offset + length;
    if (end > n->size) {
        if (Errno error = extend(*n, end); error != Errno::Success)
            return error;
        // Bytes between the old end and the write are zeros (FAT has no holes).
        if (offset > n->size) {
            if (Errno error = transfer(*n, n->size, nullptr, nullptr, static_cast<usize>(offset - n->size)); error != Errno::Success)
                return error;
        }
    }
    if (Errno error = transfer(*n, offset, nullptr, buffer.data(), buffer.size()); error != Errno::Success)
        return error;
    if (end > n->size) {
        // The data is on disk before the size that exposes it.
        if (Errno error = barrier(); error != Errno::Success)
            return error;
        n->size = static_cast<u32>(end);
    }
    if (Errno error = update_entry(*n, true); error != Errno::Success)
        return error;
    if (Errno error = finish(); error != Errno::Success)
        return error;
    done = buffer.size();
    return Errno::Success;
}

// The size goes down first (barrier), then the chain is ended at its new last cluster (barrier),
// then the clusters past it are freed: a cut leaves a chain longer than the size, or lost
// clusters.
Errno Volume::shrink(Node& n, u64 new_size)
{
    u32 keep = static_cast<u32>((new_size + m_cluster_size - 1) / m_cluster_size);
    u32 old_first = n.first_cluster;
    u32 cut_after = 0;
    if (keep > 0 && old_first != 0) {
        if (Errno error = cluster_at(n, keep - 1, cut_after); error != Errno::Success)
            return error;
    }
    n.size = static_cast<u32>(new_size);
    if (keep == 0)
        n.first_cluster = 0;
    n.walk_cluster = 0;
    n.walk_index = 0;
    if (Errno error = update_entry(n, true); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    if (old_first == 0)
        return Errno::Success;
    u32 rest = old_first;
    if (keep > 0) {
        bool end;
        if (Errno error = next_cluster(cut_after, rest, end); error != Errno::Success)
            return error;
        if (end)
            return Errno::Success;
        if (Errno error = fat_set(cut_after, 0x0FFFFFFF); error != Errno::Success)
            return error;
        if (Errno error = barrier(); error != Errno::Success)
            return error;
    }
    return free_chain(rest);
}

Errno Volume::set_size(NodeId id, u64 size)
{
    Node* n = node(id);
    if (!n)
        return Errno::BadFileDescriptor;
    if (n->directory)
        return Errno::IsDirectory;
    if (Errno error = writable(); error != Errno::Success)
        return error;
    if (size > 0xFFFFFFFFull)
        return Errno::FileTooBig;
    if (size > n->size) {
        if (Errno error = extend(*n, size); error != Errno::Success)
            return error;
        if (Errno error = transfer(*n, n->size, nullptr, nullptr, static_cast<usize>(size - n->size)); error != Errno::Success)
            return error;
        if (Errno error = barrier(); error != Errno::Success)
            return error;
        n->size = static_cast<u32>(size);
        if (Errno error = update_entry(*n, true); error != Errno::Success)
            return error;
    } else if (size < n->size || size == 0) {
        if (Errno error = shrink(*n, size); error != Errno::Success)
            return error;
    } else {
        if (Errno error = update_entry(*n, true); error != Errno::Success)
            return error;
    }
    return finish();
}

Errno Volume::fragments(NodeId id, u32& count)
{
    count = 0;
    Node* n = node(id);
    if (!n)
        return Errno::BadFileDescriptor;
    u32 cluster = n->is_root ? m_root_cluster : n->first_cluster;
    if (cluster == 0)
        return Errno::Success;
    count = 1;
    for (u32 steps = 0; steps <= m_cluster_count; ++steps) {
        u32 next;
        bool end;
        if (Errno error = next_cluster(cluster, next, end); error != Errno::Success)
            return error;
        if (end)
            return Errno::Success;
        if (next != cluster + 1)
            ++count;
        cluster = next;
    }
    return corrupt();
}

} // namespace ath::fat
