#include "HostedLinearMemory.h"

#include <kernel/lib/Bits.h>

#include <sys/mman.h>
#include <unistd.h>

namespace ath::hosted {

Result<LinearMemoryReservation> LinearMemoryReservation::create(u64 maximum_bytes)
{
    auto reserved = checked_add<u64>(align_up(maximum_bytes, page_size), guard_bytes);
    if (!reserved.has_value() || maximum_bytes > (1ull << 33))
        return Error::from(ErrorCode::InvalidArgument, "linear memory maximum too large");
    void* base = mmap(nullptr, *reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return Error::from(ErrorCode::OutOfMemory, "cannot reserve linear memory address space");
    return LinearMemoryReservation(static_cast<u8*>(base), *reserved);
}

LinearMemoryReservation::LinearMemoryReservation(LinearMemoryReservation&& other)
    : m_base(exchange(other.m_base, nullptr))
    , m_reserved(exchange(other.m_reserved, 0))
    , m_committed(exchange(other.m_committed, 0))
{
}

LinearMemoryReservation::~LinearMemoryReservation()
{
    if (m_base)
        munmap(m_base, m_reserved);
}

ErrorOr LinearMemoryReservation::commit(u64 bytes)
{
    if (bytes <= m_committed)
        return {};
    u64 end = align_up(bytes, page_size);
    if (end > m_reserved - guard_bytes)
        return Error::from(ErrorCode::OutOfRange, "commit past the reservation");
    u64 start = align_up(m_committed, page_size);
    if (end > start && mprotect(m_base + start, end - start, PROT_READ | PROT_WRITE) != 0)
        return Error::from(ErrorCode::OutOfMemory, "cannot commit linear memory pages");
    m_committed = bytes;
    return {};
}

Result<u8*> HostedLinearMemoryProvider::resize(u8* current, u64 old_bytes, u64 new_bytes, u64 maximum_bytes)
{
    u8* base = current;
    u64 reserved = align_up(maximum_bytes, page_size) + LinearMemoryReservation::guard_bytes;
    if (!base) {
        if (maximum_bytes > (1ull << 33))
            return Error::from(ErrorCode::InvalidArgument, "linear memory maximum too large");
        void* mapped = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapped == MAP_FAILED)
            return Error::from(ErrorCode::OutOfMemory, "cannot reserve linear memory address space");
        base = static_cast<u8*>(mapped);
    }
    if (new_bytes > maximum_bytes)
        return Error::from(ErrorCode::OutOfRange, "grow past the maximum");
    u64 start = align_up(old_bytes, page_size);
    u64 end = align_up(new_bytes, page_size);
    if (end > start && mprotect(base + start, end - start, PROT_READ | PROT_WRITE) != 0) {
        if (!current)
            munmap(base, reserved);
        return Error::from(ErrorCode::OutOfMemory, "cannot commit linear memory pages");
    }
    return base;
}

void HostedLinearMemoryProvider::release(u8* base, u64, u64 maximum_bytes)
{
    if (base)
        munmap(base, align_up(maximum_bytes, page_size) + LinearMemoryReservation::guard_bytes);
}

Result<object::RegionPages> HostedPageMapper::create_pages(u64 size)
{
    if (size == 0 || !is_aligned(size, page_size))
        return Error::from(ErrorCode::InvalidArgument, "region size must be whole pages");
    int fd = memfd_create("azoth-region", MFD_CLOEXEC);
    if (fd < 0)
        return Error::from(ErrorCode::OutOfMemory, "memfd_create failed");
    if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
        close(fd);
        return Error::from(ErrorCode::OutOfMemory, "cannot size the region");
    }
    void* view = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (view == MAP_FAILED) {
        close(fd);
        return Error::from(ErrorCode::OutOfMemory, "cannot map the region for the kernel");
    }
    return object::RegionPages { static_cast<u64>(fd), size, static_cast<u8*>(view) };
}

void HostedPageMapper::destroy_pages(object::RegionPages& pages)
{
    if (pages.kernel_view)
        munmap(pages.kernel_view, pages.size);
    close(static_cast<int>(pages.token));
    pages = {};
}

ErrorOr HostedPageMapper::map(const object::RegionPages& pages, u64 offset, u8* destination, u64 length, bool writable)
{
    if (!is_aligned(reinterpret_cast<uptr>(destination), page_size) || !is_aligned(offset, page_size) || !is_aligned(length, page_size))
        return Error::from(ErrorCode::InvalidArgument, "mapping must be page aligned");
    if (!range_within<u64>(offset, length, pages.size))
        return Error::from(ErrorCode::OutOfRange, "mapping runs past the region");
    int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
    void* mapped = mmap(destination, length, protection, MAP_SHARED | MAP_FIXED, static_cast<int>(pages.token), static_cast<off_t>(offset));
    if (mapped != destination)
        return Error::from(ErrorCode::OutOfMemory, "mmap of the region failed");
    return {};
}

ErrorOr HostedPageMapper::unmap(u8* destination, u64 length)
{
    void* mapped = mmap(destination, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (mapped != destination)
        return Error::from(ErrorCode::OutOfMemory, "cannot put private pages back");
    return {};
}

} // namespace ath::hosted
