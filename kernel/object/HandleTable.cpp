#include "HandleTable.h"

namespace ath::object {

u64 HandleTable::next_epoch()
{
    static u64 counter = 0;
    return __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

Result<HandleEntry*> HandleTable::find_live(Handle handle)
{
    u32 index = handle & ((1u << index_bits) - 1);
    u32 generation = handle >> index_bits;
    if (index >= capacity || generation == 0)
        return Error::from(ErrorCode::BadHandle, "no such handle");
    HandleEntry& entry = m_entries[index];
    if (!entry.live || entry.generation != generation)
        return Error::from(ErrorCode::BadHandle, "stale or forged handle");
    return &entry;
}

bool HandleTable::still_names(Handle handle, const Object& object, Rights needed)
{
    SpaceGuard guard(m_space);
    auto entry = find_live(handle);
    return !entry.is_error() && entry.value()->object == &object && has_all(entry.value()->rights, needed);
}

bool HeldHandle::holds(const void* self)
{
    auto& held = *static_cast<const HeldHandle*>(self);
    return held.table->still_names(held.handle, *held.object, held.needed);
}

Result<HandleEntry*> HandleTable::allocate_slot()
{
    // The process's max-handles limit (kernel/object/ResourceAccount.h): counted only when it is
    // below the table's capacity.
    if (m_limit < capacity && live_count() >= m_limit)
        return Error::from(ErrorCode::Exhausted, "resource limit: the process holds as many handles as its manifest allows");
    // The free slot freed longest ago (never-used slots first, lowest index first): a number just
    // closed comes back last, and churn ages every free slot alike (HandleTable.h).
    HandleEntry* oldest = nullptr;
    for (auto& entry : m_entries) {
        if (entry.live || entry.pending_release)
            continue;
        if (!oldest || entry.freed_stamp < oldest->freed_stamp)
            oldest = &entry;
    }
    if (!oldest)
        return Error::from(ErrorCode::Exhausted, "handle table is full");
    return oldest;
}

void HandleTable::free_slot(HandleEntry& entry)
{
    VERIFY(entry.first_child == nullptr && entry.parent == nullptr && entry.mappings == nullptr);
    touch();
    Object* object = exchange(entry.object, nullptr);
    object->handle_dropped();
    entry.live = false;
    entry.rights = Rights::None;
    retire_number(entry);
    m_space.defer_release(entry, *object);
}

void HandleTable::retire_number(HandleEntry& entry)
{
    // Wraps to 1 (0 is never a handle) instead of retiring the slot for good: a peer that makes
    // this table take and drop handles over and over cannot use up its slots.
    entry.generation = entry.generation == max_generation ? 1 : entry.generation + 1;
    entry.freed_stamp = ++entry.table->m_frees;
}

void HandleTable::link_child(HandleEntry& parent, HandleEntry& child)
{
    child.parent = &parent;
    child.previous_sibling = nullptr;
    child.next_sibling = parent.first_child;
    if (parent.first_child)
        parent.first_child->previous_sibling = &child;
    parent.first_child = &child;
}

Handle HandleTable::fill_entry(HandleEntry& entry, Object& object, Rights rights, HandleEntry* parent)
{
    object.ref();
    entry.object = &object;
    entry.rights = rights;
    entry.live = true;
    if (parent)
        link_child(*parent, entry);
    return encode(entry.index, entry.generation);
}

void HandleTable::unlink_from_parent(HandleEntry& entry)
{
    if (!entry.parent)
        return;
    if (entry.previous_sibling)
        entry.previous_sibling->next_sibling = entry.next_sibling;
    else
        entry.parent->first_child = entry.next_sibling;
    if (entry.next_sibling)
        entry.next_sibling->previous_sibling = entry.previous_sibling;
    entry.parent = entry.next_sibling = entry.previous_sibling = nullptr;
}

void HandleTable::release_mappings(HandleEntry& entry)
{
    while (MappingRecord* record = entry.mappings) {
        entry.mappings = record->next;
        if (entry.mappings)
            entry.mappings->previous = nullptr;
        record->next = record->previous = nullptr;
        record->through = nullptr;
        record->unmap(*record);
    }
}

Result<Handle> HandleTable::install(Object& object, Rights rights)
{
    if (!is_known(rights))
        return Error::from(ErrorCode::InvalidArgument, "unknown rights bits");
    SpaceGuard guard(m_space);
    return fill_entry(*TRY(allocate_slot()), object, rights, nullptr);
}

Result<Rights> HandleTable::rights_of(Handle handle)
{
    SpaceGuard guard(m_space);
    return TRY(find_live(handle))->rights;
}

Result<ObjectType> HandleTable::type_of(Handle handle)
{
    SpaceGuard guard(m_space);
    return TRY(find_live(handle))->object->type();
}

Result<Handle> HandleTable::derive(Handle handle, Rights rights)
{
    SpaceGuard guard(m_space);
    HandleEntry* source = TRY(find_live(handle));
    if (!has_all(source->rights, Rights::Derive))
        return Error::from(ErrorCode::PermissionDenied, "handle lacks the derive right");
    if (!is_known(rights) || !is_subset(rights, source->rights))
        return Error::from(ErrorCode::PermissionDenied, "derived rights must be a subset of the source's");
    return fill_entry(*TRY(allocate_slot()), *source->object, rights, source);
}

Result<Handle> HandleTable::install_under(Handle parent_handle, Object& object, Rights rights)
{
    if (!is_known(rights))
        return Error::from(ErrorCode::InvalidArgument, "unknown rights bits");
    SpaceGuard guard(m_space);
    HandleEntry* parent = TRY(find_live(parent_handle));
    return fill_entry(*TRY(allocate_slot()), object, rights, parent);
}

void HandleTable::move_entry(HandleEntry& from, HandleEntry& to)
{
    from.table->touch();
    to.object = exchange(from.object, nullptr);
    to.rights = from.rights;
    to.live = true;
    to.first_child = exchange(from.first_child, nullptr);
    for (HandleEntry* child = to.first_child; child; child = child->next_sibling)
        child->parent = &to;
    to.mappings = exchange(from.mappings, nullptr);
    for (MappingRecord* record = to.mappings; record; record = record->next)
        record->through = &to;
    if (HandleEntry* parent = from.parent) {
        unlink_from_parent(from);
        link_child(*parent, to);
    }
    from.live = false;
    from.rights = Rights::None;
    retire_number(from);
}

Result<Handle> HandleTable::transfer(Handle handle, HandleTable& target, Rights mask, TransferMode mode)
{
    if (&target.m_space != &m_space)
        return Error::from(ErrorCode::InvalidArgument, "tables belong to different capability spaces");
    if (!is_known(mask))
        return Error::from(ErrorCode::InvalidArgument, "unknown rights bits");
    SpaceGuard guard(m_space);
    HandleEntry* source = TRY(find_live(handle));
    if (!has_all(source->rights, Rights::Transfer))
        return Error::from(ErrorCode::PermissionDenied, "handle lacks the transfer right");
    if (mode == TransferMode::Move && &target == this) {
        source->rights = source->rights & mask;
        touch();
        return handle;
    }
    HandleEntry* entry = TRY(target.allocate_slot());
    Rights rights = source->rights & mask;
    if (mode == TransferMode::Copy)
        return fill_entry(*entry, *source->object, rights, source);
    move_entry(*source, *entry);
    entry->rights = rights;
    return encode(entry->index, entry->generation);
}

Result<u32> HandleTable::revoke(Handle handle)
{
    SpaceGuard guard(m_space);
    HandleEntry* root = TRY(find_live(handle));
    if (!has_all(root->rights, Rights::Revoke))
        return Error::from(ErrorCode::PermissionDenied, "handle lacks the revoke right");
    unlink_from_parent(*root);
    // Post-order walk without recursion: free leaves first, climbing back through parents.
    u32 revoked = 0;
    HandleEntry* entry = root;
    while (true) {
        while (entry->first_child)
            entry = entry->first_child;
        HandleEntry* parent = entry == root ? nullptr : entry->parent;
        if (parent) {
            parent->first_child = entry->next_sibling;
            if (entry->next_sibling)
                entry->next_sibling->previous_sibling = nullptr;
            entry->parent = entry->next_sibling = entry->previous_sibling = nullptr;
        }
        release_mappings(*entry);
        entry->table->free_slot(*entry);
        ++revoked;
        if (!parent)
            break;
        entry = parent;
    }
    return revoked;
}

void HandleTable::close_locked(HandleEntry& entry)
{
    // Children move up to the closed handle's parent (or become roots).
    HandleEntry* parent = entry.parent;
    unlink_from_parent(entry);
    while (HandleEntry* child = entry.first_child) {
        entry.first_child = child->next_sibling;
        child->parent = child->next_sibling = child->previous_sibling = nullptr;
        if (parent)
            link_child(*parent, *child);
    }
    release_mappings(entry);
    free_slot(entry);
}

ErrorOr HandleTable::close(Handle handle)
{
    SpaceGuard guard(m_space);
    HandleEntry* entry = TRY(find_live(handle));
    close_locked(*entry);
    return {};
}

void HandleTable::close_all()
{
    SpaceGuard guard(m_space);
    for (auto& entry : m_entries) {
        if (entry.live)
            close_locked(entry);
    }
}

u32 HandleTable::live_count() const
{
    u32 count = 0;
    for (auto& entry : m_entries)
        count += entry.live ? 1 : 0;
    return count;
}

ErrorOr HandleTable::attach_mapping(Handle handle, MappingRecord& record)
{
    SpaceGuard guard(m_space);
    HandleEntry* entry = TRY(find_live(handle));
    record.through = entry;
    record.previous = nullptr;
    record.next = entry->mappings;
    if (entry->mappings)
        entry->mappings->previous = &record;
    entry->mappings = &record;
    return {};
}

bool HandleTable::unmap_mapping(MappingRecord& record)
{
    SpaceGuard guard(m_space);
    return unmap_mapping_locked(record);
}

bool HandleTable::unmap_mapping_locked(MappingRecord& record)
{
    HandleEntry* entry = record.through;
    if (!entry)
        return false;
    if (record.previous)
        record.previous->next = record.next;
    else
        entry->mappings = record.next;
    if (record.next)
        record.next->previous = record.previous;
    record.next = record.previous = nullptr;
    record.through = nullptr;
    record.unmap(record);
    return true;
}

} // namespace ath::object
