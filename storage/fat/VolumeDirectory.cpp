// Directories: entries and their long names, path resolution confined below a directory node,
// and the operations on names (mkdir, rmdir, unlink, rename, stat, readdir). The order of the
// writes is docs/storage.md's "update order"; each step that must be on disk before the next is
// followed by barrier().
#include "Volume.h"

namespace ath::fat {

namespace {

bool is_dot_entry(const u8* raw) { return raw[0] == '.' && (raw[1] == ' ' || (raw[1] == '.' && raw[2] == ' ')); }

bool is_long_entry(const u8* raw) { return (raw[entry::attributes] & 0x3F) == entry::long_name; }

} // namespace

// --- entries ----------------------------------------------------------------------------------

Errno Volume::entry_sector(u32 directory, u32 index, u64& sector, u32& offset, bool& beyond)
{
    beyond = false;
    u64 byte = static_cast<u64>(index) * entry_size;
    if (directory == 0 && m_type != FatType::Fat32) {
        if (index >= m_root_entries) {
            beyond = true;
            return Errno::Success;
        }
        sector = m_root_sector + byte / m_sector_size;
        offset = static_cast<u32>(byte % m_sector_size);
        return Errno::Success;
    }
    if (index >= max_directory_entries) {
        beyond = true;
        return Errno::Success;
    }
    if (!in_range(directory))
        return corrupt();
    u32 wanted = static_cast<u32>(byte / m_cluster_size);
    u32 at = 0;
    u32 cluster = directory;
    if (m_walk_valid && m_walk_directory == directory && m_walk_index <= wanted) {
        at = m_walk_index;
        cluster = m_walk_cluster;
    }
    while (at < wanted) {
        u32 next;
        bool end;
        if (Errno error = next_cluster(cluster, next, end); error != Errno::Success)
            return error;
        if (end) {
            beyond = true;
            return Errno::Success;
        }
        cluster = next;
        ++at;
    }
    m_walk_valid = true;
    m_walk_directory = directory;
    m_walk_index = wanted;
    m_walk_cluster = cluster;
    u64 within = byte % m_cluster_size;
    sector = cluster_sector(cluster) + within / m_sector_size;
    offset = static_cast<u32>(within % m_sector_size);
    return Errno::Success;
}

Errno Volume::read_entry(u32 directory, u32 index, u8* out, bool& beyond)
{
    u64 sector = 0;
    u32 offset = 0;
    if (Errno error = entry_sector(directory, index, sector, offset, beyond); error != Errno::Success || beyond)
        return error;
    Slot* slot;
    if (Errno error = cached(sector, false, slot); error != Errno::Success)
        return error;
    __builtin_memcpy(out, slot->data + offset, entry_size);
    return Errno::Success;
}

Errno Volume::write_entry(u32 directory, u32 index, const u8* entry)
{
    u64 sector = 0;
    u32 offset = 0;
    bool beyond = false;
    if (Errno error = entry_sector(directory, index, sector, offset, beyond); error != Errno::Success)
        return error;
    if (beyond)
        return corrupt();
    Slot* slot;
    if (Errno error = cached(sector, false, slot); error != Errno::Success)
        return error;
    __builtin_memcpy(slot->data + offset, entry, entry_size);
    slot->dirty = true;
    return Errno::Success;
}

// The next name from raw entry `index` on: its long name when a complete, matching sequence of
// long-name entries precedes the short entry (else the short name), and where it is.
Errno Volume::scan(u32 directory, u32& index, Found& found, bool& end)
{
    end = false;
    u32 expected = 0;      // the sequence number the next long-name entry must have
    u32 run_start = 0;
    u32 total = 0;         // long-name entries in the run
    u8 checksum = 0;
    bool in_run = false;
    for (;;) {
        u8 raw[entry_size];
        bool beyond;
        if (Errno error = read_entry(directory, index, raw, beyond); error != Errno::Success)
            return error;
        if (beyond || raw[0] == entry::end_marker) {
            end = true;
            return Errno::Success;
        }
        u32 here = index++;
        if (raw[0] == entry::free_marker) {
            in_run = false;
            continue;
        }
        if (is_long_entry(raw)) {
            u32 order = raw[entry::long_order];
            u32 sequence = order & 0x1F;
            if (order & entry::long_last) {
                in_run = sequence >= 1 && sequence <= 20;
                if (!in_run)
                    continue;
                total = sequence;
                run_start = here;
                checksum = raw[entry::long_checksum];
                found.name.length = 0;
            } else if (!in_run || sequence != expected || raw[entry::long_checksum] != checksum) {
                in_run = false;
                continue;
            }
            for (u32 i = 0; i < entry::long_units; ++i) {
                u32 position = (sequence - 1) * entry::long_units + i;
                if (position < max_long_name + 1)
                    found.name.units[position] = load16(raw + entry::long_piece_offsets[i]);
            }
            expected = sequence - 1;
            continue;
        }
        if ((raw[entry::attributes] & entry::volume_label) && !(raw[entry::attributes] & entry::directory)) {
            in_run = false;
            continue;
        }
        bool long_valid = in_run && expected == 0 && short_name_checksum(raw) == checksum;
        if (long_valid) {
            u32 capacity = total * entry::long_units;
            u32 length = 0;
            while (length < capacity && length <= max_long_name && found.name.units[length] != 0)
                ++length;
            long_valid = length > 0 && length <= max_long_name;
            found.name.length = length;
        }
        if (!long_valid)
            long_name_from_short(raw, raw[entry::case_flags], found.name);
        found.at = { directory, long_valid ? run_start : here, here };
        __builtin_memcpy(found.raw, raw, entry_size);
        return Errno::Success;
    }
}

Errno Volume::lookup(u32 directory, const LongName& name, Found& found)
{
    u32 index = 0;
    LongName short_form;
    for (;;) {
        bool end;
        if (Errno error = scan(directory, index, found, end); error != Errno::Success)
            return error;
        if (end)
            return Errno::NoEntry;
        if (is_dot_entry(found.raw))
            continue;
        if (equal_ignoring_case(found.name, name))
            return Errno::Success;
        long_name_from_short(found.raw, 0, short_form);
        if (equal_ignoring_case(short_form, name))
            return Errno::Success;
    }
}

Errno Volume::short_name_taken(u32 directory, const ShortName& name, bool& taken)
{
    taken = false;
    for (u32 index = 0;; ++index) {
        u8 raw[entry_size];
        bool beyond;
        if (Errno error = read_entry(directory, index, raw, beyond); error != Errno::Success)
            return error;
        if (beyond || raw[0] == entry::end_marker)
            return Errno::Success;
        if (raw[0] == entry::free_marker || is_long_entry(raw))
            continue;
        bool same = true;
        for (u32 i = 0; i < 11 && same; ++i)
            same = raw[i] == name.bytes[i];
        if (same) {
            taken = true;
            return Errno::Success;
        }
    }
}

// A run of `count` free slots. A run that fits in one sector is kept inside one sector, so the
// entries of a name are written (and later deleted) by one atomic sector write. Every slot from
// the first end-of-directory marker on is free; slots of that area skipped to keep a run inside
// a sector become deleted entries (so the marker does not hide the run), and the slot after a run
// placed there stays an end marker.
Errno Volume::find_free_slots(u32 directory, u32 count, u32& first)
{
    constexpr u32 none = ~0u;
    u32 per_sector = m_sector_size / entry_size;
    u32 run = 0;
    u32 end_at = none;
    for (u32 index = 0;; ++index) {
        u8 raw[entry_size];
        bool beyond;
        if (Errno error = read_entry(directory, index, raw, beyond); error != Errno::Success)
            return error;
        if (beyond) {
            if (directory == 0 && m_type != FatType::Fat32)
                return Errno::NoSpace; // the fixed root area is full
            if (index >= max_directory_entries)
                return Errno::NoSpace;
            u32 cluster;
            if (Errno error = grow_directory(directory, cluster); error != Errno::Success)
                return error;
            --index; // read the same index again: now inside the new cluster
            continue;
        }
        if (end_at == none && raw[0] == entry::end_marker)
            end_at = index;
        bool free = end_at != none || raw[0] == entry::free_marker;
        if (!free) {
            run = 0;
            continue;
        }
        if (count <= per_sector && index % per_sector == 0)
            run = 0;
        if (run == 0)
            first = index;
        if (++run == count)
            break;
    }
    if (end_at == none)
        return Errno::Success;
    u8 raw[entry_size];
    for (u32 index = end_at; index < first; ++index) {
        bool beyond;
        if (Errno error = read_entry(directory, index, raw, beyond); error != Errno::Success)
            return error;
        raw[0] = entry::free_marker;
        if (Errno error = write_entry(directory, index, raw); error != Errno::Success)
            return error;
    }
    bool beyond;
    if (Errno error = read_entry(directory, first + count, raw, beyond); error != Errno::Success)
        return error;
    if (!beyond && raw[0] != entry::end_marker) {
        __builtin_memset(raw, 0, entry_size);
        if (Errno error = write_entry(directory, first + count, raw); error != Errno::Success)
            return error;
    }
    return Errno::Success;
}

// Appends a zeroed cluster: allocated (ended) and zeroed, barrier, then linked, barrier. A cut
// before the link leaves a lost cluster; the directory never holds a cluster of garbage entries.
Errno Volume::grow_directory(u32 directory, u32& new_cluster)
{
    u32 length, last;
    if (Errno error = chain_length(directory, length, last); error != Errno::Success)
        return error;
    if (static_cast<u64>(length + 1) * m_cluster_size > static_cast<u64>(max_directory_entries) * entry_size)
        return Errno::NoSpace;
    u32 ignored;
    if (Errno error = allocate_chain(1, last + 1, new_cluster, ignored); error != Errno::Success)
        return error;
    if (Errno error = zero_cluster(new_cluster); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    if (Errno error = fat_set(last, new_cluster); error != Errno::Success)
        return error;
    m_walk_valid = false;
    return barrier();
}

// Writes `name`'s entries (long-name entries when it is no exact short name, then the short
// entry `short_entry`, whose name bytes are filled in here) into a free run of `directory`.
// The caller checked that no entry has this name.
Errno Volume::add_entry(u32 directory, const LongName& name, u8* short_entry, Location& at)
{
    if (Errno error = check_new_name(name); error != Errno::Success)
        return error;
    ShortName short_name;
    bool needs_long = !short_name_exactly(name, short_name);
    if (needs_long) {
        // A name that is an 8.3 name but for its mixed case ("Makefile") keeps that short name
        // when it is free, as Windows and Linux do; any other gets a basis and a ~N tail.
        LongName upper = name;
        for (u32 i = 0; i < upper.length; ++i) {
            if (upper.units[i] >= 'a' && upper.units[i] <= 'z')
                upper.units[i] = static_cast<u16>(upper.units[i] - 32);
        }
        bool taken = true;
        ShortName plain;
        if (short_name_exactly(upper, plain)) {
            if (Errno error = short_name_taken(directory, plain, taken); error != Errno::Success)
                return error;
            if (!taken)
                short_name = plain;
        }
        ShortName basis;
        short_name_basis(name, basis);
        for (u32 number = 1; taken && number <= 999999; ++number) {
            short_name = with_tail(basis, number);
            if (Errno error = short_name_taken(directory, short_name, taken); error != Errno::Success)
                return error;
        }
        if (taken)
            return Errno::Exists;
    }
    __builtin_memcpy(short_entry + entry::name, short_name.bytes, 11);
    short_entry[entry::case_flags] = short_name.case_flags;
    u32 long_count = needs_long ? (name.length + entry::long_units - 1) / entry::long_units : 0;
    u32 first;
    if (Errno error = find_free_slots(directory, long_count + 1, first); error != Errno::Success)
        return error;
    u8 checksum = short_name_checksum(short_entry);
    for (u32 k = 0; k < long_count; ++k) {
        u32 sequence = long_count - k;
        u8 raw[entry_size] {};
        raw[entry::long_order] = static_cast<u8>(sequence | (k == 0 ? entry::long_last : 0));
        raw[entry::attributes] = entry::long_name;
        raw[entry::long_checksum] = checksum;
        for (u32 i = 0; i < entry::long_units; ++i) {
            u32 position = (sequence - 1) * entry::long_units + i;
            u16 unit = position < name.length ? name.units[position] : position == name.length ? 0x0000 : 0xFFFF;
            store16(raw + entry::long_piece_offsets[i], unit);
        }
        if (Errno error = write_entry(directory, first + k, raw); error != Errno::Success)
            return error;
    }
    if (Errno error = write_entry(directory, first + long_count, short_entry); error != Errno::Success)
        return error;
    at = { directory, first, first + long_count };
    return Errno::Success;
}

// Marks a name's entries free. When they span two sectors, the long-name entries go first and
// the short entry after a barrier, so a cut leaves a short-name-only entry, never a fragment
// that would hide the file.
Errno Volume::remove_entries(const Location& at)
{
    u32 per_sector = m_sector_size / entry_size;
    bool spans = at.first / per_sector != at.index / per_sector;
    for (u32 index = at.first; index <= at.index; ++index) {
        if (spans && index == at.index) {
            if (Errno error = barrier(); error != Errno::Success)
                return error;
        }
        u8 raw[entry_size];
        bool beyond;
        if (Errno error = read_entry(at.directory, index, raw, beyond); error != Errno::Success)
            return error;
        if (beyond)
            return corrupt();
        raw[0] = entry::free_marker;
        if (Errno error = write_entry(at.directory, index, raw); error != Errno::Success)
            return error;
    }
    return Errno::Success;
}

Errno Volume::fresh_entry(u8* raw, u8 attributes, u32 cluster)
{
    __builtin_memset(raw, 0, entry_size);
    raw[entry::attributes] = attributes;
    set_entry_cluster(raw, cluster);
    u64 time = now();
    FatTimestamp stamp = fat_from_ns(time);
    raw[entry::create_tenths] = stamp.tenths;
    store16(raw + entry::create_time, stamp.time);
    store16(raw + entry::create_date, stamp.date);
    store16(raw + entry::access_date, stamp.date);
    store16(raw + entry::write_time, stamp.time);
    store16(raw + entry::write_date, stamp.date);
    return Errno::Success;
}

// A chain whose entry is gone: freed now, or at the last close of a node still using it.
Errno Volume::release_chain(const Location& at, u32 first_cluster)
{
    if (Node* open = open_node_at(at)) {
        open->unlinked = true;
        return Errno::Success;
    }
    return first_cluster == 0 ? Errno::Success : free_chain(first_cluster);
}

// --- paths ------------------------------------------------------------------------------------

Errno Volume::resolve_for_change(NodeId start, StringView path, Target& target)
{
    if (Errno error = writable(); error != Errno::Success)
        return error;
    return resolve(start, path, target);
}

Errno Volume::resolve(NodeId start, StringView path, Target& target)
{
    target = {};
    if (path.is_empty())
        return Errno::NoEntry;
    if (path[0] == '/')
        return Errno::NotCapable;
    Node* from = node(start);
    if (!from)
        return Errno::BadFileDescriptor;
    if (!from->directory)
        return Errno::NotDirectory;
    struct Level {
        u32 directory;
        Location at;
        bool is_root;
        bool is_start;
    };
    static constexpr u32 max_depth = 256;
    Level levels[max_depth];
    u32 depth = 0;
    levels[0] = { from->is_root ? m_root_cluster : from->first_cluster, from->at, from->is_root, true };
    target.start = start;

    usize end = path.length();
    while (end > 0 && path[end - 1] == '/')
        --end;
    target.trailing_slash = end < path.length();
    usize position = 0;
    bool last_done = false;
    while (!last_done) {
        while (position < end && path[position] == '/')
            ++position;
        usize stop = position;
        while (stop < end && path[stop] != '/')
            ++stop;
        bool is_last = stop >= end;
        StringView component = path.substring(position, stop - position);
        position = stop;
        last_done = is_last;
        bool dot = component == StringView(".");
        bool dotdot = component == StringView("..");
        if (dotdot) {
            if (depth == 0)
                return Errno::NotCapable;
            --depth;
        }
        if (dot || dotdot) {
            if (is_last) {
                Level& self = levels[depth];
                target.names_directory_itself = true;
                target.self = self.directory;
                target.self_at = self.at;
                target.self_is_root = self.is_root;
                target.self_is_start = self.is_start;
                target.last_is_dot = dot;
                target.last_is_dotdot = dotdot;
            }
            continue;
        }
        LongName name;
        if (Errno error = long_name_from_utf8(component, name); error != Errno::Success)
            return error;
        if (is_last) {
            Level& parent = levels[depth];
            target.parent = parent.directory;
            target.parent_at = parent.at;
            target.parent_is_root = parent.is_root;
            target.parent_is_start = parent.is_start;
            target.name = name;
            break;
        }
        Found found;
        if (Errno error = lookup(levels[depth].directory, name, found); error != Errno::Success)
            return error;
        if (!(found.raw[entry::attributes] & entry::directory))
            return Errno::NotDirectory;
        u32 cluster = entry_cluster(found.raw);
        if (!in_range(cluster))
            return corrupt();
        if (depth + 1 >= max_depth)
            return Errno::NameTooLong;
        levels[++depth] = { cluster, found.at, false, false };
    }
    return Errno::Success;
}

// The entry a target names (the directory's own entry when it names a directory itself).
Errno Volume::entry_of_target(Target& target, Found& found, bool& is_root)
{
    is_root = false;
    if (!target.names_directory_itself)
        return lookup(target.parent, target.name, found);
    if (target.self_is_root) {
        is_root = true;
        return Errno::Success;
    }
    bool beyond;
    if (Errno error = read_entry(target.self_at.directory, target.self_at.index, found.raw, beyond); error != Errno::Success)
        return error;
    if (beyond)
        return corrupt();
    found.at = target.self_at;
    return Errno::Success;
}

u64 Volume::inode_of(const Location& at, bool is_root) const
{
    if (is_root)
        return 1;
    return ((static_cast<u64>(at.directory) << 20) | at.index) + 2;
}

void Volume::fill_stat(const u8* raw, const Location& at, NodeStat& stat) const
{
    stat = {};
    stat.directory = raw[entry::attributes] & entry::directory;
    stat.size = stat.directory ? 0 : load32(raw + entry::size);
    stat.inode = inode_of(at, false);
    stat.attributes = raw[entry::attributes];
    stat.modify_ns = ns_from_fat(load16(raw + entry::write_date), load16(raw + entry::write_time), 0);
    stat.create_ns = ns_from_fat(load16(raw + entry::create_date), load16(raw + entry::create_time), raw[entry::create_tenths]);
    stat.access_ns = ns_from_fat(load16(raw + entry::access_date), 0, 0);
}

Errno Volume::stat_location(const Location& at, bool is_root, NodeStat& stat)
{
    if (is_root) {
        stat = {};
        stat.directory = true;
        stat.inode = 1;
        stat.attributes = entry::directory;
        return Errno::Success;
    }
    u8 raw[entry_size];
    bool beyond;
    if (Errno error = read_entry(at.directory, at.index, raw, beyond); error != Errno::Success)
        return error;
    if (beyond)
        return corrupt();
    fill_stat(raw, at, stat);
    return Errno::Success;
}

Errno Volume::stat_at(NodeId directory, StringView path, NodeStat& stat)
{
    Target target;
    if (Errno error = resolve(directory, path, target); error != Errno::Success)
        return error;
    Found found;
    bool is_root;
    if (Errno error = entry_of_target(target, found, is_root); error != Errno::Success)
        return error;
    if (is_root)
        return stat_location({}, true, stat);
    if (Node* open = open_node_at(found.at))
        store32(found.raw + entry::size, open->size);
    fill_stat(found.raw, found.at, stat);
    if (target.trailing_slash && !stat.directory)
        return Errno::NotDirectory;
    return Errno::Success;
}

Errno Volume::set_times_at(NodeId directory, StringView path, const TimeChange& change)
{
    Target target;
    if (Errno error = resolve_for_change(directory, path, target); error != Errno::Success)
        return error;
    Found found;
    bool is_root;
    if (Errno error = entry_of_target(target, found, is_root); error != Errno::Success)
        return error;
    if (is_root)
        return Errno::Success; // the root directory has no entry to hold times
    if (change.set_access)
        store16(found.raw + entry::access_date, fat_from_ns(change.access_ns).date);
    if (change.set_modify) {
        FatTimestamp stamp = fat_from_ns(change.modify_ns);
        store16(found.raw + entry::write_date, stamp.date);
        store16(found.raw + entry::write_time, stamp.time);
    }
    if (Errno error = write_entry(found.at.directory, found.at.index, found.raw); error != Errno::Success)
        return error;
    return finish();
}

Errno Volume::directory_is_empty(u32 directory, bool& empty)
{
    u32 index = 0;
    Found found;
    for (;;) {
        bool end;
        if (Errno error = scan(directory, index, found, end); error != Errno::Success)
            return error;
        if (end) {
            empty = true;
            return Errno::Success;
        }
        if (!is_dot_entry(found.raw)) {
            empty = false;
            return Errno::Success;
        }
    }
}

// Whether `ancestor` is `directory` or above it, following `..` entries (at most 4096 levels:
// deeper is a loop on a corrupt volume).
Errno Volume::is_ancestor(u32 ancestor, u32 directory, bool& result)
{
    for (u32 steps = 0; steps < 4096; ++steps) {
        if (directory == ancestor) {
            result = true;
            return Errno::Success;
        }
        if (is_root_directory(directory)) {
            result = false;
            return Errno::Success;
        }
        u8 raw[entry_size];
        bool beyond;
        if (Errno error = read_entry(directory, 1, raw, beyond); error != Errno::Success)
            return error;
        if (beyond || raw[0] != '.' || raw[1] != '.')
            return corrupt();
        u32 parent = directory_id(entry_cluster(raw));
        if (!is_root_directory(parent) && !in_range(parent))
            return corrupt();
        directory = parent;
    }
    return corrupt();
}

Errno Volume::create_directory(NodeId directory, StringView path)
{
    Target target;
    if (Errno error = resolve_for_change(directory, path, target); error != Errno::Success)
        return error;
    if (target.names_directory_itself)
        return Errno::Exists;
    Found found;
    Errno exists = lookup(target.parent, target.name, found);
    if (exists == Errno::Success)
        return Errno::Exists;
    if (exists != Errno::NoEntry)
        return exists;
    if (Errno error = check_new_name(target.name); error != Errno::Success)
        return error;
    // 1. The new directory's cluster: allocated, "." and ".." written, on disk before anything
    //    points to it (a cut leaves a lost cluster).
    u32 cluster, last;
    if (Errno error = allocate_chain(1, 0, cluster, last); error != Errno::Success)
        return error;
    if (Errno error = zero_cluster(cluster); error != Errno::Success)
        return error;
    u8 raw[entry_size];
    fresh_entry(raw, entry::directory, cluster);
    for (u32 i = 0; i < 11; ++i)
        raw[i] = ' ';
    raw[0] = '.';
    if (Errno error = write_entry(cluster, 0, raw); error != Errno::Success)
        return error;
    raw[1] = '.';
    set_entry_cluster(raw, is_root_directory(target.parent) ? 0 : target.parent);
    if (Errno error = write_entry(cluster, 1, raw); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    // 2. Its entry in the parent.
    fresh_entry(raw, entry::directory, cluster);
    Location at;
    if (Errno error = add_entry(target.parent, target.name, raw, at); error != Errno::Success)
        return error;
    return finish();
}

Errno Volume::remove_directory(NodeId directory, StringView path)
{
    Target target;
    if (Errno error = resolve_for_change(directory, path, target); error != Errno::Success)
        return error;
    if (target.names_directory_itself)
        return target.last_is_dot ? Errno::Invalid : Errno::NotEmpty;
    Found found;
    if (Errno error = lookup(target.parent, target.name, found); error != Errno::Success)
        return error;
    if (!(found.raw[entry::attributes] & entry::directory))
        return Errno::NotDirectory;
    u32 cluster = entry_cluster(found.raw);
    if (!in_range(cluster))
        return corrupt();
    bool empty = false;
    if (Errno error = directory_is_empty(cluster, empty); error != Errno::Success)
        return error;
    if (!empty)
        return Errno::NotEmpty;
    // The entry goes first; its cluster is freed only once nothing points to it.
    if (Errno error = remove_entries(found.at); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    if (Errno error = release_chain(found.at, cluster); error != Errno::Success)
        return error;
    return finish();
}

Errno Volume::unlink(NodeId directory, StringView path)
{
    Target target;
    if (Errno error = resolve_for_change(directory, path, target); error != Errno::Success)
        return error;
    if (target.names_directory_itself)
        return Errno::IsDirectory;
    Found found;
    if (Errno error = lookup(target.parent, target.name, found); error != Errno::Success)
        return error;
    if (found.raw[entry::attributes] & entry::directory)
        return Errno::IsDirectory;
    if (target.trailing_slash)
        return Errno::NotDirectory;
    u32 cluster = entry_cluster(found.raw);
    if (cluster != 0 && !in_range(cluster))
        return corrupt();
    if (Errno error = remove_entries(found.at); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    if (Errno error = release_chain(found.at, cluster); error != Errno::Success)
        return error;
    return finish();
}

// Never two entries naming one chain, at any cut: the new name is first written as an empty
// file, the old name removed, (a moved directory's ".." rewritten,) then the new entry takes the
// chain (one sector write). A cut in between leaves the old name, or the new name empty and the
// chain lost; a replaced target is emptied first and its chain freed last.
Errno Volume::rename(NodeId directory, StringView path, NodeId new_directory, StringView new_path)
{
    if (Errno error = writable(); error != Errno::Success)
        return error;
    Target source, target;
    if (Errno error = resolve(directory, path, source); error != Errno::Success)
        return error;
    if (Errno error = resolve(new_directory, new_path, target); error != Errno::Success)
        return error;
    if (source.names_directory_itself || target.names_directory_itself)
        return Errno::Busy;
    Found from;
    if (Errno error = lookup(source.parent, source.name, from); error != Errno::Success)
        return error;
    bool moving_directory = from.raw[entry::attributes] & entry::directory;
    if (!moving_directory && (source.trailing_slash || target.trailing_slash))
        return Errno::NotDirectory;
    u32 cluster = entry_cluster(from.raw);
    if (moving_directory && !in_range(cluster))
        return corrupt();
    if (moving_directory) {
        bool inside = false;
        if (Errno error = is_ancestor(cluster, target.parent, inside); error != Errno::Success)
            return error;
        if (inside)
            return Errno::Invalid;
    }
    if (Errno error = check_new_name(target.name); error != Errno::Success)
        return error;
    Found to;
    Errno existing = lookup(target.parent, target.name, to);
    if (existing != Errno::Success && existing != Errno::NoEntry)
        return existing;
    Node* moving = open_node_at(from.at);
    Location new_at;
    if (existing == Errno::Success && to.at == from.at) {
        // The same entry under another spelling (a case change): rewrite its names.
        if (to.name == target.name)
            return Errno::Success;
        if (Errno error = remove_entries(from.at); error != Errno::Success)
            return error;
        u8 raw[entry_size];
        __builtin_memcpy(raw, from.raw, entry_size);
        if (Errno error = add_entry(target.parent, target.name, raw, new_at); error != Errno::Success)
            return error;
        if (moving)
            moving->at = new_at;
        return finish();
    }
    u32 replaced_cluster = 0;
    bool replacing = existing == Errno::Success;
    Location replaced_at;
    if (replacing) {
        bool target_directory = to.raw[entry::attributes] & entry::directory;
        if (target_directory && !moving_directory)
            return Errno::IsDirectory;
        if (!target_directory && moving_directory)
            return Errno::NotDirectory;
        replaced_cluster = entry_cluster(to.raw);
        if (target_directory) {
            if (!in_range(replaced_cluster))
                return corrupt();
            bool empty = false;
            if (Errno error = directory_is_empty(replaced_cluster, empty); error != Errno::Success)
                return error;
            if (!empty)
                return Errno::NotEmpty;
        }
        // 1. The target is emptied (its chain becomes lost until step 4).
        replaced_at = to.at;
        u8 raw[entry_size];
        __builtin_memcpy(raw, to.raw, entry_size);
        raw[entry::attributes] = static_cast<u8>(raw[entry::attributes] & ~entry::directory);
        set_entry_cluster(raw, 0);
        store32(raw + entry::size, 0);
        if (Errno error = write_entry(to.at.directory, to.at.index, raw); error != Errno::Success)
            return error;
        __builtin_memcpy(to.raw, raw, entry_size);
        new_at = to.at;
    } else {
        // 1. The new name, as an empty file.
        u8 raw[entry_size];
        __builtin_memcpy(raw, from.raw, entry_size);
        raw[entry::attributes] = static_cast<u8>(raw[entry::attributes] & ~entry::directory);
        set_entry_cluster(raw, 0);
        store32(raw + entry::size, 0);
        if (Errno error = add_entry(target.parent, target.name, raw, new_at); error != Errno::Success)
            return error;
        __builtin_memcpy(to.raw, raw, entry_size);
    }
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    // 2. The old name goes.
    if (Errno error = remove_entries(from.at); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    // 3. A moved directory's ".." names its new parent, while no entry points to it (fsck.fat
    //    checks ".." only in directories it reaches).
    if (moving_directory && target.parent != source.parent) {
        u8 dotdot[entry_size];
        bool beyond;
        if (Errno error = read_entry(cluster, 1, dotdot, beyond); error != Errno::Success)
            return error;
        if (!beyond && dotdot[0] == '.' && dotdot[1] == '.') {
            set_entry_cluster(dotdot, is_root_directory(target.parent) ? 0 : target.parent);
            if (Errno error = write_entry(cluster, 1, dotdot); error != Errno::Success)
                return error;
            if (Errno error = barrier(); error != Errno::Success)
                return error;
        }
    }
    // 4. The new entry takes the chain, size, attributes and times (one entry, one sector).
    u8 raw[entry_size];
    __builtin_memcpy(raw, from.raw, entry_size);
    __builtin_memcpy(raw + entry::name, to.raw + entry::name, 11);
    raw[entry::case_flags] = to.raw[entry::case_flags];
    if (moving) {
        store32(raw + entry::size, moving->size);
        set_entry_cluster(raw, moving->first_cluster);
    }
    if (Errno error = write_entry(new_at.directory, new_at.index, raw); error != Errno::Success)
        return error;
    if (Errno error = barrier(); error != Errno::Success)
        return error;
    // 5. A replaced target's chain is freed (or kept by a node that still has it open).
    if (replacing) {
        if (Errno error = release_chain(replaced_at, replaced_cluster); error != Errno::Success)
            return error;
    }
    if (moving)
        moving->at = new_at;
    return finish();
}

Errno Volume::read_directory(NodeId id, u64 cookie, DirectoryVisitor& visitor)
{
    Node* dir = node(id);
    if (!dir)
        return Errno::BadFileDescriptor;
    if (!dir->directory)
        return Errno::NotDirectory;
    u32 directory = dir->is_root ? m_root_cluster : dir->first_cluster;
    if (cookie == 0 && !visitor.entry(1, inode_of(dir->at, dir->is_root), true, StringView(".")))
        return Errno::Success;
    if (cookie <= 1 && !visitor.entry(2, 0, true, StringView("..")))
        return Errno::Success;
    if (cookie < 2)
        cookie = 2;
    if (cookie - 2 >= max_directory_entries)
        return Errno::Success;
    u32 index = static_cast<u32>(cookie - 2);
    Found found;
    char text[max_utf8_name];
    for (;;) {
        bool end;
        if (Errno error = scan(directory, index, found, end); error != Errno::Success)
            return error;
        if (end)
            return Errno::Success;
        if (is_dot_entry(found.raw))
            continue;
        usize length = utf8_from_long_name(found.name, Span<char>(text, sizeof(text)));
        bool is_dir = found.raw[entry::attributes] & entry::directory;
        if (!visitor.entry(2 + static_cast<u64>(found.at.index) + 1, inode_of(found.at, false), is_dir, StringView(text, length)))
            return Errno::Success;
    }
}

} // namespace ath::fat
