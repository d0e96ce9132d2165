#include "MemoryMap.h"

#include <boot/MemoryRanges.h>
#include <kernel/lib/Bits.h>

namespace ath::boot {

namespace {

uefi::MemoryDescriptor descriptor_at(ReadonlyBytes descriptors, usize offset)
{
    uefi::MemoryDescriptor descriptor;
    auto* bytes = reinterpret_cast<u8*>(&descriptor);
    descriptors.slice(offset, sizeof(descriptor)).copy_to(Bytes(bytes, sizeof(descriptor)));
    return descriptor;
}

// Bytes a descriptor covers; none when the firmware reports a size that overflows.
Optional<u64> descriptor_end(const uefi::MemoryDescriptor& descriptor)
{
    auto size = checked_mul<u64>(descriptor.number_of_pages, uefi::uefi_page_size);
    if (!size.has_value())
        return none;
    return checked_add<u64>(descriptor.physical_start, *size);
}

} // namespace

MemoryKind memory_kind_of(uefi::MemoryType type)
{
    using uefi::MemoryType;
    switch (type) {
    case MemoryType::Conventional:
        return MemoryKind::Usable;
    // The loader's own code and scratch data are dead once the kernel runs; what the kernel keeps
    // was allocated as AzothKernelData.
    case MemoryType::LoaderCode:
    case MemoryType::LoaderData:
    case MemoryType::BootServicesCode:
    case MemoryType::BootServicesData:
        return MemoryKind::BootServicesReclaim;
    case MemoryType::AzothKernelData:
        return MemoryKind::LoaderData;
    case MemoryType::AcpiReclaim:
        return MemoryKind::AcpiReclaim;
    case MemoryType::AcpiNvs:
        return MemoryKind::AcpiNvs;
    case MemoryType::MemoryMappedIo:
    case MemoryType::MemoryMappedIoPortSpace:
        return MemoryKind::Mmio;
    case MemoryType::RuntimeServicesCode:
    case MemoryType::RuntimeServicesData:
        return MemoryKind::RuntimeServices;
    default:
        // Reserved, unusable, persistent, unaccepted and unknown types: the kernel keeps away.
        return MemoryKind::Reserved;
    }
}

Result<usize> convert_memory_map(ReadonlyBytes descriptors, usize descriptor_size, Span<MemoryRange> ranges)
{
    if (descriptor_size < sizeof(uefi::MemoryDescriptor))
        return Error::from(ErrorCode::Malformed, "firmware memory descriptors are smaller than the spec's");
    usize count = 0;
    for (usize offset = 0; offset + descriptor_size <= descriptors.size(); offset += descriptor_size) {
        uefi::MemoryDescriptor descriptor = descriptor_at(descriptors, offset);
        auto end = descriptor_end(descriptor);
        if (!end.has_value())
            return Error::at(ErrorCode::Malformed, offset, "firmware memory descriptor overflows");
        if (descriptor.number_of_pages == 0)
            continue;
        if (count == ranges.size())
            return Error::from(ErrorCode::OutOfRange, "memory map has more entries than were reserved");
        ranges[count++] = MemoryRange { descriptor.physical_start, *end - descriptor.physical_start,
                                        memory_kind_of(static_cast<uefi::MemoryType>(descriptor.type)), 0 };
    }
    auto merged = sort_and_merge_memory_ranges(ranges, count);
    if (merged.is_error())
        return Error::from(ErrorCode::Malformed, "firmware memory map has overlapping ranges");
    return merged.release_value();
}

u64 highest_physical_address(ReadonlyBytes descriptors, usize descriptor_size)
{
    u64 highest = 0;
    if (descriptor_size < sizeof(uefi::MemoryDescriptor))
        return 0;
    for (usize offset = 0; offset + descriptor_size <= descriptors.size(); offset += descriptor_size) {
        auto end = descriptor_end(descriptor_at(descriptors, offset));
        if (end.has_value() && *end > highest)
            highest = *end;
    }
    return highest;
}

} // namespace ath::boot
