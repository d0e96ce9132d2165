#include "FirmwareExit.h"

#include "MemoryMap.h"

namespace ath::boot {

namespace {

// Allocations between sizing the map and reading it (ours included) add descriptors.
constexpr usize memory_map_slack_entries = 16;

} // namespace

Result<MemoryMapBuffers> reserve_memory_map(uefi::BootServices& services)
{
    usize size = 0, key = 0, descriptor_size = 0;
    u32 version = 0;
    uefi::Status status = services.get_memory_map(&size, nullptr, &key, &descriptor_size, &version);
    if (status != uefi::buffer_too_small)
        return error_from_status(status, "the firmware does not report its memory map size");
    if (descriptor_size < sizeof(uefi::MemoryDescriptor) || descriptor_size > 4096)
        return Error::from(ErrorCode::Malformed, "the firmware reports an implausible memory descriptor size");
    usize entries = size / descriptor_size + memory_map_slack_entries;
    PageRun raw = TRY(allocate_pages(services, entries * descriptor_size, uefi::MemoryType::LoaderData));
    auto ranges = allocate_pages(services, entries * sizeof(MemoryRange), uefi::MemoryType::AzothKernelData);
    if (ranges.is_error()) {
        free_pages(services, raw);
        return ranges.release_error();
    }
    return MemoryMapBuffers { raw, ranges.value() };
}

void release_memory_map(uefi::BootServices& services, const MemoryMapBuffers& buffers)
{
    free_pages(services, buffers.raw);
    free_pages(services, buffers.ranges);
}

Result<MapSnapshot> read_memory_map(uefi::BootServices& services, const MemoryMapBuffers& buffers)
{
    MapSnapshot snapshot { buffers.raw.pages * uefi::uefi_page_size, 0, 0 };
    u32 version = 0;
    uefi::Status status = services.get_memory_map(&snapshot.size, reinterpret_cast<uefi::MemoryDescriptor*>(buffers.raw.physical),
                                                  &snapshot.key, &snapshot.descriptor_size, &version);
    if (status == uefi::buffer_too_small)
        return Error::from(ErrorCode::OutOfRange, "the firmware memory map outgrew the space reserved for it");
    if (uefi::is_error(status))
        return error_from_status(status, "the firmware memory map cannot be read");
    if (snapshot.size > buffers.raw.pages * uefi::uefi_page_size)
        return Error::from(ErrorCode::Malformed, "the firmware claims a memory map larger than its buffer");
    return snapshot;
}

Result<usize> exit_boot_services(uefi::Handle image, uefi::BootServices& services, const MemoryMapBuffers& buffers)
{
    for (int attempt = 0; attempt < exit_boot_services_attempts; ++attempt) {
        MapSnapshot snapshot = TRY(read_memory_map(services, buffers));
        usize count = TRY(convert_memory_map(buffers.raw.bytes().slice(0, snapshot.size), snapshot.descriptor_size,
                                             buffers.range_slots()));
        uefi::Status status = services.exit_boot_services(image, snapshot.key);
        if (status == uefi::success)
            return count;
        if (status != uefi::invalid_parameter)
            return error_from_status(status, "the firmware refused ExitBootServices");
    }
    return Error::from(ErrorCode::Busy, "the memory map kept changing; ExitBootServices never succeeded");
}

} // namespace ath::boot
