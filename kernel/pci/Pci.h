#pragma once

// PCI(e) as the kernel sees it: a host bridge (where its ECAM configuration window is and which
// address windows its BARs may use, as the firmware describes it: ACPI MCFG on x86_64, the device
// tree's pci-host-ecam-generic node on aarch64 and riscv64), functions (bus:device.function with
// their identity and BARs) and the configuration-space access the enumerator and the PciDevice
// objects (kernel/object/PciDevice.h) go through. Generic: nothing here knows the arch; the kernel's
// ECAM access is kernel/platform/kernel/KernelPci.cpp, the hosted unit tests use a fake.
#include <kernel/lib/FixedVector.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/StringView.h>

namespace ath::pci {

// Configuration-space layout (PCI Local Bus 3.0, chapter 6; PCIe base 4.0 7.5).
namespace config {
constexpr u16 vendor_id = 0x00;
constexpr u16 device_id = 0x02;
constexpr u16 command = 0x04;
constexpr u16 status = 0x06;
constexpr u16 revision = 0x08;
constexpr u16 prog_if = 0x09;
constexpr u16 subclass = 0x0A;
constexpr u16 class_code = 0x0B;
constexpr u16 cache_line_size = 0x0C;
constexpr u16 latency_timer = 0x0D;
constexpr u16 header_type = 0x0E;
constexpr u16 bar0 = 0x10;
constexpr u16 primary_bus = 0x18; // type 1: primary, secondary, subordinate bus, latency
constexpr u16 secondary_bus = 0x19;
constexpr u16 subordinate_bus = 0x1A;
constexpr u16 io_base = 0x1C; // type 1 forwarding windows: I/O base/limit (+ upper 16 bits at 0x30)
constexpr u16 memory_base = 0x20;       // memory base/limit (1 MiB granules)
constexpr u16 prefetchable_base = 0x24; // prefetchable base/limit (+ upper 32 bits at 0x28, 0x2C)
constexpr u16 io_base_upper = 0x30;
constexpr u16 capabilities_pointer = 0x34;
constexpr u16 type0_rom = 0x30;
constexpr u16 type1_rom = 0x38;
constexpr u16 interrupt_line = 0x3C;
constexpr u16 interrupt_pin = 0x3D;
constexpr u16 size = 4096; // one function's ECAM page

constexpr u16 command_io = 1 << 0;
constexpr u16 command_memory = 1 << 1;
constexpr u16 command_bus_master = 1 << 2;
constexpr u16 command_interrupt_disable = 1 << 10;
constexpr u16 status_capabilities = 1 << 4;

constexpr u8 capability_msi = 0x05;
constexpr u8 capability_msix = 0x11;
} // namespace config

struct Address {
    u8 bus { 0 };
    u8 device { 0 };   // 0..31
    u8 function { 0 }; // 0..7
    // bus << 8 | device << 3 | function: the "BDF" number the ABI names a function by.
    u16 encoded() const { return u16(u16(bus) << 8 | u16(device) << 3 | function); }
    static Address decode(u16 bdf) { return Address { u8(bdf >> 8), u8((bdf >> 3) & 31), u8(bdf & 7) }; }
    bool operator==(const Address&) const = default;
};

// Reads and writes one function's configuration space: `width` 1, 2 or 4 bytes at `offset`
// (aligned to the width, below config::size). The callers check those rules; an implementation
// may assume them. A function that does not exist reads all ones.
class ConfigSpace {
public:
    virtual u32 read(Address, u16 offset, u32 width) = 0;
    virtual void write(Address, u16 offset, u32 width, u32 value) = 0;

protected:
    ~ConfigSpace() = default;
};

// An address window of the host bridge (device tree `ranges`): PCI addresses [pci_base, +size)
// appear to the CPU at [cpu_base, +size). I/O windows on aarch64 and riscv64 are memory-mapped.
enum class WindowKind : u8 { Io, Memory32, Memory64 };
struct Window {
    WindowKind kind { WindowKind::Memory32 };
    bool prefetchable { false };
    u64 pci_base { 0 };
    u64 cpu_base { 0 };
    u64 size { 0 };
};

// One ECAM host bridge. The ECAM window holds 1 MiB per bus from bus_start to bus_end; its first
// byte is bus_start's function 0:0.0. `windows` is empty when the firmware does not say (x86_64:
// the windows are in the DSDT's _CRS, which the kernel does not interpret; the firmware has
// assigned every BAR there), and then no BAR can be assigned by the kernel.
struct HostBridge {
    static constexpr usize max_windows = 6;
    u64 ecam_base { 0 };
    u16 segment { 0 };
    u8 bus_start { 0 };
    u8 bus_end { 0 };
    bool io_ports { false }; // I/O BARs are x86 port numbers (else memory-mapped through an Io window)
    FixedVector<Window, max_windows> windows;
};

enum class BarKind : u8 { None, Io, Memory32, Memory64 };

// A Base Address Register as sized and (where needed) assigned. For a 64-bit BAR the next index
// is its upper half and has kind None.
struct Bar {
    BarKind kind { BarKind::None };
    bool prefetchable { false };
    bool assigned { false };        // has an address inside a window (or, without windows, non-zero)
    bool assigned_by_kernel { false };
    u64 pci_address { 0 };          // what the BAR holds
    u64 cpu_address { 0 };          // where the CPU reaches it (port number for x86 I/O)
    u64 size { 0 };
};

// What a bridge forwards downstream: PCI addresses [base, limit]; closed when limit < base.
struct ForwardedRange {
    u64 base { 1 };
    u64 limit { 0 };
    bool is_open() const { return limit >= base; }
};

struct Function {
    static constexpr usize max_bars = 6;
    Address address;
    u16 vendor { 0 };
    u16 device { 0 };
    u8 class_code { 0 };
    u8 subclass { 0 };
    u8 prog_if { 0 };
    u8 revision { 0 };
    u8 header_type { 0 }; // without the multi-function bit: 0 endpoint, 1 PCI-to-PCI bridge
    u8 secondary_bus { 0 };    // bridges
    u8 subordinate_bus { 0 };  // bridges
    u8 bar_count { 0 };        // 6 for endpoints, 2 for bridges, 0 otherwise
    Bar bars[max_bars];
    ForwardedRange forwarded_io, forwarded_memory, forwarded_prefetchable; // bridges
    bool is_bridge() const { return header_type == 1; }
    bool is_host_bridge() const { return class_code == 0x06 && subclass == 0x00; }
};

struct Topology {
    static constexpr usize max_functions = 64;
    FixedVector<Function, max_functions> functions;
    u32 buses_scanned { 0 };
    u32 buses_numbered_by_kernel { 0 }; // bridges the firmware left without bus numbers
    u32 bars_assigned_by_kernel { 0 };
    u32 bars_unassigned { 0 }; // sized but with no address the kernel could give them
    u32 bridge_windows_by_kernel { 0 }; // bridges whose windows the kernel opened
};

struct EnumerateOptions {
    // Assign every BAR from the windows (and open every bridge's windows) even where the firmware
    // gave it an address (the `pci-reassign` kernel command word; without windows nothing changes).
    bool reassign { false };
};

// Walks the bridge's buses from bus_start through every PCI-to-PCI bridge (numbering the buses of
// bridges the firmware left unconfigured), reads each function's identity and sizes its BARs
// (decode off while sizing, restored after). Then, where the host bridge has windows: behind a
// root-bus bridge whose subtree has a BAR without an address its bridges forward, sizes and opens
// the bridge's windows and assigns everything behind it; assigns the root-bus BARs the firmware
// left without an address (naturally aligned, never overlapping another BAR nor a window a bridge
// forwards); turns on memory/I/O decode for every function with an assigned BAR of that kind. Bus mastering is turned off on
// every endpoint (the firmware may have left it on): no device does DMA until the kernel grants
// it. `out` must be empty. Exhausted when there are more functions than Topology holds (what was
// found is kept); a loop in the bridges' bus numbers is not followed.
ErrorOr enumerate(ConfigSpace&, const HostBridge&, Topology& out, EnumerateOptions = {});

// The capability structure of `id` in a function's list (offset, 0 when absent): the walk is
// bounded (at most 48 entries, pointers at 0x40 or above, aligned) so a looping list ends.
u16 find_capability(ConfigSpace&, Address, u8 id);

StringView bar_kind_name(BarKind);

} // namespace ath::pci
