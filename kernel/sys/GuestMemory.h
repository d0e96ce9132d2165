#pragma once

// Typed access to a module's linear memory. Nothing in the kernel dereferences a guest-supplied
// integer: every read and write goes through here and is checked for bounds (without wrap-around)
// and natural alignment, answering ErrorCode::OutOfRange / InvalidArgument instead.
//
// Copy in, copy out (docs/security.md): an import function reads each guest structure once into
// kernel memory (read<T>, copy_in) and writes its results once at the end (write<T>,
// write_bytes). The two kinds of view are different types so that a read view can never be
// written through:
//  - readable(): a ReadonlyBytes view for data the kernel passes along in one pass (fd_write's
//    bytes, a channel message) and never looks at twice;
//  - writable_bytes(): a Bytes view the kernel fills (fd_read, random_get), refused when it
//    touches a read-only region mapping.
// Views stay valid only until the guest's memory grows; the syscall that asks for them must finish
// with them before it can run guest code again.
//
// Writes (write, write_bytes, writable_bytes, check_writable) refuse a range that touches a
// read-only region mapping (OutOfRange, i.e. E_FAULT): the kernel never stores into one. A store
// by the module itself into one gets the page a private copy and traps the module (docs/ipc.md,
// "Regions").
#include <kernel/lib/Bits.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/object/PageMapper.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

class GuestMemory {
public:
    explicit GuestMemory(wasm::Memory* memory) : m_memory(memory) { }

    bool is_present() const { return m_memory != nullptr; }

    // A view to read once (see above); also the bounds check of a range validated before use.
    Result<ReadonlyBytes> readable(u32 address, u32 length) const
    {
        auto span = TRY(raw(address, length));
        return ReadonlyBytes(span.data(), span.size());
    }

    // Copies `destination.size()` guest bytes at `address` into kernel memory.
    ErrorOr copy_in(u32 address, Bytes destination) const
    {
        u32 length = TRY(copy_length(destination.size()));
        auto span = TRY(raw(address, length));
        __builtin_memcpy(destination.data(), span.data(), span.size());
        return {};
    }

    template<typename T>
    Result<T> read(u32 address) const
    {
        static_assert(IsTriviallyCopyable<T>);
        if (address % alignof(T) != 0)
            return Error::from(ErrorCode::InvalidArgument, "misaligned guest pointer");
        auto span = TRY(raw(address, sizeof(T)));
        T value;
        __builtin_memcpy(&value, span.data(), sizeof(T));
        return value;
    }

    // A view of a range the kernel is about to write: also refused when it touches a read-only
    // region mapping.
    Result<Bytes> writable_bytes(u32 address, u32 length) const
    {
        auto span = TRY(raw(address, length));
        if (object::touches_read_only_mapping(span.data(), span.size()))
            return Error::from(ErrorCode::OutOfRange, "guest range is a read-only region mapping");
        return span;
    }

    // Checks that a T can be written at `address` (validate before anything changes, then write).
    template<typename T>
    ErrorOr check_writable(u32 address) const
    {
        static_assert(IsTriviallyCopyable<T>);
        if (address % alignof(T) != 0)
            return Error::from(ErrorCode::InvalidArgument, "misaligned guest pointer");
        TRY(writable_bytes(address, sizeof(T)));
        return {};
    }

    template<typename T>
    ErrorOr write(u32 address, const T& value) const
    {
        static_assert(IsTriviallyCopyable<T>);
        if (address % alignof(T) != 0)
            return Error::from(ErrorCode::InvalidArgument, "misaligned guest pointer");
        auto span = TRY(writable_bytes(address, sizeof(T)));
        __builtin_memcpy(span.data(), &value, sizeof(T));
        return {};
    }

    ErrorOr write_bytes(u32 address, ReadonlyBytes source) const
    {
        u32 length = TRY(copy_length(source.size()));
        auto span = TRY(writable_bytes(address, length));
        __builtin_memcpy(span.data(), source.data(), source.size());
        return {};
    }

private:
    // A copy between kernel and guest memory is at most as long as a linear memory can be.
    static Result<u32> copy_length(usize size)
    {
        if (size > 0xFFFFFFFFu)
            return Error::from(ErrorCode::OutOfRange, "copy larger than linear memory");
        return static_cast<u32>(size);
    }

    Result<Bytes> raw(u32 address, u32 length) const
    {
        if (!m_memory)
            return Error::from(ErrorCode::OutOfRange, "module has no memory");
        if (!range_within<u64>(address, length, m_memory->size_in_bytes()))
            return Error::from(ErrorCode::OutOfRange, "guest range outside linear memory");
        return Bytes(m_memory->data() + address, length);
    }

    wasm::Memory* m_memory;
};

} // namespace ath::sys
