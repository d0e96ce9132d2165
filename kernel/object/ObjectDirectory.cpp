#include "ObjectDirectory.h"

namespace ath::object {

ErrorOr ObjectDirectory::publish(StringView name, HandleTable& table, Handle handle)
{
    if (!is_valid_object_name(name))
        return Error::from(ErrorCode::InvalidArgument, "bad directory name");
    Rights rights = TRY(table.rights_of(handle));
    if (!has_all(rights, Rights::Transfer))
        return Error::from(ErrorCode::PermissionDenied, "published handles need the transfer right");
    ObjectType kind = TRY(table.type_of(handle));
    if (find(kind, name))
        return Error::from(ErrorCode::AlreadyExists, "an object of that kind is already published under that name");
    if (m_entries.is_full())
        return Error::from(ErrorCode::Exhausted, "object directory is full");
    TRY(m_entries.try_append(Published { name, kind, &table, handle }));
    return {};
}

ErrorOr ObjectDirectory::unpublish(ObjectType kind, StringView name)
{
    for (usize i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].kind == kind && m_entries[i].name == name) {
            m_entries.remove(i);
            return {};
        }
    }
    return Error::from(ErrorCode::NotFound, "nothing of that kind is published under that name");
}

const ObjectDirectory::Published* ObjectDirectory::find(ObjectType kind, StringView name) const
{
    for (auto& entry : m_entries) {
        if (entry.kind == kind && entry.name == name)
            return &entry;
    }
    return nullptr;
}

Result<const ObjectDirectory::Published*> ObjectDirectory::check(const ManifestHandle& wanted) const
{
    // Each kind has its own names: an object of another kind under the same name is another
    // object, and this one may simply not be published yet (a server publishes its endpoint once
    // it runs; the booted kernel grants the line then).
    const Published* found = find(wanted.kind, wanted.object_name);
    if (!found)
        return Error::from(ErrorCode::NotFound, "manifest names an object nobody published");
    auto kind = found->table->type_of(found->handle);
    if (kind.is_error())
        return Error::from(ErrorCode::NotFound, "published handle is no longer valid");
    Rights grantable = TRY(found->table->rights_of(found->handle));
    if (!is_subset(wanted.rights, grantable))
        return Error::from(ErrorCode::PermissionDenied, "manifest asks for more rights than may be granted");
    return found;
}

Result<Handle> ObjectDirectory::grant_one(const ManifestHandle& wanted, ProcessObject& process) const
{
    const Published* source = TRY(check(wanted));
    return source->table->transfer(source->handle, process.handles(), wanted.rights, TransferMode::Copy);
}

Result<FixedVector<Handle, Manifest::max_handles>> ObjectDirectory::grant(const Manifest& manifest, ProcessObject& process) const
{
    const Published* sources[Manifest::max_handles] {};
    usize index = 0;
    for (auto& wanted : manifest.handles)
        sources[index++] = TRY(check(wanted));
    if (HandleTable::capacity - process.handles().live_count() < manifest.handles.size())
        return Error::from(ErrorCode::Exhausted, "process handle table cannot hold the manifest's handles");
    FixedVector<Handle, Manifest::max_handles> handles;
    for (usize i = 0; i < index; ++i) {
        auto copied = sources[i]->table->transfer(sources[i]->handle, process.handles(), manifest.handles[i].rights, TransferMode::Copy);
        if (copied.is_error()) {
            for (Handle handle : handles)
                (void)process.handles().close(handle);
            return copied.release_error();
        }
        TRY(handles.try_append(copied.value()));
    }
    return handles;
}

} // namespace ath::object
