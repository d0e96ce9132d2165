#pragma once

// Typed access to a module's linear memory. Nothing in the kernel dereferences a guest-supplied
// integer: every read and write goes through here and is checked for bounds (without wrap-around)
// and natural alignment, answering ErrorCode::OutOfRange / InvalidArgument instead.
//
// Views handed out by `bytes()` stay valid only until the guest's memory grows; the syscall that
// asks for them must finish with them before it can run guest code again.
//
// Writes (write, write_bytes, writable_bytes, check_writable) also refuse a range that touches a
// read-only region mapping (OutOfRange, i.e. E_FAULT): the kernel never stores into one. A store
// through a plain `bytes()` view into one is the module's store: the page gets a private copy and
// the module traps (docs/ipc.md, "Regions").
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

    Result<Bytes> bytes(u32 address, u32 length) const
    {
        if (!m_memory)
            return Error::from(ErrorCode::OutOfRange, "module has no memory");
        if (!range_within<u64>(address, length, m_memory->size_in_bytes()))
            return Error::from(ErrorCode::OutOfRange, "guest range outside linear memory");
        return Bytes(m_memory->data() + address, length);
    }

    template<typename T>
    Result<T> read(u32 address) const
    {
        static_assert(IsTriviallyCopyable<T>);
        if (address % alignof(T) != 0)
            return Error::from(ErrorCode::InvalidArgument, "misaligned guest pointer");
        auto span = TRY(bytes(address, sizeof(T)));
        T value;
        __builtin_memcpy(&value, span.data(), sizeof(T));
        return value;
    }

    // bytes() for a range the kernel is about to write: also refused when it touches a read-only
    // region mapping.
    Result<Bytes> writable_bytes(u32 address, u32 length) const
    {
        auto span = TRY(bytes(address, length));
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
        if (source.size() > 0xFFFFFFFFu)
            return Error::from(ErrorCode::OutOfRange, "copy larger than linear memory");
        auto span = TRY(writable_bytes(address, static_cast<u32>(source.size())));
        __builtin_memcpy(span.data(), source.data(), source.size());
        return {};
    }

private:
    wasm::Memory* m_memory;
};

} // namespace ath::sys
