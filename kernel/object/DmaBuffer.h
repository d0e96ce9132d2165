#pragma once

// A DmaBuffer is memory a PCI function may read and write by itself (the Zircon BTI + pinned
// VMO model, docs/devices.md "DMA"): a Region of physically contiguous, zeroed, pinned frames
// (the driver maps it into its linear memory like any region) and the address the device uses for
// its first byte. It holds its PciDevice: while any buffer of a function lives, the function may
// master the bus; when one goes, the function is quiesced (PciDevice::dma_detached: a virtio
// reset, bus mastering off) before this object lets go of its region, so the frames can only
// return to the allocator once the device has stopped using them. The region itself may outlive
// the buffer while the driver keeps it mapped; the device no longer reaches it then.
//
// Without an IOMMU the device address is the physical address, and nothing stops a driver from
// writing any other physical address into a descriptor: the trust that remains is written down in
// docs/devices.md.
#include <kernel/object/PciDevice.h>
#include <kernel/object/Region.h>

namespace ath::object {

// Where a device sees a region's pages: the kernel's regions are physically contiguous and, with
// no IOMMU, a device reaches them at their physical address (kernel/platform/kernel/KernelPci).
class DmaAddressing {
public:
    // The device address of byte 0 of `pages`. Unsupported when the mapper's pages cannot be
    // reached by a device (the hosted build).
    virtual Result<u64> device_address(const RegionPages& pages) = 0;

protected:
    ~DmaAddressing() = default;
};

class DmaBuffer final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::DmaBuffer;
    // One buffer is one contiguous run of frames: rings and small data buffers, not bulk memory.
    static constexpr u64 max_size = 4ull << 20;

    // `size` rounded up to whole pages; 0 or more than max_size -> InvalidArgument; a bridge (it
    // masters nothing of its own) -> InvalidArgument. Region::create's charges and errors pass
    // through. On success the device may master the bus.
    static Result<RefPtr<DmaBuffer>> create(ObjectAllocator&, PageMapper&, DmaAddressing&, PciDevice&, u64 size);

    Region& region() const { return *m_region; }
    PciDevice& device() const { return *m_device; }
    u64 device_address() const { return m_device_address; }
    u64 size() const { return m_region->size(); }

    DmaBuffer(RefPtr<PciDevice> device, RefPtr<Region> region, u64 device_address)
        : Object(ObjectType::DmaBuffer), m_device(move(device)), m_region(move(region)), m_device_address(device_address)
    {
    }
    // Quiesces the device, then (members) drops the region.
    ~DmaBuffer() override;

private:
    RefPtr<PciDevice> m_device;
    RefPtr<Region> m_region;
    u64 m_device_address;
    bool m_attached { false };
};

} // namespace ath::object
