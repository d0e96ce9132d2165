#include <kernel/arch/Arch.h>
#include <kernel/main/KernelConsole.h>
#include <kernel/process/ConsoleStream.h>
#include <kernel/process/Threads.h>

namespace ath::process {

namespace {

constexpr usize ring_size = 64 * 1024;

u8 g_ring[ring_size];
usize g_head = 0; // next byte to read
usize g_count = 0;
u64 g_dropped = 0;
const Process* g_driver = nullptr;
sched::WaitQueue g_readers;
// The driver's output event and bits: signalled when text is queued. One reference is held
// (taken with leak(), dropped at detach); a raw pointer, so no global destructor is needed.
object::Event* g_output_event = nullptr;
u32 g_output_bits = 0;

// Console input (raw bytes from the driver, read by the modules' stdin).
u8 g_input[console_input_capacity];
usize g_input_head = 0;
usize g_input_count = 0;
sched::WaitQueue g_input_readers;

bool redirect(StringView text)
{
    if (!g_driver || !Arch::interrupts_enabled())
        return false;
    for (char c : text) {
        if (g_count == ring_size) {
            ++g_dropped;
            continue;
        }
        g_ring[(g_head + g_count) % ring_size] = static_cast<u8>(c);
        ++g_count;
    }
    wake_all(g_readers);
    if (g_output_event)
        g_output_event->signal(g_output_bits);
    return true;
}

// Prints what the ring still holds on the early console (after the driver went away).
void flush_to_early_console()
{
    while (g_count > 0) {
        char c = static_cast<char>(g_ring[g_head]);
        if (c == '\n')
            Arch::console_putc('\r');
        Arch::console_putc(c);
        g_head = (g_head + 1) % ring_size;
        --g_count;
    }
}

} // namespace

ErrorOr console_attach(Process& driver, object::RefPtr<object::Event> output, u32 output_bits)
{
    if (g_driver && g_driver != &driver)
        return Error::from(ErrorCode::Busy, "another driver owns the console");
    if (!output || output_bits == 0)
        return Error::from(ErrorCode::InvalidArgument, "the console driver attaches with an event and at least one bit");
    object::Event* previous = g_output_event;
    g_output_event = output.leak();
    g_output_bits = output_bits;
    if (previous)
        previous->unref();
    g_driver = &driver;
    set_console_redirect(redirect);
    if (g_count > 0)
        g_output_event->signal(g_output_bits);
    return {};
}

void console_detach(Process& driver)
{
    if (g_driver != &driver)
        return;
    set_console_redirect(nullptr);
    g_driver = nullptr;
    object::Event* output = g_output_event;
    g_output_event = nullptr;
    g_output_bits = 0;
    if (output)
        output->unref();
    flush_to_early_console();
    wake_all(g_readers);
}

bool console_attached_to(const Process& process) { return g_driver == &process; }

usize console_read(Bytes buffer, Optional<u64> deadline_ns)
{
    while (g_count == 0) {
        if (wait_until(&g_readers, deadline_ns) != WaitEnd::Woken)
            return 0;
    }
    usize copied = 0;
    while (copied < buffer.size() && g_count > 0) {
        buffer[copied++] = g_ring[g_head];
        g_head = (g_head + 1) % ring_size;
        --g_count;
    }
    return copied;
}

u64 console_dropped_bytes() { return g_dropped; }

ErrorOr console_input(ReadonlyBytes bytes)
{
    if (bytes.size() > console_input_capacity - g_input_count)
        return Error::from(ErrorCode::Exhausted, "the console input queue is full");
    for (u8 byte : bytes) {
        g_input[(g_input_head + g_input_count) % console_input_capacity] = byte;
        ++g_input_count;
    }
    if (!bytes.is_empty())
        wake_all(g_input_readers);
    return {};
}

Result<usize> console_input_read(Bytes buffer)
{
    if (buffer.is_empty())
        return usize(0);
    while (g_input_count == 0) {
        if (wait_until(&g_input_readers, {}) == WaitEnd::Stopped)
            return Error::from(ErrorCode::Busy, "killed while waiting for console input");
    }
    usize copied = 0;
    while (copied < buffer.size() && g_input_count > 0) {
        buffer[copied++] = g_input[g_input_head];
        g_input_head = (g_input_head + 1) % console_input_capacity;
        --g_input_count;
    }
    return copied;
}

Result<bool> console_input_wait(Optional<u64> deadline_ns)
{
    while (g_input_count == 0) {
        WaitEnd end = wait_until(&g_input_readers, deadline_ns);
        if (end == WaitEnd::Stopped)
            return Error::from(ErrorCode::Busy, "killed while waiting for console input");
        if (end == WaitEnd::TimedOut && g_input_count == 0)
            return false;
    }
    return true;
}

} // namespace ath::process
