// The Azoth SDK for C++ (C++20, no exceptions needed): the `azoth` imports of the generated
// <azoth.h> (tools/abi-gen from kernel/sys/abi/azoth.def) as owned types.
//
//  - Handles are move-only owners that close on destruction (azoth::Handle and the typed ones:
//    Endpoint, Event, Region, Channel, Device, Irq, Timer).
//  - Every call answers an azoth::Result<T>: the value or the table's status (status_name() names it).
//  - A region mapped into this module's memory is a byte span (azoth::Mapping::bytes()).
//  - A server exports its handler with AZOTH_SERVE(function) and parks its main thread in
//    azoth::serve_forever().
#pragma once

#include <azoth.h>
#include <stddef.h>
#include <stdint.h>

namespace azoth {

using Status = azoth_status_t;
using Words = uint64_t[4];

inline const char* status_name(Status status) { return azoth_status_name(status); }

// A value or a status other than AZOTH_OK.
template<typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_value(static_cast<T&&>(value)) { }
    static Result failure(Status status) { return Result(status, Tag {}); }

    bool ok() const { return m_status == AZOTH_OK; }
    explicit operator bool() const { return ok(); }
    Status status() const { return m_status; }
    T& value() { return m_value; }
    T& operator*() { return m_value; }
    T* operator->() { return &m_value; }
    // The value, the status dropped (use after checking ok()).
    T take() { return static_cast<T&&>(m_value); }

private:
    struct Tag { };
    Result(Status status, Tag) : m_status(status) { }
    T m_value {};
    Status m_status { AZOTH_OK };
};

template<>
class [[nodiscard]] Result<void> {
public:
    Result(Status status = AZOTH_OK) : m_status(status) { }
    bool ok() const { return m_status == AZOTH_OK; }
    explicit operator bool() const { return ok(); }
    Status status() const { return m_status; }

private:
    Status m_status;
};

// A call's value when its status is OK, else the status (for plain values: a handle or a mapping
// must not even be made for a failed call, their destructors would act on it).
template<typename T>
Result<T> answer(Status status, T value)
{
    return status == AZOTH_OK ? Result<T>(static_cast<T&&>(value)) : Result<T>::failure(status);
}

// An owned handle number: closed when destroyed (unless release()d).
class Handle {
public:
    Handle() = default;
    explicit Handle(azoth_handle_t raw) : m_raw(raw), m_owned(true) { }
    Handle(Handle&& other) : m_raw(other.m_raw), m_owned(other.m_owned) { other.m_owned = false; }
    Handle& operator=(Handle&& other)
    {
        if (this != &other) {
            reset();
            m_raw = other.m_raw;
            m_owned = other.m_owned;
            other.m_owned = false;
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    // The handle the module's manifest names `name` (`handle = kind:name:rights`).
    static Result<Handle> find(const char* name);

    azoth_handle_t raw() const { return m_raw; }
    bool valid() const { return m_owned; }
    // Gives up ownership without closing.
    azoth_handle_t release()
    {
        m_owned = false;
        return m_raw;
    }
    void reset()
    {
        if (m_owned)
            azoth_handle_close(m_raw);
        m_owned = false;
    }

    Result<uint32_t> rights() const
    {
        uint32_t out = 0;
        Status status = azoth_handle_rights(m_raw, &out);
        return answer(status, out);
    }
    // A second handle to the same object with at most `mask` (never more than this one has).
    Result<Handle> derive(uint32_t mask) const;

private:
    azoth_handle_t m_raw { 0 };
    bool m_owned { false };
};

// A handle made by a call that writes it to `out`: the owned handle, or the call's status.
inline Result<Handle> made(Status status, azoth_handle_t out)
{
    return status == AZOTH_OK ? Result<Handle>(Handle(out)) : Result<Handle>::failure(status);
}

inline Result<Handle> Handle::find(const char* name)
{
    azoth_handle_t out = 0;
    return made(azoth_handle_find(name, static_cast<uint32_t>(__builtin_strlen(name)), &out), out);
}

inline Result<Handle> Handle::derive(uint32_t mask) const
{
    azoth_handle_t out = 0;
    return made(azoth_handle_derive(m_raw, mask, &out), out);
}

// What every typed handle shares: the owned Handle and lookup by manifest name.
template<typename Self>
class Typed {
public:
    Typed() = default;
    explicit Typed(Handle handle) : m_handle(static_cast<Handle&&>(handle)) { }
    // The handle the module's manifest names `name`, as this type.
    static Result<Self> find(const char* name) { return wrap(Handle::find(name)); }
    const Handle& handle() const { return m_handle; }
    azoth_handle_t raw() const { return m_handle.raw(); }

protected:
    static Result<Self> wrap(Result<Handle> handle)
    {
        return handle ? Result<Self>(Self(handle.take())) : Result<Self>::failure(handle.status());
    }

private:
    Handle m_handle;
};

// The four result words of a call.
struct CallResults {
    uint64_t words[4] {};
    uint64_t operator[](size_t index) const { return words[index]; }
};

// An IPC endpoint: calls run the serving module's azoth_handle.
class Endpoint : public Typed<Endpoint> {
public:
    using Typed::Typed;
    // A new endpoint whose calls run this module's handler (AZOTH_SERVE).
    static Result<Endpoint> create()
    {
        azoth_handle_t out = 0;
        return wrap(made(azoth_endpoint_create(&out), out));
    }
    // A synchronous call: the server's handler runs on this thread; its four result words.
    Result<CallResults> call(uint64_t w0, uint64_t w1 = 0, uint64_t w2 = 0, uint64_t w3 = 0) const
    {
        CallResults results;
        Status status = azoth_call(raw(), w0, w1, w2, w3, results.words);
        return answer(status, results);
    }
    Result<void> send(uint64_t w0, uint64_t w1 = 0, uint64_t w2 = 0, uint64_t w3 = 0) const
    {
        return azoth_call(raw(), w0, w1, w2, w3, AZOTH_NO_RESULTS);
    }
};

class Event : public Typed<Event> {
public:
    using Typed::Typed;
    static Result<Event> create()
    {
        azoth_handle_t out = 0;
        return wrap(made(azoth_event_create(&out), out));
    }
    Result<void> signal(uint32_t bits) const { return azoth_event_signal(raw(), bits); }
    // Waits for any of `mask` (timeout in ns, AZOTH_WAIT_FOREVER, 0 polls); the bits taken.
    Result<uint32_t> wait(uint32_t mask, uint64_t timeout_ns) const
    {
        uint32_t bits = 0;
        Status status = azoth_event_wait(raw(), mask, timeout_ns, &bits);
        return answer(status, bits);
    }
};

// A region mapped over a 64 KiB-aligned window of this module: unmapped when destroyed.
class Mapping {
public:
    Mapping() = default;
    Mapping(uint8_t* bytes, size_t size) : m_bytes(bytes), m_size(size) { }
    Mapping(Mapping&& other) : m_bytes(other.m_bytes), m_size(other.m_size) { other.m_bytes = nullptr; }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping()
    {
        if (m_bytes)
            azoth_region_unmap(static_cast<uint32_t>(reinterpret_cast<uintptr_t>(m_bytes)));
    }
    uint8_t* bytes() const { return m_bytes; }
    size_t size() const { return m_size; }

private:
    uint8_t* m_bytes { nullptr };
    size_t m_size { 0 };
};

class Region : public Typed<Region> {
public:
    using Typed::Typed;
    static Result<Region> create(uint64_t size)
    {
        azoth_handle_t out = 0;
        return wrap(made(azoth_region_create(size, &out), out));
    }
    // `window` must start on a 64 KiB boundary (alignas(65536)).
    Result<Mapping> map(uint8_t* window, size_t size, bool writable) const
    {
        Status status = azoth_region_map(raw(), static_cast<uint32_t>(reinterpret_cast<uintptr_t>(window)), writable);
        // Only a mapping that exists may be made: a Mapping unmaps its window when destroyed.
        return status == AZOTH_OK ? Result<Mapping>(Mapping(window, size)) : Result<Mapping>::failure(status);
    }
};

// A message channel over a ring region.
class Channel : public Typed<Channel> {
public:
    using Typed::Typed;
    static Result<Channel> create(uint64_t region_size, uint32_t slot_size)
    {
        azoth_handle_t out = 0;
        return wrap(made(azoth_channel_create(region_size, slot_size, &out), out));
    }
    Result<void> send(const void* message, uint32_t length, uint64_t timeout_ns) const
    {
        return azoth_channel_send(raw(), message, length, timeout_ns);
    }
    // One message into `buffer`; its length.
    Result<uint32_t> receive(void* buffer, uint32_t capacity, uint64_t timeout_ns) const
    {
        uint32_t length = 0;
        Status status = azoth_channel_receive(raw(), buffer, capacity, timeout_ns, &length);
        return answer(status, length);
    }
};

// A device's register window (drivers; from the manifest).
class Device : public Typed<Device> {
public:
    using Typed::Typed;
    // One register read of `width` bytes at `offset`.
    Result<uint64_t> read(uint32_t offset, uint32_t width) const
    {
        uint64_t value = 0;
        Status status = azoth_register_read(raw(), offset, width, &value);
        return answer(status, value);
    }
    Result<void> write(uint32_t offset, uint32_t width, uint64_t value) const
    {
        return azoth_register_write(raw(), offset, width, value);
    }
};

// An interrupt line (drivers; from the manifest): it arrives as bits of an Event.
class Irq : public Typed<Irq> {
public:
    using Typed::Typed;
    Result<void> bind(const Event& event, uint32_t bits) const { return azoth_irq_bind(raw(), event.raw(), bits); }
    Result<void> ack() const { return azoth_irq_ack(raw()); }
};

// A one-shot or periodic timer that signals bits of an Event.
class Timer : public Typed<Timer> {
public:
    using Typed::Typed;
    static Result<Timer> create()
    {
        azoth_handle_t out = 0;
        return wrap(made(azoth_timer_create(&out), out));
    }
    Result<void> bind(const Event& event, uint32_t bits) const { return azoth_timer_bind(raw(), event.raw(), bits); }
    // Fires `delay_ns` from now, then every `period_ns` (0: once).
    Result<void> set(uint64_t delay_ns, uint64_t period_ns) const { return azoth_timer_set(raw(), delay_ns, period_ns); }
    Result<void> cancel() const { return azoth_timer_cancel(raw()); }
};

// Parks the calling (main) thread so the handler keeps serving calls (waits on an event nobody
// signals); returns only the status that ended the wait.
inline Status serve_forever()
{
    auto event = Event::create();
    if (!event)
        return event.status();
    for (;;) {
        auto waited = event->wait(1, AZOTH_WAIT_FOREVER);
        if (!waited)
            return waited.status();
    }
}

} // namespace azoth

// Exports azoth_handle(w0..w3) -> i64 calling `function(const uint64_t (&words)[4]) -> uint64_t`.
#define AZOTH_SERVE(function)                                                                      \
    extern "C" __attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t w0, int64_t w1, int64_t w2, int64_t w3) \
    {                                                                                              \
        const uint64_t words[4] = { uint64_t(w0), uint64_t(w1), uint64_t(w2), uint64_t(w3) };      \
        return int64_t(function(words));                                                           \
    }
