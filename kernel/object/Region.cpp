#include "Region.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

Result<RefPtr<Region>> Region::create(ObjectAllocator& allocator, PageMapper& mapper, u64 size)
{
    if (size == 0 || size > max_size)
        return Error::from(ErrorCode::InvalidArgument, "region size must be between one page and 1 GiB");
    RegionPages pages = TRY(mapper.create_pages(align_up(size, page_size)));
    auto region = make_object<Region>(allocator, mapper, pages);
    if (region.is_error())
        mapper.destroy_pages(pages);
    return region;
}

} // namespace ath::object
