#include "DmaBuffer.h"

namespace ath::object {

Result<RefPtr<DmaBuffer>> DmaBuffer::create(ObjectAllocator& allocator, PageMapper& mapper, DmaAddressing& addressing, PciDevice& device,
    u64 size)
{
    if (size == 0 || size > max_size)
        return Error::from(ErrorCode::InvalidArgument, "a DMA buffer is between one byte and 4 MiB");
    if (device.function().is_bridge())
        return Error::from(ErrorCode::InvalidArgument, "a bridge has no DMA of its own");
    auto region = TRY(Region::create(allocator, mapper, size));
    u64 address = TRY(addressing.device_address(region->pages()));
    auto buffer = TRY(make_object<DmaBuffer>(allocator, RefPtr<PciDevice>(&device), move(region), address));
    device.dma_attached();
    buffer->m_attached = true;
    return buffer;
}

DmaBuffer::~DmaBuffer()
{
    if (m_attached)
        m_device->dma_detached();
}

} // namespace ath::object
