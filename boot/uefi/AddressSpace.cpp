#include "AddressSpace.h"

#include <boot/BootInfo.h>
#include <Paging.h>
#include <kernel/lib/Bits.h>

namespace ath::boot {

namespace {

// The union of what the segments touching one page ask for; a page in a gap between segments
// is not mapped at all.
Optional<PagePermissions> permissions_of_page(const KernelImage& image, u64 page)
{
    Optional<PagePermissions> result;
    for (const LoadSegment& segment : image.segments) {
        u64 start = align_down<u64>(segment.virtual_address, kernel_page_size);
        u64 end = align_up<u64>(segment.virtual_address + segment.memory_size, kernel_page_size);
        if (page < start || page >= end)
            continue;
        if (!result.has_value())
            result = PagePermissions { segment.writable, segment.executable };
        else
            result = PagePermissions { result->writable || segment.writable, result->executable || segment.executable };
    }
    return result;
}

} // namespace

u64 direct_map_size_for(u64 highest_memory, const Framebuffer& framebuffer)
{
    constexpr u64 one_gib = 1ULL << 30;
    u64 highest = max<u64>(highest_memory, 4 * one_gib);
    if (framebuffer.format != PixelFormat::None)
        highest = max<u64>(highest, framebuffer.base + framebuffer.size);
    return align_up<u64>(highest, one_gib);
}

Result<u64> build_kernel_address_space(PageAllocator& allocator, const KernelImage& image, u64 kernel_physical,
                                       u64 direct_map_size, arch::PagingFeatures features)
{
    if (direct_map_size == 0 || direct_map_size > direct_map_max_size || direct_map_size % (2ULL << 20) != 0)
        return Error::from(ErrorCode::InvalidArgument, "direct map size is not a non-zero multiple of 2 MiB within the window");
    auto tables = TRY(arch::PageTableBuilder::create(allocator, features.huge_1g_pages, features.no_execute));
    for (u64 page = image.virtual_start; page < image.virtual_end; page += kernel_page_size) {
        auto permissions = permissions_of_page(image, page);
        if (!permissions.has_value())
            continue;
        TRY(tables.map(page, kernel_physical + (page - image.virtual_start), kernel_page_size, *permissions));
    }
    TRY(tables.map(direct_map_base, 0, direct_map_size, PagePermissions { true, false }));
    // The identity map keeps the loader's code running across the CR3 switch, so unlike the
    // direct map it must be executable; its own tables keep the direct map non-executable.
    TRY(tables.map(0, 0, direct_map_size, PagePermissions { true, true }));
    return tables.root();
}

} // namespace ath::boot
