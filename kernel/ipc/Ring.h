#pragma once

// A single-producer single-consumer ring of fixed-size slots in shared memory (a Region).
// The same layout is used by modules (sdk/include/azoth_ring.h) and by the kernel:
//
//   offset 0   u32 head        next slot the consumer reads (free-running, written by the consumer)
//   offset 4   u32 tail        next slot the producer writes (free-running, written by the producer)
//   offset 8   u32 slot_count  a power of two
//   offset 12  u32 slot_size   bytes per slot, a multiple of 8, >= 16
//   offset 64  slots; each is { u32 length; u8 payload[slot_size - 4] }
//
// The memory is shared with a module that may scribble on it at any time, so every index and
// length is read once and checked before use; a bad one is Malformed, never an out-of-bounds access.
#include <kernel/lib/Bits.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>

namespace ath::ipc {

class RingView {
public:
    static constexpr u32 header_size = 64;
    static constexpr u32 length_size = 4;

    // Lays out a fresh ring over `memory` (which must be zeroed or owned by the caller).
    static Result<RingView> format(Bytes memory, u32 slot_size);
    // Checks an existing ring's header against `memory`.
    static Result<RingView> attach(Bytes memory);

    u32 slot_count() const { return m_slot_count; }
    u32 slot_size() const { return m_slot_size; }
    u32 payload_capacity() const { return m_slot_size - length_size; }

    // false when the ring is full. InvalidArgument when the message does not fit in a slot.
    Result<bool> try_send(ReadonlyBytes message);
    // The length of the message copied into `destination`, or none when the ring is empty.
    // Messages longer than `destination` -> OutOfRange (the message stays in the ring).
    Result<Optional<u32>> try_receive(Bytes destination);
    // Messages waiting (as the indices say right now).
    Result<u32> pending() const;

private:
    RingView(Bytes memory, u32 slot_count, u32 slot_size) : m_memory(memory), m_slot_count(slot_count), m_slot_size(slot_size) { }

    u32* word(u32 offset) const { return reinterpret_cast<u32*>(m_memory.data() + offset); }
    u32 load_acquire(u32 offset) const { return __atomic_load_n(word(offset), __ATOMIC_ACQUIRE); }
    void store_release(u32 offset, u32 value) const { __atomic_store_n(word(offset), value, __ATOMIC_RELEASE); }
    u8* slot(u32 index) const { return m_memory.data() + header_size + static_cast<usize>(index & (m_slot_count - 1)) * m_slot_size; }

    Bytes m_memory;
    u32 m_slot_count;
    u32 m_slot_size;
};

} // namespace ath::ipc
