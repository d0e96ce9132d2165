#include <kernel/lib/Bits.h>
#include <kernel/lib/Traits.h>
#include <kernel/pci/Pci.h>

namespace ath::pci {

namespace {

// Bridges nest at most this deep (real PCIe hierarchies: a few levels): it bounds the recursion of
// the walk and of the window sizing on the 64 KiB boot stack.
constexpr usize max_bridge_depth = 16;
constexpr u64 lowest_io_port = 0x1000; // below it sit the legacy ISA ports

struct Scan {
    ConfigSpace& config;
    const HostBridge& host;
    Topology& out;
    u64 scanned[4] {}; // one bit per bus: a loop in the bridges' numbers is not followed
    u32 next_bus { 0 }; // the next bus number free for a bridge the firmware left unnumbered
    bool full { false };

    bool seen(u8 bus) const { return (scanned[bus / 64] >> (bus % 64)) & 1; }
    void mark(u8 bus) { scanned[bus / 64] |= u64(1) << (bus % 64); }
};

// Where a BAR's PCI address appears to the CPU: through the host window of its space that holds
// all of it (none when no window does); without windows the two are the same.
Optional<u64> cpu_address_of(const HostBridge& host, BarKind kind, u64 pci_address, u64 size)
{
    if (host.windows.is_empty())
        return pci_address;
    for (auto& window : host.windows) {
        bool same_space = (kind == BarKind::Io) == (window.kind == WindowKind::Io);
        if (!same_space || pci_address < window.pci_base || size > window.size || pci_address - window.pci_base > window.size - size)
            continue;
        return window.cpu_base + (pci_address - window.pci_base);
    }
    return none;
}

// Sizes the BARs of `function` (decode is off meanwhile: a BAR holding all ones must not decode).
void size_bars(Scan& scan, Function& function)
{
    Address address = function.address;
    u16 command = u16(scan.config.read(address, config::command, 2));
    scan.config.write(address, config::command, 2, command & ~(config::command_io | config::command_memory));
    for (u8 index = 0; index < function.bar_count; ++index) {
        u16 offset = u16(config::bar0 + index * 4);
        u32 original = scan.config.read(address, offset, 4);
        scan.config.write(address, offset, 4, 0xFFFFFFFF);
        u32 mask = scan.config.read(address, offset, 4);
        scan.config.write(address, offset, 4, original);
        Bar& bar = function.bars[index];
        if (original & 1) {
            u32 bits = mask & ~u32(3);
            if (bits == 0)
                continue; // unimplemented
            if ((bits & 0xFFFF0000) == 0)
                bits |= 0xFFFF0000; // 16-bit I/O decoders leave the upper half zero
            bar.kind = BarKind::Io;
            bar.size = u64(~bits) + 1;
            bar.pci_address = original & ~u32(3);
            continue;
        }
        u32 type = (original >> 1) & 3;
        u64 bits = mask & ~u32(0xF);
        u64 value = original & ~u32(0xF);
        if (type == 2 && index + 1 < function.bar_count) {
            u16 high_offset = u16(offset + 4);
            u32 high = scan.config.read(address, high_offset, 4);
            scan.config.write(address, high_offset, 4, 0xFFFFFFFF);
            u32 high_mask = scan.config.read(address, high_offset, 4);
            scan.config.write(address, high_offset, 4, high);
            bits |= u64(high_mask) << 32;
            value |= u64(high) << 32;
            bar.kind = BarKind::Memory64;
            ++index; // the upper half is part of this BAR
        } else {
            bits |= 0xFFFFFFFF00000000ull;
            bar.kind = BarKind::Memory32;
        }
        if ((bits & 0xFFFFFFFF) == 0 && (bar.kind == BarKind::Memory32 || (bits >> 32) == 0)) {
            bar = Bar {}; // unimplemented
            continue;
        }
        bar.size = ~bits + 1;
        bar.prefetchable = (original & 8) != 0;
        bar.pci_address = value;
    }
    scan.config.write(address, config::command, 2, command);
    for (u8 index = 0; index < function.bar_count; ++index) {
        Bar& bar = function.bars[index];
        if (bar.kind == BarKind::None || bar.pci_address == 0)
            continue;
        auto cpu = cpu_address_of(scan.host, bar.kind, bar.pci_address, bar.size);
        if (cpu.has_value()) {
            bar.assigned = true;
            bar.cpu_address = *cpu;
        }
    }
}

void scan_bus(Scan& scan, u8 bus, usize depth);

// A bridge's forwarding windows as the firmware programmed them (PCI-to-PCI Bridge 1.2, 3.2.5).
void read_forwarding(ConfigSpace& config, Function& function)
{
    Address address = function.address;
    u32 io = config.read(address, config::io_base, 2);
    u32 io_upper = config.read(address, config::io_base_upper, 4);
    bool io32 = (io & 0xF) == 1;
    function.forwarded_io.base = u64(io & 0xF0) << 8 | (io32 ? u64(io_upper & 0xFFFF) << 16 : 0);
    function.forwarded_io.limit = u64(io & 0xF000) | 0xFFF | (io32 ? u64(io_upper >> 16) << 16 : 0);
    u32 memory = config.read(address, config::memory_base, 4);
    function.forwarded_memory.base = u64(memory & 0xFFF0) << 16;
    function.forwarded_memory.limit = u64(memory & 0xFFF00000) | 0xFFFFF;
    u32 prefetchable = config.read(address, config::prefetchable_base, 4);
    bool prefetchable64 = (prefetchable & 0xF) == 1;
    function.forwarded_prefetchable.base = u64(prefetchable & 0xFFF0) << 16;
    function.forwarded_prefetchable.limit = u64(prefetchable & 0xFFF00000) | 0xFFFFF;
    if (prefetchable64) {
        function.forwarded_prefetchable.base |= u64(config.read(address, 0x28, 4)) << 32;
        function.forwarded_prefetchable.limit |= u64(config.read(address, 0x2C, 4)) << 32;
    }
}

ErrorOr append(Scan& scan, const Function& function)
{
    if (scan.out.functions.try_append(function).is_error()) {
        scan.full = true;
        return Error::from(ErrorCode::Exhausted, "more PCI functions than the kernel tracks");
    }
    return {};
}

ErrorOr add_function(Scan& scan, Address address, usize depth)
{
    Function function;
    function.address = address;
    u32 ids = scan.config.read(address, config::vendor_id, 4);
    function.vendor = u16(ids);
    function.device = u16(ids >> 16);
    u32 class_word = scan.config.read(address, config::revision, 4);
    function.revision = u8(class_word);
    function.prog_if = u8(class_word >> 8);
    function.subclass = u8(class_word >> 16);
    function.class_code = u8(class_word >> 24);
    function.header_type = u8(scan.config.read(address, config::header_type, 1)) & 0x7F;
    function.bar_count = function.header_type == 0 ? 6 : function.header_type == 1 ? 2 : 0;
    size_bars(scan, function);

    if (function.is_bridge()) {
        read_forwarding(scan.config, function);
        u32 buses = scan.config.read(address, config::primary_bus, 4);
        u8 secondary = u8(buses >> 8);
        u8 subordinate = u8(buses >> 16);
        bool numbered = secondary > address.bus && secondary >= scan.host.bus_start && secondary <= scan.host.bus_end
            && subordinate >= secondary && subordinate <= scan.host.bus_end;
        bool numbering = false;
        if (!numbered && scan.next_bus <= scan.host.bus_end) {
            // Unnumbered by the firmware: the next free bus, and everything up to the last for now.
            secondary = u8(scan.next_bus);
            subordinate = scan.host.bus_end;
            scan.config.write(address, config::primary_bus, 4,
                (buses & 0xFF000000) | u32(subordinate) << 16 | u32(secondary) << 8 | address.bus);
            scan.out.buses_numbered_by_kernel++;
            numbering = true;
        }
        function.secondary_bus = secondary;
        function.subordinate_bus = subordinate;
        if (numbered || numbering) {
            TRY(append(scan, function));
            usize index = scan.out.functions.size() - 1;
            scan.next_bus = max<u32>(scan.next_bus, u32(secondary) + 1);
            if (numbered)
                scan.next_bus = max<u32>(scan.next_bus, u32(subordinate) + 1);
            scan_bus(scan, secondary, depth + 1);
            if (numbering) {
                // What the bridge forwards: up to the highest bus numbered behind it.
                u32 last = max<u32>(secondary, scan.next_bus - 1);
                u32 now = scan.config.read(address, config::primary_bus, 4);
                scan.config.write(address, config::primary_bus, 4, (now & 0xFF00FFFF) | last << 16);
                scan.out.functions[index].subordinate_bus = u8(last);
            }
            return {};
        }
    }
    return append(scan, function);
}

void scan_bus(Scan& scan, u8 bus, usize depth)
{
    if (scan.full || depth > max_bridge_depth || bus < scan.host.bus_start || bus > scan.host.bus_end || scan.seen(bus))
        return;
    scan.mark(bus);
    scan.out.buses_scanned++;
    scan.next_bus = max<u32>(scan.next_bus, u32(bus) + 1);
    for (u8 device = 0; device < 32 && !scan.full; ++device) {
        Address first { bus, device, 0 };
        if (u16(scan.config.read(first, config::vendor_id, 2)) == 0xFFFF)
            continue;
        bool multifunction = (scan.config.read(first, config::header_type, 1) & 0x80) != 0;
        for (u8 function = 0; function < (multifunction ? 8 : 1) && !scan.full; ++function) {
            Address address { bus, device, function };
            if (function != 0 && u16(scan.config.read(address, config::vendor_id, 2)) == 0xFFFF)
                continue;
            (void)add_function(scan, address, depth);
        }
    }
}

// The lowest address in `window` for a BAR of `size` (its alignment too) that overlaps no
// assigned BAR of the same space.
Optional<u64> place(const Topology& topology, const Window& window, BarKind kind, u64 size)
{
    u64 start = window.pci_base;
    if (kind == BarKind::Io && start < lowest_io_port)
        start = lowest_io_port;
    if (start == 0)
        start = size; // address 0 reads as "unassigned"
    auto candidate = checked_align_up(start, size);
    while (candidate.has_value()) {
        u64 at = *candidate;
        if (at < window.pci_base || at - window.pci_base > window.size || window.size - (at - window.pci_base) < size)
            return none;
        Optional<u64> moved;
        auto avoid = [&](const ForwardedRange& range) {
            if (!moved.has_value() && range.is_open() && range.base < at + size && at <= range.limit)
                moved = range.limit + 1;
        };
        for (auto& function : topology.functions) {
            if (function.is_bridge()) {
                if (kind == BarKind::Io)
                    avoid(function.forwarded_io);
                else
                    avoid(function.forwarded_memory), avoid(function.forwarded_prefetchable);
            }
            for (u8 index = 0; index < function.bar_count && !moved.has_value(); ++index) {
                const Bar& other = function.bars[index];
                if (!other.assigned || (other.kind == BarKind::Io) != (kind == BarKind::Io))
                    continue;
                if (other.pci_address < at + size && at < other.pci_address + other.size)
                    moved = other.pci_address + other.size;
            }
        }
        if (!moved.has_value())
            return at;
        candidate = checked_align_up(*moved, size);
    }
    return none;
}

// The windows a BAR may go in, best first: a prefetchable 64-bit BAR prefers a prefetchable
// 64-bit window, any 64-bit BAR may use a 64-bit window, and every memory BAR fits a 32-bit one.
bool window_fits(const Window& window, const Bar& bar, int preference)
{
    if (bar.kind == BarKind::Io)
        return window.kind == WindowKind::Io;
    if (window.kind == WindowKind::Io)
        return false;
    switch (preference) {
    case 0: return bar.kind == BarKind::Memory64 && bar.prefetchable && window.kind == WindowKind::Memory64 && window.prefetchable;
    case 1: return bar.kind == BarKind::Memory64 && window.kind == WindowKind::Memory64 && (bar.prefetchable || !window.prefetchable);
    default: return window.kind == WindowKind::Memory32 && (bar.prefetchable || !window.prefetchable);
    }
}

void write_bar(ConfigSpace& config, const Function& function, u8 index, u64 address)
{
    // Decode off while the halves change, so the BAR never decodes a half-written address.
    u16 command = u16(config.read(function.address, config::command, 2));
    config.write(function.address, config::command, 2, command & ~(config::command_io | config::command_memory));
    u16 offset = u16(config::bar0 + index * 4);
    u32 low = config.read(function.address, offset, 4) & (function.bars[index].kind == BarKind::Io ? 3u : 0xFu);
    config.write(function.address, offset, 4, low | u32(address));
    if (function.bars[index].kind == BarKind::Memory64)
        config.write(function.address, u16(offset + 4), 4, u32(address >> 32));
    config.write(function.address, config::command, 2, command);
}

void assign_bars(ConfigSpace& config, const HostBridge& host, Topology& topology)
{
    bool tried[Topology::max_functions][Function::max_bars] {};
    // Largest first: each size is a power of two, so packing them in this order leaves no holes.
    while (true) {
        Function* best_function = nullptr;
        u8 best_index = 0;
        usize best_slot = 0;
        for (usize slot = 0; slot < topology.functions.size(); ++slot) {
            Function& function = topology.functions[slot];
            if (function.address.bus != host.bus_start)
                continue; // behind a bridge the bridge's windows would have to be opened too: not yet
            for (u8 index = 0; index < function.bar_count; ++index) {
                const Bar& bar = function.bars[index];
                if (bar.kind == BarKind::None || bar.assigned || tried[slot][index] || bar.size == 0)
                    continue;
                if (!best_function || bar.size > best_function->bars[best_index].size)
                    best_function = &function, best_index = index, best_slot = slot;
            }
        }
        if (!best_function)
            return;
        Bar& bar = best_function->bars[best_index];
        tried[best_slot][best_index] = true; // not picked again, even when it does not fit
        for (int preference = 0; preference < 3 && !bar.assigned; ++preference) {
            for (auto& window : host.windows) {
                if (!window_fits(window, bar, preference))
                    continue;
                if (bar.kind == BarKind::Memory32 && window.pci_base + window.size > (1ull << 32))
                    continue;
                auto at = place(topology, window, bar.kind, bar.size);
                if (!at.has_value())
                    continue;
                write_bar(config, *best_function, best_index, *at);
                bar.pci_address = *at;
                bar.cpu_address = window.cpu_base + (*at - window.pci_base);
                bar.assigned = true;
                bar.assigned_by_kernel = true;
                break;
            }
        }
    }
}

// ---- Behind bridges: the kernel opens a bridge's windows and assigns everything behind it ----
// A root-bus bridge is rebuilt when something behind it has no address its bridges forward (or
// with `reassign`): its I/O and memory windows are sized from what is behind it (each a power of
// two, at least the 4 KiB / 1 MiB granule; every BAR behind it goes in the 32-bit memory window,
// prefetchable or not, and the prefetchable window is closed), placed in the host bridge's windows
// like a BAR, and filled largest first: everything is a power of two, so a bump allocator from a
// base aligned to the window's size keeps each item naturally aligned.

constexpr u64 io_granule = u64(1) << 12;
constexpr u64 memory_granule = u64(1) << 20;
constexpr u64 largest_window = u64(1) << 40; // no sane bridge window is larger: refuse beyond

bool is_child_of(const Function& bridge, const Function& function)
{
    return bridge.is_bridge() && bridge.secondary_bus != 0 && function.address.bus == bridge.secondary_bus;
}

bool forwards(const ForwardedRange& range, u64 base, u64 size)
{
    return range.is_open() && size != 0 && base >= range.base && base - range.base <= range.limit - range.base
        && size - 1 <= range.limit - base;
}

// True when every BAR behind `bridge` has an address the bridges above it forward.
bool reachable_behind(const Topology& topology, const Function& bridge, usize depth)
{
    if (depth > max_bridge_depth)
        return false;
    for (auto& function : topology.functions) {
        if (!is_child_of(bridge, function))
            continue;
        for (u8 index = 0; index < function.bar_count; ++index) {
            const Bar& bar = function.bars[index];
            if (bar.kind == BarKind::None)
                continue;
            if (!bar.assigned)
                return false;
            bool forwarded = bar.kind == BarKind::Io ? forwards(bridge.forwarded_io, bar.pci_address, bar.size)
                                                     : forwards(bridge.forwarded_memory, bar.pci_address, bar.size)
                    || forwards(bridge.forwarded_prefetchable, bar.pci_address, bar.size);
            if (!forwarded)
                return false;
        }
        if (function.is_bridge() && !reachable_behind(topology, function, depth + 1))
            return false;
    }
    return true;
}

// Forgets every address behind `bridge` (its windows too): the kernel will give new ones.
void forget_behind(Topology& topology, Function& bridge, usize depth)
{
    bridge.forwarded_io = bridge.forwarded_memory = bridge.forwarded_prefetchable = ForwardedRange {};
    if (depth > max_bridge_depth)
        return;
    for (auto& function : topology.functions) {
        if (!is_child_of(bridge, function))
            continue;
        for (u8 index = 0; index < function.bar_count; ++index)
            function.bars[index].assigned = false;
        if (function.is_bridge())
            forget_behind(topology, function, depth + 1);
    }
}

u64 window_size(u64 total, u64 granule)
{
    if (total == 0)
        return 0;
    if (total > largest_window)
        return largest_window << 1; // too large: no window holds it
    u64 size = granule;
    while (size < total)
        size <<= 1;
    return size;
}

struct WindowNeed {
    u64 io { 0 };
    u64 memory { 0 };
};

WindowNeed need_behind(const Topology& topology, const Function& bridge, usize depth)
{
    u64 io = 0, memory = 0;
    for (auto& function : topology.functions) {
        if (!is_child_of(bridge, function))
            continue;
        for (u8 index = 0; index < function.bar_count; ++index) {
            const Bar& bar = function.bars[index];
            if (bar.kind == BarKind::None)
                continue;
            u64& total = bar.kind == BarKind::Io ? io : memory;
            total = bar.size > largest_window || total > largest_window ? largest_window + 1 : total + bar.size;
        }
        if (function.is_bridge() && depth < max_bridge_depth) {
            WindowNeed nested = need_behind(topology, function, depth + 1);
            io = io > largest_window || nested.io > largest_window ? largest_window + 1 : io + nested.io;
            memory = memory > largest_window || nested.memory > largest_window ? largest_window + 1 : memory + nested.memory;
        }
    }
    return { window_size(io, io_granule), window_size(memory, memory_granule) };
}

// Programs `bridge`'s windows (size 0: closed) and records them; the prefetchable one is closed.
void open_windows(ConfigSpace& config, Function& bridge, u64 io_base, u64 io_size, u64 memory_base, u64 memory_size)
{
    Address address = bridge.address;
    if (io_size != 0) {
        u64 last = io_base + io_size - 1;
        config.write(address, config::io_base, 2, u32((io_base >> 8) & 0xF0) | u32((last >> 8) & 0xF0) << 8);
        config.write(address, config::io_base_upper, 4, u32(io_base >> 16) | u32(last >> 16) << 16);
        bridge.forwarded_io = ForwardedRange { io_base, last };
    } else {
        config.write(address, config::io_base, 2, 0x00F0);
        config.write(address, config::io_base_upper, 4, 0);
    }
    if (memory_size != 0) {
        u64 last = memory_base + memory_size - 1;
        config.write(address, config::memory_base, 4, u32((memory_base >> 16) & 0xFFF0) | u32((last >> 16) & 0xFFF0) << 16);
        bridge.forwarded_memory = ForwardedRange { memory_base, last };
    } else {
        config.write(address, config::memory_base, 4, 0x0000FFF0);
    }
    config.write(address, config::prefetchable_base, 4, 0x0000FFF0);
    config.write(address, 0x28, 4, 0);
    config.write(address, 0x2C, 4, 0);
    u16 command = u16(config.read(address, config::command, 2));
    u16 decode = u16((io_size ? config::command_io : 0) | (memory_size ? config::command_memory : 0));
    config.write(address, config::command, 2, command | decode);
}

// Fills `bridge`'s windows (already placed at io_base / memory_base): the BARs and nested
// bridges' windows behind it, largest first.
void fill_behind(ConfigSpace& config, const HostBridge& host, Topology& topology, Function& bridge, u64 io_base, u64 memory_base,
    usize depth, u32& windows_opened)
{
    WindowNeed need = need_behind(topology, bridge, depth);
    open_windows(config, bridge, io_base, need.io, memory_base, need.memory);
    windows_opened++;
    u64 io_cursor = io_base, memory_cursor = memory_base;
    bool placed[Topology::max_functions][Function::max_bars + 1] {}; // +1: a nested bridge's windows
    while (true) {
        // The largest item left: a BAR, or a nested bridge's memory (or, lacking one, I/O) window.
        usize best_slot = 0, best_index = 0;
        u64 best_size = 0;
        for (usize slot = 0; slot < topology.functions.size(); ++slot) {
            const Function& function = topology.functions[slot];
            if (!is_child_of(bridge, function))
                continue;
            for (u8 index = 0; index < function.bar_count; ++index) {
                const Bar& bar = function.bars[index];
                if (bar.kind != BarKind::None && !placed[slot][index] && bar.size > best_size)
                    best_slot = slot, best_index = index, best_size = bar.size;
            }
            if (function.is_bridge() && depth < max_bridge_depth && !placed[slot][Function::max_bars]) {
                WindowNeed nested = need_behind(topology, function, depth + 1);
                u64 size = nested.memory ? nested.memory : nested.io;
                if (size > best_size)
                    best_slot = slot, best_index = Function::max_bars, best_size = size;
            }
        }
        if (best_size == 0)
            return;
        Function& function = topology.functions[best_slot];
        placed[best_slot][best_index] = true;
        if (best_index == Function::max_bars) {
            // A nested bridge: its memory window at the memory cursor, its I/O window at the I/O
            // cursor (both naturally aligned: sizes only shrink from here on, except I/O, aligned here).
            WindowNeed nested = need_behind(topology, function, depth + 1);
            u64 io_at = nested.io ? align_up(io_cursor, nested.io) : 0;
            fill_behind(config, host, topology, function, io_at, memory_cursor, depth + 1, windows_opened);
            memory_cursor += nested.memory;
            if (nested.io)
                io_cursor = io_at + nested.io;
            continue;
        }
        Bar& bar = function.bars[best_index];
        u64& cursor = bar.kind == BarKind::Io ? io_cursor : memory_cursor;
        u64 at = align_up(cursor, bar.size);
        auto cpu = cpu_address_of(host, bar.kind, at, bar.size);
        if (!cpu.has_value())
            continue; // cannot happen for a window placed inside a host window; stays unassigned
        write_bar(config, function, u8(best_index), at);
        bar.pci_address = at;
        bar.cpu_address = *cpu;
        bar.assigned = bar.assigned_by_kernel = true;
        cursor = at + bar.size;
    }
}

void rebuild_bridges(ConfigSpace& config, const HostBridge& host, Topology& topology, bool reassign, u32& windows_opened)
{
    for (auto& bridge : topology.functions) {
        if (!bridge.is_bridge() || bridge.address.bus != host.bus_start || bridge.secondary_bus == 0)
            continue;
        if (!reassign && reachable_behind(topology, bridge, 0))
            continue;
        forget_behind(topology, bridge, 0);
        WindowNeed need = need_behind(topology, bridge, 0);
        u64 io_at = 0, memory_at = 0; // 0: not placed (place() never answers 0)
        for (auto& window : host.windows) {
            if (need.io && window.kind == WindowKind::Io && io_at == 0)
                io_at = place(topology, window, BarKind::Io, need.io).value_or(0);
            if (need.memory && window.kind == WindowKind::Memory32 && !window.prefetchable && memory_at == 0
                && window.pci_base + window.size <= (u64(1) << 32))
                memory_at = place(topology, window, BarKind::Memory32, need.memory).value_or(0);
        }
        if ((need.io && io_at == 0) || (need.memory && memory_at == 0))
            continue; // no room: what is behind it stays unassigned
        fill_behind(config, host, topology, bridge, io_at, memory_at, 0, windows_opened);
    }
}

} // namespace

ErrorOr enumerate(ConfigSpace& config, const HostBridge& host, Topology& out, EnumerateOptions options)
{
    if (!out.functions.is_empty())
        return Error::from(ErrorCode::InvalidArgument, "the topology to fill is not empty");
    if (host.bus_end < host.bus_start)
        return Error::from(ErrorCode::InvalidArgument, "the host bridge's bus range is empty");
    Scan scan { config, host, out };
    scan.next_bus = u32(host.bus_start) + 1;
    scan_bus(scan, host.bus_start, 0);
    if (!host.windows.is_empty()) {
        if (options.reassign) {
            for (auto& function : out.functions) {
                if (function.address.bus != host.bus_start)
                    continue;
                for (u8 index = 0; index < function.bar_count; ++index)
                    function.bars[index].assigned = false;
            }
        }
        rebuild_bridges(config, host, out, options.reassign, out.bridge_windows_by_kernel);
        assign_bars(config, host, out);
    }
    for (auto& function : out.functions) {
        u16 decode = 0;
        for (u8 index = 0; index < function.bar_count; ++index) {
            const Bar& bar = function.bars[index];
            if (bar.kind == BarKind::None)
                continue;
            // Decode on for every assigned BAR: the firmware turns it on only for the devices its
            // own drivers use, and a driver cannot (the command register's decode bits are the
            // kernel's, PciDevice).
            if (bar.assigned)
                decode |= bar.kind == BarKind::Io ? config::command_io : config::command_memory;
            if (!bar.assigned)
                out.bars_unassigned++;
            else if (bar.assigned_by_kernel)
                out.bars_assigned_by_kernel++;
        }
        // Bus mastering (DMA) is off on every endpoint until the kernel grants DMA through its own
        // objects (a later slice of issue #18): whatever the firmware left on is turned off.
        u16 command = u16(config.read(function.address, config::command, 2));
        u16 wanted = u16(command | decode);
        if (!function.is_bridge())
            wanted = u16(wanted & ~config::command_bus_master);
        if (wanted != command)
            config.write(function.address, config::command, 2, wanted);
    }
    if (scan.full)
        return Error::from(ErrorCode::Exhausted, "more PCI functions than the kernel tracks");
    return {};
}

u16 find_capability(ConfigSpace& config, Address address, u8 id)
{
    if ((config.read(address, config::status, 2) & config::status_capabilities) == 0)
        return 0;
    u16 at = u16(config.read(address, config::capabilities_pointer, 1) & 0xFC);
    for (int steps = 0; steps < 48 && at >= 0x40; ++steps) {
        u16 header = u16(config.read(address, at, 2));
        if (u8(header) == id)
            return at;
        at = u16((header >> 8) & 0xFC);
    }
    return 0;
}

StringView bar_kind_name(BarKind kind)
{
    switch (kind) {
    case BarKind::None: return "none";
    case BarKind::Io: return "io";
    case BarKind::Memory32: return "mem32";
    case BarKind::Memory64: return "mem64";
    }
    return "?";
}

} // namespace ath::pci
