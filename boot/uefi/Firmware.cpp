#include "Firmware.h"

namespace ath::boot {

namespace {

constexpr u32 preferred_width = 1024;
constexpr u32 preferred_height = 768;

PixelFormat pixel_format_of(const uefi::GraphicsOutputModeInformation& info)
{
    switch (info.pixel_format) {
    case uefi::GraphicsPixelFormat::RedGreenBlueReserved8Bit:
        return PixelFormat::Rgbx8888;
    case uefi::GraphicsPixelFormat::BlueGreenRedReserved8Bit:
        return PixelFormat::Bgrx8888;
    case uefi::GraphicsPixelFormat::BitMask: {
        const auto& masks = info.pixel_information;
        if (masks.red == 0x00FF0000 && masks.green == 0x0000FF00 && masks.blue == 0x000000FF)
            return PixelFormat::Bgrx8888;
        if (masks.red == 0x000000FF && masks.green == 0x0000FF00 && masks.blue == 0x00FF0000)
            return PixelFormat::Rgbx8888;
        return PixelFormat::None;
    }
    default:
        return PixelFormat::None; // BltOnly: no linear framebuffer to hand over
    }
}

} // namespace

Error error_from_status(uefi::Status status, const char* reason)
{
    switch (status) {
    case uefi::not_found:
        return Error::from(ErrorCode::NotFound, reason);
    case uefi::out_of_resources:
        return Error::from(ErrorCode::OutOfMemory, reason);
    case uefi::unsupported:
        return Error::from(ErrorCode::Unsupported, reason);
    case uefi::invalid_parameter:
        return Error::from(ErrorCode::InvalidArgument, reason);
    default:
        return Error::from(ErrorCode::Invalid, reason);
    }
}

Result<PageRun> allocate_pages(uefi::BootServices& services, u64 bytes, uefi::MemoryType type)
{
    usize pages = static_cast<usize>((bytes + uefi::uefi_page_size - 1) / uefi::uefi_page_size);
    if (pages == 0)
        pages = 1;
    uefi::PhysicalAddress physical = 0;
    uefi::Status status = services.allocate_pages(uefi::AllocateType::AnyPages, type, pages, &physical);
    if (uefi::is_error(status))
        return error_from_status(status, "the firmware has no free memory for it");
    return PageRun { physical, pages };
}

void free_pages(uefi::BootServices& services, PageRun run)
{
    services.free_pages(run.physical, run.pages);
}

Result<u64> FirmwarePageAllocator::allocate_zeroed_page()
{
    PageRun run = TRY(allocate_pages(*m_services, uefi::uefi_page_size, uefi::MemoryType::AzothKernelData));
    run.bytes().fill(0);
    return run.physical;
}

u64 find_configuration_table(const uefi::SystemTable& system, const uefi::Guid& guid)
{
    for (usize i = 0; i < system.number_of_table_entries; ++i) {
        if (system.configuration_table[i].vendor_guid == guid)
            return reinterpret_cast<u64>(system.configuration_table[i].vendor_table);
    }
    return 0;
}

Framebuffer set_up_framebuffer(uefi::BootServices& services)
{
    Framebuffer none { 0, 0, 0, 0, 0, PixelFormat::None };
    void* interface = nullptr;
    if (uefi::is_error(services.locate_protocol(&uefi::guids::graphics_output, nullptr, &interface)) || !interface)
        return none;
    auto* gop = static_cast<uefi::GraphicsOutputProtocol*>(interface);
    if (gop->mode == nullptr || gop->mode->info == nullptr)
        return none;

    for (u32 mode = 0; mode < gop->mode->max_mode; ++mode) {
        usize info_size = 0;
        uefi::GraphicsOutputModeInformation* info = nullptr;
        if (uefi::is_error(gop->query_mode(gop, mode, &info_size, &info)) || info == nullptr)
            continue;
        bool wanted = info->horizontal_resolution == preferred_width && info->vertical_resolution == preferred_height
            && pixel_format_of(*info) != PixelFormat::None;
        services.free_pool(info);
        if (wanted) {
            if (mode != gop->mode->mode)
                gop->set_mode(gop, mode); // on failure the current mode simply stays
            break;
        }
    }

    const auto& info = *gop->mode->info;
    PixelFormat format = pixel_format_of(info);
    if (format == PixelFormat::None || gop->mode->frame_buffer_base == 0)
        return none;
    return Framebuffer { gop->mode->frame_buffer_base, gop->mode->frame_buffer_size, info.horizontal_resolution,
                         info.vertical_resolution, info.pixels_per_scan_line, format };
}

} // namespace ath::boot
