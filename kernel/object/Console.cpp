#include "Console.h"

namespace ath::object {

namespace {
Console* g_system = nullptr;

// The wait of a console reader: sleeps on `word` while it still reads `seen`. Interrupted when the
// thread must stop; TimedOut when the deadline passed.
WaitOutcome wait_for_change(WaitProvider& waiter, const u32* word, u32 seen, u64 deadline_ns)
{
    if (deadline_ns != wait_forever && waiter.now_ns() >= deadline_ns)
        return WaitOutcome::TimedOut;
    return waiter.wait(word, seen, deadline_ns);
}

void advance(u32* word)
{
    __atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);
}

// Moves up to buffer.size() bytes from the front of a ring of `capacity` bytes into `buffer`.
usize take_from_ring(const u8* ring, usize capacity, usize& head, usize& count, Bytes buffer)
{
    usize copied = 0;
    while (copied < buffer.size() && count > 0) {
        buffer[copied++] = ring[head];
        head = (head + 1) % capacity;
        --count;
    }
    return copied;
}
} // namespace

Console* Console::system() { return g_system; }
void Console::set_system(Console* console) { g_system = console; }

ErrorOr Console::attach(const void* driver, RefPtr<Event> output, u32 output_bits)
{
    if (m_driver && m_driver != driver)
        return Error::from(ErrorCode::Busy, "another driver owns the console");
    if (!driver || !output || output_bits == 0)
        return Error::from(ErrorCode::InvalidArgument, "the console driver attaches with an event and at least one bit");
    take_early_input();
    m_output_event = move(output);
    m_output_bits = output_bits;
    m_driver = driver;
    if (m_count > 0)
        m_output_event->signal(m_output_bits);
    return {};
}

void Console::detach(const void* driver)
{
    if (!attached_to(driver))
        return;
    m_driver = nullptr;
    m_output_event = nullptr;
    m_output_bits = 0;
    flush_to_early_sink();
    advance(&m_output_sequence);
    m_waiter.wake_all(&m_output_sequence);
}

void Console::flush_to_early_sink()
{
    while (m_count > 0) {
        // The ring's bytes in at most two contiguous pieces.
        usize length = min(m_count, output_capacity - m_head);
        if (m_early_sink)
            m_early_sink(StreamKind::Output, ReadonlyBytes(m_ring + m_head, length));
        m_head = (m_head + length) % output_capacity;
        m_count -= length;
    }
}

void Console::write(ReadonlyBytes text, StreamKind which)
{
    if (!write_output(text) && m_early_sink)
        m_early_sink(which, text);
    if (m_mirror_sink)
        m_mirror_sink(which, text);
}

bool Console::write_output(ReadonlyBytes text)
{
    if (!m_driver)
        return false;
    for (u8 byte : text) {
        if (m_count == output_capacity) {
            ++m_dropped;
            continue;
        }
        m_ring[(m_head + m_count) % output_capacity] = byte;
        ++m_count;
    }
    advance(&m_output_sequence);
    m_waiter.wake_all(&m_output_sequence);
    if (m_output_event)
        m_output_event->signal(m_output_bits);
    return true;
}

usize Console::read_output(Bytes buffer, u64 deadline_ns)
{
    while (m_count == 0) {
        u32 seen = __atomic_load_n(&m_output_sequence, __ATOMIC_SEQ_CST);
        if (m_count != 0)
            break;
        WaitOutcome outcome = wait_for_change(m_waiter, &m_output_sequence, seen, deadline_ns);
        if (outcome == WaitOutcome::Interrupted || outcome == WaitOutcome::TimedOut)
            return 0;
    }
    return take_from_ring(m_ring, output_capacity, m_head, m_count, buffer);
}

ErrorOr Console::queue_input(ReadonlyBytes bytes)
{
    if (bytes.size() > input_capacity - m_input_count)
        return Error::from(ErrorCode::Exhausted, "the console input queue is full");
    for (u8 byte : bytes) {
        m_input[(m_input_head + m_input_count) % input_capacity] = byte;
        ++m_input_count;
    }
    if (!bytes.is_empty()) {
        advance(&m_input_sequence);
        m_waiter.wake_all(&m_input_sequence);
    }
    return {};
}

bool Console::take_early_input()
{
    if (m_driver || !m_early_input || m_input_ended)
        return false;
    usize queued = 0;
    while (m_input_count < input_capacity) {
        u8 chunk[64];
        bool ended = false;
        usize length = m_early_input(Bytes(chunk, min(sizeof(chunk), input_capacity - m_input_count)), ended);
        if (ended) {
            m_input_ended = true;
            advance(&m_input_sequence);
            m_waiter.wake_all(&m_input_sequence);
        }
        if (length == 0)
            break;
        for (usize i = 0; i < length; ++i)
            m_input[(m_input_head + m_input_count + i) % input_capacity] = chunk[i];
        m_input_count += length;
        queued += length;
    }
    if (queued == 0)
        return false;
    advance(&m_input_sequence);
    m_waiter.wake_all(&m_input_sequence);
    return true;
}

WaitOutcome Console::wait_for_input(u32 seen, u64 deadline_ns)
{
    if (m_driver || !m_early_input)
        return wait_for_change(m_waiter, &m_input_sequence, seen, deadline_ns);
    u64 now = m_waiter.now_ns();
    if (deadline_ns != wait_forever && now >= deadline_ns)
        return WaitOutcome::TimedOut;
    u64 poll_at = now + input_poll_interval_ns;
    WaitOutcome outcome = m_waiter.wait(&m_input_sequence, seen, min(deadline_ns, poll_at));
    // The poll interval ending is not the caller's timeout.
    if (outcome == WaitOutcome::TimedOut && (deadline_ns == wait_forever || m_waiter.now_ns() < deadline_ns))
        return WaitOutcome::ValueChanged;
    return outcome;
}

Result<usize> Console::read_input(Bytes buffer)
{
    if (buffer.is_empty())
        return usize(0);
    while (m_input_count == 0) {
        u32 seen = __atomic_load_n(&m_input_sequence, __ATOMIC_SEQ_CST);
        if (m_input_count != 0 || take_early_input())
            break;
        if (m_input_ended)
            return usize(0);
        if (wait_for_input(seen, wait_forever) == WaitOutcome::Interrupted)
            return Error::from(ErrorCode::Busy, "killed while waiting for console input");
    }
    if (m_input[m_input_head] == end_of_input) {
        m_input_head = (m_input_head + 1) % input_capacity;
        --m_input_count;
        return usize(0);
    }
    usize copied = 0;
    while (copied < buffer.size() && m_input_count > 0 && m_input[m_input_head] != end_of_input) {
        buffer[copied++] = m_input[m_input_head];
        m_input_head = (m_input_head + 1) % input_capacity;
        --m_input_count;
    }
    return copied;
}

Result<bool> Console::wait_input(u64 deadline_ns)
{
    while (m_input_count == 0) {
        u32 seen = __atomic_load_n(&m_input_sequence, __ATOMIC_SEQ_CST);
        if (m_input_count != 0 || take_early_input() || m_input_ended)
            break;
        WaitOutcome outcome = wait_for_input(seen, deadline_ns);
        if (outcome == WaitOutcome::Interrupted)
            return Error::from(ErrorCode::Busy, "killed while waiting for console input");
        if (outcome == WaitOutcome::TimedOut && m_input_count == 0 && !take_early_input() && !m_input_ended)
            return false;
    }
    return true;
}

} // namespace ath::object
