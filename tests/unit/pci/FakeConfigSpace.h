#pragma once

// A PCI configuration space in memory that behaves like hardware where the enumerator and the
// PciDevice object depend on it: BARs decode only the bits their size allows (writing all ones
// reads back the size mask), the type bits of a BAR and the identity registers are read-only,
// bridges' bus-number registers are writable, and an absent function reads all ones.
#include <kernel/pci/Pci.h>

#include <cstring>
#include <map>
#include <vector>

namespace ath::pci::testing {

struct FakeBar {
    BarKind kind { BarKind::None };
    u64 size { 0 };
    bool prefetchable { false };
    u64 address { 0 }; // what the firmware left in it
};

class FakeConfigSpace final : public ConfigSpace {
public:
    struct Fn {
        u8 bytes[config::size] {};
        FakeBar bars[6];
        u8 bar_count { 6 };
        usize writes { 0 };
    };

    Fn& add(Address address, u16 vendor, u16 device, u8 class_code, u8 subclass, u8 header_type = 0, bool multifunction = false)
    {
        Fn& fn = m_functions[address.encoded()];
        std::memset(fn.bytes, 0, sizeof fn.bytes);
        store(fn, config::vendor_id, 2, vendor);
        store(fn, config::device_id, 2, device);
        store(fn, config::subclass, 1, subclass);
        store(fn, config::class_code, 1, class_code);
        store(fn, config::header_type, 1, header_type | (multifunction ? 0x80 : 0));
        fn.bar_count = header_type == 0 ? 6 : header_type == 1 ? 2 : 0;
        return fn;
    }

    void set_bar(Address address, u8 index, FakeBar bar)
    {
        Fn& fn = m_functions.at(address.encoded());
        fn.bars[index] = bar;
        write_bar(fn, index, bar.address);
        if (bar.kind == BarKind::Memory64)
            write_bar(fn, index + 1, bar.address >> 32);
    }

    // A bridge's primary/secondary/subordinate bus numbers as the firmware left them.
    void set_buses(Address address, u8 primary, u8 secondary, u8 subordinate)
    {
        Fn& fn = m_functions.at(address.encoded());
        store(fn, config::primary_bus, 1, primary);
        store(fn, config::secondary_bus, 1, secondary);
        store(fn, config::subordinate_bus, 1, subordinate);
    }

    // A capability list of (id, length) entries from 0x40 on.
    void set_capabilities(Address address, std::vector<std::pair<u8, u8>> capabilities)
    {
        Fn& fn = m_functions.at(address.encoded());
        store(fn, config::status, 2, config::status_capabilities);
        u16 at = 0x40;
        store(fn, config::capabilities_pointer, 1, at);
        for (usize i = 0; i < capabilities.size(); ++i) {
            u16 next = i + 1 < capabilities.size() ? u16(at + capabilities[i].second) : 0;
            store(fn, at, 1, capabilities[i].first);
            store(fn, at + 1, 1, next);
            at = next;
        }
    }

    u32 value(Address address, u16 offset, u32 width) const { return load(m_functions.at(address.encoded()), offset, width); }
    bool has(Address address) const { return m_functions.count(address.encoded()) != 0; }
    usize writes(Address address) const { return m_functions.at(address.encoded()).writes; }
    usize reads { 0 };

    u32 read(Address address, u16 offset, u32 width) override
    {
        ++reads;
        auto found = m_functions.find(address.encoded());
        if (found == m_functions.end())
            return width == 4 ? 0xFFFFFFFF : (1u << (width * 8)) - 1;
        return load(found->second, offset, width);
    }

    void write(Address address, u16 offset, u32 width, u32 value) override
    {
        auto found = m_functions.find(address.encoded());
        if (found == m_functions.end())
            return;
        Fn& fn = found->second;
        fn.writes++;
        for (u32 i = 0; i < width; ++i) {
            u16 at = u16(offset + i);
            u8 byte = u8(value >> (8 * i));
            if (at < config::command || (at >= config::revision && at < config::cache_line_size) || at == config::header_type)
                continue; // identity, class, header type: read-only
            if (at >= config::bar0 && at < config::bar0 + 4 * fn.bar_count) {
                u8 index = u8((at - config::bar0) / 4);
                u32 shift = 8 * ((at - config::bar0) % 4);
                u32 current = load(fn, u16(config::bar0 + index * 4), 4);
                u32 wanted = (current & ~(0xFFu << shift)) | u32(byte) << shift;
                write_bar(fn, index, wanted);
                continue;
            }
            fn.bytes[at] = byte;
        }
    }

private:
    static void store(Fn& fn, u16 offset, u32 width, u32 value)
    {
        for (u32 i = 0; i < width; ++i)
            fn.bytes[offset + i] = u8(value >> (8 * i));
    }
    static u32 load(const Fn& fn, u16 offset, u32 width)
    {
        u32 value = 0;
        for (u32 i = 0; i < width; ++i)
            value |= u32(fn.bytes[offset + i]) << (8 * i);
        return value;
    }

    // The BAR register `index` takes `value` as hardware would: only the address bits its size
    // decodes, with its type bits fixed. A 64-bit BAR's upper half is register index + 1.
    static void write_bar(Fn& fn, u8 index, u32 value)
    {
        u16 offset = u16(config::bar0 + index * 4);
        const FakeBar* owner = &fn.bars[index];
        bool upper = false;
        if (owner->kind == BarKind::None && index > 0 && fn.bars[index - 1].kind == BarKind::Memory64) {
            owner = &fn.bars[index - 1];
            upper = true;
        }
        if (owner->kind == BarKind::None) {
            store(fn, offset, 4, 0);
            return;
        }
        u64 mask = ~(owner->size - 1);
        if (upper) {
            store(fn, offset, 4, u32(value & (mask >> 32)));
            return;
        }
        if (owner->kind == BarKind::Io) {
            store(fn, offset, 4, (value & u32(mask) & 0xFFFF) | 1);
            return;
        }
        u32 flags = (owner->kind == BarKind::Memory64 ? 4u : 0u) | (owner->prefetchable ? 8u : 0u);
        store(fn, offset, 4, (value & u32(mask) & ~0xFu) | flags);
    }

    std::map<u16, Fn> m_functions;
};

} // namespace ath::pci::testing
