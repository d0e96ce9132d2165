#pragma once

// A PciDevice is one PCI function as a driver may use it (docs/devices.md). The kernel enumerated
// the bus (kernel/pci) and owns what would let a driver reach beyond its function or into memory:
// the BAR registers, the expansion ROM, a bridge's bus numbers and windows, the command register's
// decode and bus-master bits and the MSI/MSI-X capabilities (an interrupt message is a write to
// memory). A driver reads any byte of its own function's configuration space (read right) and
// writes the rest (write right); each BAR the kernel assigned comes out as a Device object, the
// same register window the UART driver uses (kernel/object/Device.h).
//
// DMA: bus mastering is on only while the function has DMA buffers (kernel/object/DmaBuffer.h
// calls dma_attached / dma_detached). Freeing one quiesces the device before its frames can go
// back to the allocator: a virtio device is reset (device_status = 0, so it forgets every queue
// address) and bus mastering goes off; it comes back on for the remaining buffers only when the
// reset is known to have made the device forget (virtio), else at the function's next first buffer.
//
// Not yet (later slices of issue #18): interrupts as Irq objects (MSI-X / INTx), an IOMMU,
// exclusive ownership through a device manager.
#include <kernel/object/Device.h>
#include <kernel/object/Irq.h>
#include <kernel/pci/Pci.h>

namespace ath::object {

// Where a function's MSI-X messages go: the kernel wraps Arch::install_msi_handler (x86_64: the
// local APIC; other ports answer Unsupported); tests fake it.
class MsiTarget {
public:
    struct Message {
        u64 address { 0 };
        u32 data { 0 };
        u32 vector { 0 };
    };
    virtual Result<Message> install(IrqController::Handler, void* context) = 0;
    virtual void remove(u32 vector) = 0;

protected:
    ~MsiTarget() = default;
};

// The PciDevice is also the IrqController of its MSI-X vectors (line = MSI-X table entry): the
// kernel programs the entry (address, data) and masks and unmasks it through the entry's vector
// control bit, so an Irq object (kernel/object/Irq.h: masked from firing until irq_ack) works
// unchanged. The MSI-X capability stays the kernel's.
class PciDevice final : public Object, public IrqController {
public:
    static constexpr ObjectType type_tag = ObjectType::PciDevice;

    // `config` reaches the function's configuration space; BAR Devices use `bar_access`. Both
    // must outlive the object. InvalidArgument for a function with an impossible address.
    static Result<RefPtr<PciDevice>> create(ObjectAllocator&, pci::ConfigSpace& config, DeviceAccess& bar_access,
        const pci::Function&, bool io_ports);

    const pci::Function& function() const { return m_function; }
    bool io_ports() const { return m_io_ports; } // I/O BARs are x86 port windows

    // One access of `width` bytes (1, 2, 4) at `offset` of this function's configuration space.
    // InvalidArgument for another width or a misaligned offset, OutOfRange beyond its 4 KiB;
    // config_write: PermissionDenied for any byte the kernel owns (above; command bits other
    // than interrupt-disable must be written back unchanged) and InvalidArgument for a value
    // wider than `width`. Nothing is written on error.
    Result<u32> config_read(u32 offset, u32 width);
    ErrorOr config_write(u32 offset, u32 width, u32 value);

    // BAR `index` (0..5) as sized and assigned. InvalidArgument past 5; NotFound for an
    // unimplemented BAR or the upper half of a 64-bit one.
    Result<pci::Bar> bar(u32 index) const;
    // A Device for BAR `index`'s window (MMIO; x86 I/O BARs: ports). bar()'s errors, and Invalid
    // for a BAR that has no address (the firmware left it and the kernel had no window for it),
    // Unsupported for one larger than a Device window may be.
    Result<RefPtr<Device>> open_bar(ObjectAllocator&, u32 index);

    // DMA bookkeeping (one CPU, kernel code is not preempted: no lock). dma_attached turns bus
    // mastering on (unless blocked, above); dma_detached quiesces the device first (see above).
    void dma_attached();
    void dma_detached();
    u32 dma_buffer_count() const { return m_dma_buffers; }
    bool bus_master_enabled();
    // Resets a modern virtio function through its common configuration (device_status = 0, read
    // back until the device shows 0). False when the function has no usable virtio common
    // configuration (not virtio, or the capability names a BAR without an address).
    bool reset_virtio();
    u32 quiesce_count() const { return m_quiesces; }

    // MSI-X vectors as Irq objects. No target set (hosted, or before KernelPci set it):
    // open_msix is Unsupported, as it is on a port without an MSI path.
    static constexpr u32 max_msix_vectors = 32;
    void set_msi_target(MsiTarget* target) { m_msi_target = target; }
    // An Irq for MSI-X table entry `vector`: Unsupported without MSI-X or a target, OutOfRange
    // past the table (or max_msix_vectors), Busy when that vector has an Irq already, Invalid when
    // the table's BAR has no address.
    Result<RefPtr<Irq>> open_msix(ObjectAllocator&, u32 vector);
    u32 msix_table_size();
    // IrqController (lines = MSI-X entries; called by Irq).
    ErrorOr install(u32 line, Handler, void* context) override;
    void remove(u32 line) override;
    void mask(u32 line) override;
    void unmask(u32 line) override;

    PciDevice(pci::ConfigSpace& config, DeviceAccess& bar_access, const pci::Function& function, bool io_ports)
        : Object(ObjectType::PciDevice), m_config(config), m_bar_access(bar_access), m_function(function), m_io_ports(io_ports)
    {
    }

private:
    ErrorOr check(u32 offset, u32 width) const;
    bool kernel_owns(u32 offset) const;
    void set_bus_master(bool on);
    Result<DeviceWindow> msix_table(u64& offset);
    void write_vector_control(u32 line, u32 value);

    pci::ConfigSpace& m_config;
    DeviceAccess& m_bar_access;
    pci::Function m_function;
    bool m_io_ports;
    u16 m_msi { 0 };  // capability offsets (0: none), fixed at creation
    u16 m_msix { 0 };
    u32 m_dma_buffers { 0 };
    bool m_bus_master_blocked { false }; // a buffer went while others live and no reset was known
    u32 m_quiesces { 0 };
    MsiTarget* m_msi_target { nullptr };
    u32 m_msix_vectors[max_msix_vectors] {}; // the target's vector per entry, 0: none installed
};

} // namespace ath::object
