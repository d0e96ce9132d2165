#pragma once

// A Device is a device's register window as the arch describes it: a range of MMIO physical
// addresses or of I/O ports, the access widths its registers accept, and the interrupt line it
// raises (an Irq object is made for that line separately, kernel/object/Irq.h). A driver with a
// Device handle reads registers (read right) and writes them (write right) one access at a time;
// every access is checked against the window before the arch performs it. Mapping the window into
// a driver's linear memory (map right) is not implemented.
#include <kernel/lib/Optional.h>
#include <kernel/object/Object.h>

namespace ath::object {

enum class DeviceSpace : u8 {
    Mmio, // physical addresses; the arch accesses them through its uncached device mapping
    Port, // x86 I/O ports (in/out)
};

// Allowed access widths, one bit per width in bytes (1, 2, 4, 8).
enum class AccessWidths : u8 { Byte = 1, Half = 2, Word = 4, Double = 8 };
constexpr u8 operator|(AccessWidths a, AccessWidths b) { return u8(a) | u8(b); }

struct DeviceWindow {
    DeviceSpace space { DeviceSpace::Mmio };
    u64 base { 0 };   // first physical address / first port
    u64 length { 0 }; // in bytes (ports: number of ports)
    u8 widths { 0 };  // AccessWidths bits the registers accept
};

struct DeviceDescription {
    DeviceWindow window;
    Optional<u32> irq; // the arch's number of the line the device raises
};

// The arch side: performs one register access inside a window Device has already checked.
class DeviceAccess {
public:
    virtual u64 read(const DeviceWindow&, u64 offset, u32 width) = 0;
    virtual void write(const DeviceWindow&, u64 offset, u32 width, u64 value) = 0;

protected:
    ~DeviceAccess() = default;
};

class Device final : public Object {
public:
    static constexpr ObjectType type_tag = ObjectType::Device;
    static constexpr u64 max_port = 0x10000;          // x86 I/O space
    static constexpr u64 max_length = 1ull << 32;     // 4 GiB: larger windows are not registers

    // InvalidArgument for an empty, wrapping or oversized window, unknown width bits, or a port
    // window outside the 64 Ki I/O space.
    static Result<RefPtr<Device>> create(ObjectAllocator&, DeviceAccess&, const DeviceDescription&);

    const DeviceWindow& window() const { return m_description.window; }
    Optional<u32> irq() const { return m_description.irq; }

    // One access of `width` bytes at byte `offset` of the window. InvalidArgument for a width the
    // window does not accept, a misaligned offset, or (write) a value wider than `width`;
    // OutOfRange when the access does not lie inside the window. Nothing is accessed on error.
    Result<u64> read(u64 offset, u32 width);
    ErrorOr write(u64 offset, u32 width, u64 value);

    Device(DeviceAccess& access, const DeviceDescription& description)
        : Object(ObjectType::Device), m_access(access), m_description(description) { }

private:
    ErrorOr check(u64 offset, u32 width) const;

    DeviceAccess& m_access;
    DeviceDescription m_description;
};

} // namespace ath::object
