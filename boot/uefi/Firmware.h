#pragma once

// Thin, fallible wrappers over the boot services the loader uses.
#include "PageAllocator.h"
#include "Uefi.h"

#include <boot/BootInfo.h>
#include <kernel/lib/Span.h>

namespace ath::boot {

Error error_from_status(uefi::Status status, const char* reason);

struct PageRun {
    u64 physical;
    usize pages;

    Bytes bytes() const { return Bytes(reinterpret_cast<u8*>(physical), pages * uefi::uefi_page_size); }
};

Result<PageRun> allocate_pages(uefi::BootServices& services, u64 bytes, uefi::MemoryType type);
void free_pages(uefi::BootServices& services, PageRun run);

// Page tables for the kernel, taken from firmware memory the kernel will keep.
class FirmwarePageAllocator final : public PageAllocator {
public:
    explicit FirmwarePageAllocator(uefi::BootServices& services) : m_services(&services) { }
    Result<u64> allocate_zeroed_page() override;
    u64* page_at(u64 physical) override { return reinterpret_cast<u64*>(physical); }

private:
    uefi::BootServices* m_services;
};

// Physical address of a configuration table (ACPI RSDP, device tree...), 0 when absent.
u64 find_configuration_table(const uefi::SystemTable& system, const uefi::Guid& guid);

// The GOP framebuffer, switched to 1024x768 when the firmware offers it; format None without GOP.
Framebuffer set_up_framebuffer(uefi::BootServices& services);

} // namespace ath::boot
