#include "Region.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

Result<RefPtr<Region>> Region::create(ObjectAllocator& allocator, PageMapper& mapper, u64 size, ResourceAccount* account)
{
    if (size == 0 || size > max_size)
        return Error::from(ErrorCode::InvalidArgument, "region size must be between one page and 1 GiB");
    u64 bytes = align_up(size, page_size);
    auto count_charge = TRY(ResourceCharge::take(account, Resource::Regions, 1));
    auto memory_charge = TRY(ResourceCharge::take(account, Resource::MemoryBytes, bytes));
    RegionPages pages = TRY(mapper.create_pages(bytes));
    auto region = make_object<Region>(allocator, mapper, pages);
    if (region.is_error()) {
        mapper.destroy_pages(pages);
        return region;
    }
    region.value()->m_count_charge = move(count_charge);
    region.value()->m_memory_charge = move(memory_charge);
    return region;
}

} // namespace ath::object
