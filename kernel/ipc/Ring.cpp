#include "Ring.h"

namespace ath::ipc {

namespace {
constexpr u32 head_offset = 0, tail_offset = 4, slot_count_offset = 8, slot_size_offset = 12;
}

Result<RingView> RingView::format(Bytes memory, u32 slot_size)
{
    if (slot_size < 16 || slot_size % 8 != 0 || slot_size > (1u << 20))
        return Error::from(ErrorCode::InvalidArgument, "slot size must be a multiple of 8 between 16 and 1 MiB");
    if (memory.size() < header_size + 2ull * slot_size || reinterpret_cast<uptr>(memory.data()) % 8 != 0)
        return Error::from(ErrorCode::InvalidArgument, "ring memory too small for two slots");
    u64 fits = (memory.size() - header_size) / slot_size;
    u32 count = 1;
    while (static_cast<u64>(count) * 2 <= fits && count < (1u << 30))
        count *= 2;
    RingView ring(memory, count, slot_size);
    __builtin_memset(memory.data(), 0, header_size);
    ring.store_release(slot_count_offset, count);
    ring.store_release(slot_size_offset, slot_size);
    return ring;
}

Result<RingView> RingView::attach(Bytes memory)
{
    if (memory.size() < header_size || reinterpret_cast<uptr>(memory.data()) % 8 != 0)
        return Error::from(ErrorCode::Malformed, "ring memory smaller than its header");
    u32 count = __atomic_load_n(reinterpret_cast<u32*>(memory.data() + slot_count_offset), __ATOMIC_ACQUIRE);
    u32 size = __atomic_load_n(reinterpret_cast<u32*>(memory.data() + slot_size_offset), __ATOMIC_ACQUIRE);
    if (count == 0 || (count & (count - 1)) != 0 || size < 16 || size % 8 != 0)
        return Error::from(ErrorCode::Malformed, "ring header has a bad geometry");
    auto slots_bytes = checked_mul<u64>(count, size);
    if (!slots_bytes.has_value() || *slots_bytes > memory.size() - header_size)
        return Error::from(ErrorCode::Malformed, "ring slots run past the region");
    return RingView(memory, count, size);
}

Result<u32> RingView::pending() const
{
    u32 head = load_acquire(head_offset);
    u32 tail = load_acquire(tail_offset);
    u32 used = tail - head;
    if (used > m_slot_count)
        return Error::from(ErrorCode::Malformed, "ring indices are corrupt");
    return used;
}

Result<bool> RingView::try_send(ReadonlyBytes message)
{
    if (message.size() > payload_capacity())
        return Error::from(ErrorCode::InvalidArgument, "message larger than a ring slot");
    u32 tail = __atomic_load_n(word(tail_offset), __ATOMIC_RELAXED);
    u32 head = load_acquire(head_offset);
    u32 used = tail - head;
    if (used > m_slot_count)
        return Error::from(ErrorCode::Malformed, "ring indices are corrupt");
    if (used == m_slot_count)
        return false;
    u8* destination = slot(tail);
    u32 length = static_cast<u32>(message.size());
    __builtin_memcpy(destination, &length, length_size);
    if (length)
        __builtin_memcpy(destination + length_size, message.data(), length);
    store_release(tail_offset, tail + 1);
    return true;
}

Result<Optional<u32>> RingView::try_receive(Bytes destination)
{
    u32 head = __atomic_load_n(word(head_offset), __ATOMIC_RELAXED);
    u32 tail = load_acquire(tail_offset);
    u32 used = tail - head;
    if (used > m_slot_count)
        return Error::from(ErrorCode::Malformed, "ring indices are corrupt");
    if (used == 0)
        return Optional<u32> {};
    const u8* source = slot(head);
    u32 length;
    __builtin_memcpy(&length, source, length_size);
    if (length > payload_capacity())
        return Error::from(ErrorCode::Malformed, "ring message length exceeds its slot");
    if (length > destination.size())
        return Error::from(ErrorCode::OutOfRange, "receive buffer smaller than the message");
    if (length)
        __builtin_memcpy(destination.data(), source + length_size, length);
    store_release(head_offset, head + 1);
    return Optional<u32>(length);
}

} // namespace ath::ipc
