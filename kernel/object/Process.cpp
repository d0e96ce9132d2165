#include "Process.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

Process::Process(CapabilitySpace& space, StringView name) : Object(ObjectType::Process), m_handles(space)
{
    m_name_length = min(name.length(), max_name_length);
    for (usize i = 0; i < m_name_length; ++i)
        m_name[i] = name[i];
}

Result<RefPtr<Process>> Process::create(ObjectAllocator& allocator, CapabilitySpace& space, StringView name)
{
    if (name.is_empty() || name.length() > max_name_length)
        return Error::from(ErrorCode::InvalidArgument, "process name must be 1..31 characters");
    return make_object<Process>(allocator, space, name);
}

usize Process::mapping_count() const
{
    usize count = 0;
    for (auto& mapping : m_mappings)
        count += mapping.in_use ? 1 : 0;
    return count;
}

ErrorOr Process::map_region(Handle handle, u64 offset, bool writable)
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
    Mapping* free_record = nullptr;
    for (auto& mapping : m_mappings) {
        if (!mapping.in_use) {
            if (!free_record)
                free_record = &mapping;
            continue;
        }
        if (offset < mapping.offset + mapping.length && mapping.offset < offset + region.size())
            return Error::from(ErrorCode::AlreadyExists, "range overlaps an existing mapping");
    }
    if (!free_record)
        return Error::from(ErrorCode::Exhausted, "too many mappings in this process");

    // Everything is checked; from here the mapping either happens completely or not at all.
    u8* address = memory.data() + offset;
    TRY(m_mapper->map(region.pages(), 0, address, region.size(), writable));
    Mapping& record = *free_record;
    record.unmap = &unmap_hook;
    record.process = this;
    record.region = view.object.leak();
    record.address = address;
    record.offset = offset;
    record.length = region.size();
    record.in_use = true;
    if (auto attached = m_handles.attach_mapping(handle, record); attached.is_error()) {
        // The handle was revoked between the lookup and now: undo, as if never mapped.
        unmap_hook(record);
        return attached.release_error();
    }
    return {};
}

void Process::unmap_hook(MappingRecord& base)
{
    auto& record = static_cast<Mapping&>(base);
    Process& process = *record.process;
    // Putting zero pages back cannot be refused by the arch short of running out of memory, in
    // which case the old mapping stays and the pages stay shared: fail loudly instead.
    auto restored = process.m_mapper->unmap(record.address, record.length);
    VERIFY(!restored.is_error());
    Region* region = exchange(record.region, nullptr);
    record.in_use = false;
    record.address = nullptr;
    region->unref();
}

ErrorOr Process::unmap_region(u64 offset)
{
    for (auto& mapping : m_mappings) {
        if (mapping.in_use && mapping.offset == offset) {
            m_handles.unmap_mapping(mapping);
            return {};
        }
    }
    return Error::from(ErrorCode::NotFound, "no mapping starts at that offset");
}

void Process::terminate()
{
    for (auto& mapping : m_mappings) {
        if (mapping.in_use)
            m_handles.unmap_mapping(mapping);
    }
    m_handles.close_all();
    m_terminated = true;
}

} // namespace ath::object
