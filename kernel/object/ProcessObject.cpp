#include "ProcessObject.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

ProcessObject::ProcessObject(CapabilitySpace& space, StringView name)
    : Object(ObjectType::Process)
    , m_handles(space)
    , m_name_length(min(name.length(), max_name_length))
{
    for (usize i = 0; i < m_name_length; ++i)
        m_name[i] = name[i];
}

Result<RefPtr<ProcessObject>> ProcessObject::create(ObjectAllocator& allocator, CapabilitySpace& space, StringView name)
{
    if (name.is_empty() || name.length() > max_name_length)
        return Error::from(ErrorCode::InvalidArgument, "process name must be 1..31 characters");
    return make_object<ProcessObject>(allocator, space, name);
}

usize ProcessObject::mapping_count()
{
    SpaceGuard guard(m_handles.space());
    usize count = 0;
    for (auto& mapping : m_mappings)
        count += mapping.in_use ? 1 : 0;
    return count;
}

// Mapping records change under the space lock only: a revocation on another thread runs the unmap
// hook of this process's records while this thread may be mapping or unmapping.
ErrorOr ProcessObject::map_region(Handle handle, u64 offset, bool writable)
{
    if (m_terminated)
        return Error::from(ErrorCode::Invalid, "process has terminated");
    if (!m_memory || !m_mapper)
        return Error::from(ErrorCode::Unsupported, "process has no mappable linear memory");
    Rights needed = writable ? (Rights::Map | Rights::Write) : Rights::Map;
    auto view = TRY(m_handles.lookup<Region>(handle, needed));
    Region& region = *view.object;
    if (&region.mapper() != m_mapper)
        return Error::from(ErrorCode::InvalidArgument, "region belongs to another address space kind");
    if (!is_aligned(offset, page_size))
        return Error::from(ErrorCode::InvalidArgument, "mapping offset must be page aligned");
    Bytes memory = m_memory->linear_memory();
    if (!range_within<u64>(offset, region.size(), memory.size()))
        return Error::from(ErrorCode::OutOfRange, "region does not fit in linear memory at that offset");

    // Reserve a record for the range (not attached to any handle yet, so no revocation sees it).
    Mapping* record = nullptr;
    {
        SpaceGuard guard(m_handles.space());
        for (auto& mapping : m_mappings) {
            if (!mapping.in_use) {
                if (!record)
                    record = &mapping;
                continue;
            }
            if (offset < mapping.offset + mapping.length && mapping.offset < offset + region.size())
                return Error::from(ErrorCode::AlreadyExists, "range overlaps an existing mapping");
        }
        if (!record)
            return Error::from(ErrorCode::Exhausted, "too many mappings in this process");
        record->in_use = true;
        record->process = this;
        record->unmap = &unmap_hook;
        record->address = memory.data() + offset;
        record->offset = offset;
        record->length = region.size();
        record->writable = writable;
    }

    // Everything is checked; from here the mapping either happens completely or not at all.
    if (auto mapped = m_mapper->map(region.pages(), 0, record->address, region.size(), writable,
                                   m_write_sink.notify ? &m_write_sink : nullptr);
        mapped.is_error()) {
        SpaceGuard guard(m_handles.space());
        record->in_use = false;
        record->address = nullptr;
        return mapped.release_error();
    }
    record->region = view.object.leak();
    if (auto attached = m_handles.attach_mapping(handle, *record); attached.is_error()) {
        // The handle was revoked between the lookup and now: undo, as if never mapped.
        SpaceGuard guard(m_handles.space());
        unmap_hook(*record);
        return attached.release_error();
    }
    return {};
}

void ProcessObject::unmap_hook(MappingRecord& base)
{
    auto& record = static_cast<Mapping&>(base);
    ProcessObject& process = *record.process;
    // Putting zero pages back cannot be refused by the arch short of running out of memory, in
    // which case the old mapping stays and the pages stay shared: fail loudly instead.
    auto restored = process.m_mapper->unmap(record.address, record.length);
    VERIFY(!restored.is_error());
    Region* region = exchange(record.region, nullptr);
    record.in_use = false;
    record.address = nullptr;
    region->unref();
}

ErrorOr ProcessObject::unmap_region(u64 offset)
{
    SpaceGuard guard(m_handles.space());
    for (auto& mapping : m_mappings) {
        if (mapping.in_use && mapping.offset == offset && mapping.through) {
            m_handles.unmap_mapping_locked(mapping);
            return {};
        }
    }
    return Error::from(ErrorCode::NotFound, "no mapping starts at that offset");
}

void ProcessObject::record_trap()
{
    ++m_traps;
    revert_read_only_copies();
}

void ProcessObject::revert_read_only_copies()
{
    SpaceGuard guard(m_handles.space());
    for (auto& mapping : m_mappings) {
        if (mapping.in_use && !mapping.writable && mapping.region)
            m_mapper->revert_read_only_copies(mapping.address);
    }
}

void ProcessObject::terminate()
{
    release_handles();
    m_terminated = true;
}

void ProcessObject::release_handles()
{
    {
        SpaceGuard guard(m_handles.space());
        for (auto& mapping : m_mappings) {
            if (mapping.in_use && mapping.through)
                m_handles.unmap_mapping_locked(mapping);
        }
    }
    m_handles.close_all();
}

} // namespace ath::object
