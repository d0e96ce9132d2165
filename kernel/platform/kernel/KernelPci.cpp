#include <kernel/arch/Arch.h>
#include <kernel/arch/InterruptsDisabled.h>
#include <kernel/lib/Bits.h>
#include <kernel/lib/Format.h>
#include <kernel/mm/MemoryLayout.h>
#include <kernel/platform/kernel/KernelDevices.h>
#include <kernel/platform/kernel/KernelPci.h>
#include <kernel/sys/AzothDevice.h>

namespace ath::sys {

namespace {

// Maps [physical, physical + length) uncached into the direct map (pages already there, e.g.
// inside a huge RAM mapping, are re-protected uncached).
ErrorOr map_uncached(u64 physical, u64 length)
{
    if (length == 0 || !range_within(physical, length, boot::direct_map_max_size))
        return Error::from(ErrorCode::OutOfRange, "device memory outside the direct map");
    u64 first = align_down(physical, page_size);
    u64 last = align_down(physical + length - 1, page_size);
    for (u64 page = first; page <= last; page += page_size) {
        VirtualAddress where(mm::direct_map_base + page);
        if (Arch::Mmu::translate(where).has_value())
            TRY(Arch::Mmu::protect(where, 1, PageAccess::Write | PageAccess::Uncached));
        else
            TRY(Arch::Mmu::map(where, PhysicalAddress(page), 1, PageAccess::Write | PageAccess::Uncached));
    }
    return {};
}

template<typename T>
T load(u64 physical)
{
    return *reinterpret_cast<volatile T*>(mm::direct_map_base + physical);
}

template<typename T>
void store(u64 physical, T value)
{
    *reinterpret_cast<volatile T*>(mm::direct_map_base + physical) = value;
}

u64 load_width(u64 physical, u32 width)
{
    switch (width) {
    case 1: return load<u8>(physical);
    case 2: return load<u16>(physical);
    case 4: return load<u32>(physical);
    default: return load<u64>(physical);
    }
}

void store_width(u64 physical, u32 width, u64 value)
{
    switch (width) {
    case 1: store<u8>(physical, u8(value)); break;
    case 2: store<u16>(physical, u16(value)); break;
    case 4: store<u32>(physical, u32(value)); break;
    default: store<u64>(physical, value); break;
    }
}

// ECAM: 4 KiB per function, 1 MiB per bus from the host bridge's bus_start. A function's page is
// mapped on its first access (a bus scan touches only the pages of the devices it probes).
class EcamConfigSpace final : public pci::ConfigSpace {
public:
    void attach(const pci::HostBridge& host) { m_host = &host; }

    u32 read(pci::Address address, u16 offset, u32 width) override
    {
        auto page = page_of(address);
        if (!page.has_value())
            return width == 4 ? 0xFFFFFFFF : (1u << (width * 8)) - 1;
        return u32(load_width(*page + offset, width));
    }

    void write(pci::Address address, u16 offset, u32 width, u32 value) override
    {
        auto page = page_of(address);
        if (page.has_value())
            store_width(*page + offset, width, value);
    }

private:
    Optional<u64> page_of(pci::Address address)
    {
        if (!m_host || address.bus < m_host->bus_start || address.bus > m_host->bus_end || address.device > 31 || address.function > 7)
            return none;
        u32 index = u32(address.bus - m_host->bus_start) << 8 | u32(address.device) << 3 | address.function;
        u64 page = m_host->ecam_base + (u64(index) << 12);
        if (!(m_mapped[index / 64] >> (index % 64) & 1)) {
            InterruptsDisabled guard;
            if (map_uncached(page, page_size).is_error())
                return none;
            m_mapped[index / 64] |= u64(1) << (index % 64);
        }
        return page;
    }

    const pci::HostBridge* m_host { nullptr };
    u64 m_mapped[256 * 256 / 64] {};
};

// BAR windows: an access goes through only to a window that is one of the enumerated BARs
// (defence in depth: PciDevice and Device have checked it already); each is mapped on first use.
class BarAccess final : public object::DeviceAccess {
public:
    u64 read(const object::DeviceWindow& window, u64 offset, u32 width) override
    {
        if (window.space == object::DeviceSpace::Port)
            return Arch::device_read(port_registers(window), offset, width);
        if (!usable(window))
            return ~0ull;
        return load_width(window.base + offset, width);
    }

    void write(const object::DeviceWindow& window, u64 offset, u32 width, u64 value) override
    {
        if (window.space == object::DeviceSpace::Port) {
            Arch::device_write(port_registers(window), offset, width, value);
            return;
        }
        if (usable(window))
            store_width(window.base + offset, width, value);
    }

    void attach(const pci::Topology& topology) { m_topology = &topology; }

private:
    static DeviceRegisters port_registers(const object::DeviceWindow& window)
    {
        return DeviceRegisters { true, window.base, window.length, window.widths, 0 };
    }

    bool usable(const object::DeviceWindow& window)
    {
        if (!m_topology)
            return false;
        for (usize slot = 0; slot < m_topology->functions.size(); ++slot) {
            const pci::Function& function = m_topology->functions[slot];
            for (u8 index = 0; index < function.bar_count; ++index) {
                const pci::Bar& bar = function.bars[index];
                if (!bar.assigned || bar.cpu_address != window.base || bar.size != window.length)
                    continue;
                u32 bit = u32(slot * pci::Function::max_bars + index);
                if (!(m_mapped[bit / 64] >> (bit % 64) & 1)) {
                    InterruptsDisabled guard;
                    if (map_uncached(bar.cpu_address, bar.size).is_error())
                        return false;
                    m_mapped[bit / 64] |= u64(1) << (bit % 64);
                }
                return true;
            }
        }
        return false;
    }

    const pci::Topology* m_topology { nullptr };
    u64 m_mapped[(pci::Topology::max_functions * pci::Function::max_bars + 63) / 64] {};
};

// DMA without an IOMMU: a device reaches memory at its physical address on the three machines
// (QEMU q35 and virt have no DMA offset), and a kernel region's token is the physical address of
// its first frame (KernelPageMapper: one contiguous run). An IOMMU would map the run here instead.
class PhysicalDmaAddressing final : public object::DmaAddressing {
public:
    Result<u64> device_address(const object::RegionPages& pages) override
    {
        if (pages.token == 0 || !is_aligned(pages.token, page_size))
            return Error::from(ErrorCode::Invalid, "region pages without a physical address");
        return pages.token;
    }
};

// MSI-X messages through the arch (x86_64: the local APIC; other ports: Unsupported).
class ArchMsiTarget final : public object::MsiTarget {
public:
    Result<Message> install(object::IrqController::Handler handler, void* context) override
    {
        auto message = TRY(Arch::install_msi_handler(handler, context));
        return Message { message.address, message.data, message.vector };
    }
    void remove(u32 vector) override { Arch::remove_msi_handler(vector); }
};

constinit EcamConfigSpace g_config;
constinit ArchMsiTarget g_msi_target;
constinit PhysicalDmaAddressing g_dma_addressing;
constinit BarAccess g_bar_access;
alignas(pci::Topology) u8 g_topology_storage[sizeof(pci::Topology)];
alignas(pci::HostBridge) u8 g_host_storage[sizeof(pci::HostBridge)];
// The device objects live as long as the kernel (placement-new'd: no global constructors run).
alignas(object::RefPtr<object::PciDevice>) u8 g_device_storage[sizeof(object::RefPtr<object::PciDevice>) * pci::Topology::max_functions];
usize g_device_count = 0;
object::RefPtr<object::PciDevice>* devices() { return reinterpret_cast<object::RefPtr<object::PciDevice>*>(g_device_storage); }

void log_topology(const pci::HostBridge& host, const pci::Topology& topology)
{
    for (auto& function : topology.functions) {
        pci::Address a = function.address;
        println("pci: {:02x}:{:02x}.{} {:04x}:{:04x} class {:02x}{:02x}{:02x}{}", a.bus, a.device, a.function, function.vendor,
            function.device, function.class_code, function.subclass, function.prog_if,
            function.is_host_bridge() ? " host-bridge" : function.is_bridge() ? " bridge" : "");
        if (function.is_bridge()) {
            println("pci:   buses {}-{}", function.secondary_bus, function.subordinate_bus);
            const pci::ForwardedRange* ranges[] = { &function.forwarded_io, &function.forwarded_memory, &function.forwarded_prefetchable };
            const char* names[] = { "io", "mem", "prefetchable" };
            for (usize i = 0; i < 3; ++i) {
                if (ranges[i]->is_open())
                    println("pci:   forwards {} pci {:#x}-{:#x}", names[i], ranges[i]->base, ranges[i]->limit);
            }
        }
        for (u8 index = 0; index < function.bar_count; ++index) {
            const pci::Bar& bar = function.bars[index];
            if (bar.kind == pci::BarKind::None)
                continue;
            if (!bar.assigned) {
                println("pci:   bar{} {}{} size {:#x} unassigned", index, pci::bar_kind_name(bar.kind), bar.prefetchable ? " prefetchable" : "", bar.size);
                continue;
            }
            println("pci:   bar{} {}{} cpu {:#x} size {:#x} {}", index, pci::bar_kind_name(bar.kind), bar.prefetchable ? " prefetchable" : "",
                bar.cpu_address, bar.size, bar.assigned_by_kernel ? "assigned-by-kernel" : "firmware");
        }
    }
    println("pci: {} functions on {} buses (ECAM {:#x}, buses {}-{}, {} windows); {} BARs assigned by the kernel, {} left unassigned, {} buses numbered and {} bridges' windows opened by the kernel",
        topology.functions.size(), topology.buses_scanned, host.ecam_base, host.bus_start, host.bus_end, host.windows.size(),
        topology.bars_assigned_by_kernel, topology.bars_unassigned, topology.buses_numbered_by_kernel, topology.bridge_windows_by_kernel);
}

} // namespace

void discover_pci(bool reassign)
{
    auto host = Arch::pci_host_bridge();
    if (host.is_error()) {
        println("pci: no PCI: {}", host.error().reason);
        return;
    }
    for (auto& window : host.value().windows) {
        println("pci: window {} {}pci {:#x} cpu {:#x} size {:#x}",
            window.kind == pci::WindowKind::Io ? "io" : window.kind == pci::WindowKind::Memory32 ? "mem32" : "mem64",
            window.prefetchable ? "prefetchable " : "", window.pci_base, window.cpu_base, window.size);
    }
    auto* bridge = new (g_host_storage) pci::HostBridge(host.release_value());
    g_config.attach(*bridge);
    auto* topology = new (g_topology_storage) pci::Topology();
    if (reassign)
        println("pci: pci-reassign: the kernel assigns every BAR and bridge window{}", bridge->windows.is_empty() ? " (no windows: nothing changes)" : "");
    auto enumerated = pci::enumerate(g_config, *bridge, *topology, pci::EnumerateOptions { reassign });
    if (enumerated.is_error())
        println("pci: enumeration stopped: {}", enumerated.error().reason);
    g_bar_access.attach(*topology);
    log_topology(*bridge, *topology);

    for (auto& function : topology->functions) {
        auto device = object::PciDevice::create(kernel_object_allocator(), g_config, g_bar_access, function, bridge->io_ports);
        if (device.is_error()) {
            println("pci: {:02x}:{:02x}.{}: no device object: {}", function.address.bus, function.address.device,
                function.address.function, device.error().reason);
            continue;
        }
        device.value()->set_msi_target(&g_msi_target);
        new (&devices()[g_device_count++]) object::RefPtr<object::PciDevice>(device.release_value());
    }
    set_azoth_dma_addressing(&g_dma_addressing);
}

Span<const object::RefPtr<object::PciDevice>> kernel_pci_devices()
{
    return Span<const object::RefPtr<object::PciDevice>>(devices(), g_device_count);
}

} // namespace ath::sys
