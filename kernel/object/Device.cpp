#include "Device.h"

#include <kernel/lib/Bits.h>

namespace ath::object {

namespace {
constexpr u8 known_widths = 1 | 2 | 4 | 8; // every AccessWidths bit
}

Result<RefPtr<Device>> Device::create(ObjectAllocator& allocator, DeviceAccess& access, const DeviceDescription& description)
{
    const DeviceWindow& window = description.window;
    if (window.space != DeviceSpace::Mmio && window.space != DeviceSpace::Port)
        return Error::from(ErrorCode::InvalidArgument, "unknown device address space");
    if (window.length == 0 || window.length > max_length)
        return Error::from(ErrorCode::InvalidArgument, "device window is empty or too large");
    auto end = checked_add<u64>(window.base, window.length);
    if (!end.has_value())
        return Error::from(ErrorCode::InvalidArgument, "device window wraps around");
    if (window.space == DeviceSpace::Port && *end > max_port)
        return Error::from(ErrorCode::InvalidArgument, "port window outside the I/O space");
    if (window.widths == 0 || (window.widths & ~known_widths) != 0)
        return Error::from(ErrorCode::InvalidArgument, "device window names no or unknown access widths");
    return make_object<Device>(allocator, access, description);
}

ErrorOr Device::check(u64 offset, u32 width) const
{
    const DeviceWindow& window = m_description.window;
    if (width == 0 || width > 8 || (width & (width - 1)) != 0 || (window.widths & width) == 0)
        return Error::from(ErrorCode::InvalidArgument, "the device does not accept this access width");
    if (offset % width != 0)
        return Error::from(ErrorCode::InvalidArgument, "register access is not aligned to its width");
    if (offset >= window.length || window.length - offset < width)
        return Error::from(ErrorCode::OutOfRange, "register access outside the device window");
    return {};
}

Result<u64> Device::read(u64 offset, u32 width)
{
    TRY(check(offset, width));
    return m_access.read(m_description.window, offset, width);
}

ErrorOr Device::write(u64 offset, u32 width, u64 value)
{
    TRY(check(offset, width));
    if (width < 8 && (value >> (width * 8)) != 0)
        return Error::from(ErrorCode::InvalidArgument, "value is wider than the access");
    m_access.write(m_description.window, offset, width, value);
    return {};
}

} // namespace ath::object
