#pragma once

// The one shape every import module (kernel/sys/abi/*.def) is served in; docs/abi.md.
//
// tools/abi-gen turns each ABI_FUNCTION row of a table into a trampoline (in the build tree,
// <abi-gen/NameImports.h>) that decodes the Wasm arguments into the types below, asks for the
// row's capability, checks the parameters the row marks `checked`, calls the hand-written typed
// handler and answers its Result through the module's one error translation. Hand-written code
// never reads a Wasm argument by position: it gets scalars as C++ integers and guest pointers as
// these views, whose every access goes through GuestMemory (bounds, alignment, read-only
// mappings; InvalidArgument when misaligned, OutOfRange otherwise).
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/sys/AbiSignature.h>
#include <kernel/sys/GuestMemory.h>
#include <kernel/wasm/Runtime.h>

namespace ath::sys::abi {

using Handle = u32;

inline Error misaligned() { return Error::from(ErrorCode::InvalidArgument, "misaligned guest pointer"); }

// out<T>: one T the kernel writes at a guest address.
template<typename T>
class Out {
public:
    Out(const GuestMemory& memory, u32 address) : m_memory(memory), m_address(address) { }
    u32 address() const { return m_address; }
    // Aligned, in bounds and not over a read-only mapping (validate before anything changes).
    ErrorOr check() const { return m_memory.check_writable<T>(m_address); }
    ErrorOr write(const T& value) const { return m_memory.write<T>(m_address, value); }
    // The T's bytes, to fill in place (checked as write() checks).
    Result<Bytes> bytes() const
    {
        if (m_address % alignof(T) != 0)
            return misaligned();
        return m_memory.writable_bytes(m_address, sizeof(T));
    }

private:
    GuestMemory m_memory;
    u32 m_address;
};

// in<T>: one T the kernel reads (copied in once).
template<typename T>
class In {
public:
    In(const GuestMemory& memory, u32 address) : m_memory(memory), m_address(address) { }
    u32 address() const { return m_address; }
    ErrorOr check() const
    {
        TRY(read());
        return {};
    }
    Result<T> read() const { return m_memory.read<T>(m_address); }

private:
    GuestMemory m_memory;
    u32 m_address;
};

// The bytes of `count` T at `address`: misaligned, a size that overflows, out of bounds.
template<typename T>
Result<u32> array_size_of(u32 address, u32 count)
{
    auto total = checked_mul<u32>(count, static_cast<u32>(sizeof(T)));
    if (!total.has_value())
        return Error::from(ErrorCode::OutOfRange, "guest array larger than linear memory");
    if (address % alignof(T) != 0)
        return misaligned();
    return *total;
}

// in<T[]>: an array of T the kernel reads; its length is another parameter (or implied).
template<typename T>
class InArray {
public:
    InArray(const GuestMemory& memory, u32 address) : m_memory(memory), m_address(address) { }
    u32 address() const { return m_address; }
    bool is_aligned() const { return m_address % alignof(T) == 0; }
    // The whole array checked (size overflow and bounds are OutOfRange, alignment InvalidArgument).
    Result<ReadonlyBytes> view(u32 count) const { return m_memory.readable(m_address, TRY(array_size_of<T>(m_address, count))); }
    Result<T> read(u32 index) const { return m_memory.read<T>(m_address + index * static_cast<u32>(sizeof(T))); }
    // For guest pointers stored inside the elements (an iovec's buffer): the same memory.
    const GuestMemory& memory() const { return m_memory; }

private:
    GuestMemory m_memory;
    u32 m_address;
};

// out<T[]>: an array of T the kernel writes.
template<typename T>
class OutArray {
public:
    OutArray(const GuestMemory& memory, u32 address) : m_memory(memory), m_address(address) { }
    u32 address() const { return m_address; }
    bool is_aligned() const { return m_address % alignof(T) == 0; }
    Result<Bytes> bytes(u32 count) const { return m_memory.writable_bytes(m_address, TRY(array_size_of<T>(m_address, count))); }
    ErrorOr write(u32 index, const T& value) const { return m_memory.write<T>(m_address + index * static_cast<u32>(sizeof(T)), value); }

private:
    GuestMemory m_memory;
    u32 m_address;
};

// in_bytes / in_chars (pointer, length): bytes the kernel reads once.
class BytesIn {
public:
    BytesIn(const GuestMemory& memory, u32 address, u32 length) : m_memory(memory), m_address(address), m_length(length) { }
    u32 address() const { return m_address; }
    u32 length() const { return m_length; }
    ErrorOr check() const
    {
        TRY(view());
        return {};
    }
    Result<ReadonlyBytes> view() const { return m_memory.readable(m_address, m_length); }
    // Copies the first destination.size() bytes (at most length()) into kernel memory.
    ErrorOr copy_in(Bytes destination) const
    {
        if (destination.size() > m_length)
            return Error::from(ErrorCode::OutOfRange, "copy larger than the guest buffer");
        return m_memory.copy_in(m_address, destination);
    }

private:
    GuestMemory m_memory;
    u32 m_address;
    u32 m_length;
};

// out_bytes / out_chars (pointer, capacity): bytes the kernel fills.
class BytesOut {
public:
    BytesOut(const GuestMemory& memory, u32 address, u32 capacity) : m_memory(memory), m_address(address), m_capacity(capacity) { }
    u32 address() const { return m_address; }
    u32 capacity() const { return m_capacity; }
    ErrorOr check() const
    {
        TRY(view());
        return {};
    }
    // The first `length` bytes, checked for a write (at most capacity()).
    Result<Bytes> prefix(u32 length) const
    {
        if (length > m_capacity)
            return Error::from(ErrorCode::OutOfRange, "write larger than the guest buffer");
        return m_memory.writable_bytes(m_address, length);
    }
    Result<Bytes> view() const { return prefix(m_capacity); }
    // A fresh check and copy (for results written after a wait: memory may have changed).
    ErrorOr write(ReadonlyBytes source) const
    {
        if (source.size() > m_capacity)
            return Error::from(ErrorCode::OutOfRange, "write larger than the guest buffer");
        return m_memory.write_bytes(m_address, source);
    }

private:
    GuestMemory m_memory;
    u32 m_address;
    u32 m_capacity;
};

// ---- What the generated tables hold, and the one resolution routine ----

struct Import {
    StringView name;
    StringView signature;                            // "params:results" (AbiSignature)
    wasm::HostFunctionCallback callback;
    wasm::SlotHostFunctionCallback slot_callback;    // ABI_FAST_PATH rows: used instead
};

// The host function for `field` of one import module, created in `store` with `user_data` (the
// module's context); `cache` (one slot per row, or empty) keeps one per context and field.
// Unlinkable for an unknown field or a wrong type.
inline Result<wasm::Function*> resolve_import(Span<const Import> imports, wasm::Store& store, StringView field,
    const wasm::FunctionType& expected, void* user_data, Span<wasm::Function*> cache)
{
    for (usize i = 0; i < imports.size(); ++i) {
        const Import& import = imports[i];
        if (import.name != field)
            continue;
        AbiSignature signature = AbiSignature::parse(import.signature);
        if (!(signature.type() == expected))
            return Error::from(ErrorCode::Unlinkable, "incompatible import type");
        if (i < cache.size() && cache[i])
            return cache[i];
        auto* function = import.slot_callback ? TRY(store.create_slot_host_function(signature.type(), import.slot_callback, user_data))
                                              : TRY(store.create_host_function(signature.type(), import.callback, user_data));
        if (i < cache.size())
            cache[i] = function;
        return function;
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
}

// The i32 a status-returning import answers: the handler's status, or its error through the
// module's translation.
template<typename Status, Status (*translate)(const Error&)>
[[gnu::always_inline]] inline u32 status_word(const Result<Status>& outcome)
{
    Status status = outcome.is_error() ? translate(outcome.error()) : outcome.value();
    return static_cast<u32>(static_cast<i32>(status));
}

} // namespace ath::sys::abi
