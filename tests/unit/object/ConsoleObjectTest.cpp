// The console object (kernel/object/Console.h): output ring, dropped-byte count, the attached
// driver's event, the flush to the early sink when the driver goes, and the input queue with its
// waits (a scripted WaitProvider decides what a wait sees); early input, the end-of-input rule, and
// the stream objects over the console (kernel/object/Stream.h).
#include "ObjectTestSupport.h"

#include <gtest/gtest.h>
#include <kernel/object/Console.h>
#include <kernel/object/Stream.h>

#include <algorithm>
#include <functional>
#include <string>

using namespace ath;
using namespace ath::object;

namespace {

// Each wait runs `on_wait` (when set) and returns its outcome; without it a wait times out.
class ScriptedWaiting final : public WaitProvider {
public:
    WaitOutcome wait(const u32*, u32, u64 deadline) override
    {
        ++waits;
        last_deadline = deadline;
        return on_wait ? on_wait() : WaitOutcome::TimedOut;
    }
    void wake_all(const u32*) override { ++wakes; }
    u64 now_ns() override { return now; }

    std::function<WaitOutcome()> on_wait;
    int waits { 0 };
    int wakes { 0 };
    u64 now { 1000 };
    u64 last_deadline { 0 };
};

std::string g_early;
std::string g_mirror;
std::string g_early_errors; // the part of g_early written as StreamKind::Error
void early_sink(StreamKind which, ReadonlyBytes text)
{
    g_early.append(reinterpret_cast<const char*>(text.data()), text.size());
    if (which == StreamKind::Error)
        g_early_errors.append(reinterpret_cast<const char*>(text.data()), text.size());
}
void mirror_sink(StreamKind, ReadonlyBytes text) { g_mirror.append(reinterpret_cast<const char*>(text.data()), text.size()); }

// The early console's receiver: what a test puts here is "on the UART" until the console takes it.
std::string g_uart_received;
int g_uart_polls = 0;
bool g_uart_ended = false;
usize early_input(Bytes buffer, bool& ended)
{
    ended = g_uart_ended;
    ++g_uart_polls;
    usize length = std::min(buffer.size(), g_uart_received.size());
    std::copy_n(g_uart_received.begin(), length, buffer.data());
    g_uart_received.erase(0, length);
    return length;
}

ReadonlyBytes bytes_of(const std::string& text) { return ReadonlyBytes(reinterpret_cast<const u8*>(text.data()), text.size()); }

struct ConsoleObjectTest : ::testing::Test {
    test_support::CountingAllocator allocator;
    ScriptedWaiting waiting;
    RefPtr<Console> console;
    int driver { 0 };
    int other_driver { 0 };

    void SetUp() override
    {
        g_early.clear();
        g_early_errors.clear();
        g_mirror.clear();
        g_uart_ended = false;
        g_uart_received.clear();
        g_uart_polls = 0;
        console = make_object<Console>(allocator, waiting, early_sink, mirror_sink).release_value();
    }
    // The console as kernel/main makes it: with the UART as its early input source.
    void use_early_input() { console = make_object<Console>(allocator, waiting, early_sink, mirror_sink, early_input).release_value(); }
    RefPtr<Event> make_event() { return Event::create(allocator, waiting).release_value(); }
    std::string read_output(usize size, u64 deadline = wait_forever)
    {
        std::string buffer(size, '\0');
        usize length = console->read_output(Bytes(reinterpret_cast<u8*>(buffer.data()), size), deadline);
        buffer.resize(length);
        return buffer;
    }
    Result<usize> read_input(std::string& out, usize size)
    {
        out.assign(size, '\0');
        auto result = console->read_input(Bytes(reinterpret_cast<u8*>(out.data()), size));
        out.resize(result.is_error() ? 0 : result.value());
        return result;
    }
};

TEST_F(ConsoleObjectTest, IsAKernelObjectTheManifestCanName)
{
    EXPECT_EQ(console->type(), ObjectType::Console);
    EXPECT_STREQ(object_type_name(ObjectType::Console), "console");
}

TEST_F(ConsoleObjectTest, WithoutADriverOutputIsDeclinedForTheEarlyConsole)
{
    EXPECT_FALSE(console->write_output(bytes_of("boot line\n")));
    EXPECT_EQ(console->output_queued(), 0u);
    EXPECT_EQ(g_early, ""); // the writer prints it itself
}

TEST_F(ConsoleObjectTest, WriteGoesToTheEarlySinkOrTheRingAndAlwaysToTheMirror)
{
    console->write(bytes_of("early "));
    EXPECT_EQ(g_early, "early ");
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    console->write(bytes_of("queued"));
    EXPECT_EQ(g_early, "early ");
    EXPECT_EQ(g_mirror, "early queued");
    EXPECT_EQ(read_output(64), "queued");
}

TEST_F(ConsoleObjectTest, AttachedDriverGetsTheTextInOrderAndItsBitsSignalled)
{
    auto event = make_event();
    ASSERT_FALSE(console->attach(&driver, event, 0x4).is_error());
    EXPECT_TRUE(console->attached_to(&driver));
    EXPECT_FALSE(console->attached_to(&other_driver));
    EXPECT_TRUE(console->write_output(bytes_of("hello ")));
    EXPECT_TRUE(console->write_output(bytes_of("world")));
    EXPECT_EQ(event->peek(), 0x4u);
    EXPECT_EQ(read_output(8), "hello wo");
    EXPECT_EQ(read_output(64), "rld");
    EXPECT_EQ(waiting.waits, 0); // text was queued: no wait
}

TEST_F(ConsoleObjectTest, DriverReadTimesOutWithNothingQueued)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    EXPECT_EQ(read_output(16, 5000), "");
    EXPECT_EQ(waiting.last_deadline, 5000u);
    waiting.now = 6000; // a deadline that passed only checks
    int waits = waiting.waits;
    EXPECT_EQ(read_output(16, 5000), "");
    EXPECT_EQ(waiting.waits, waits);
}

TEST_F(ConsoleObjectTest, DriverReadEndsWhenTheThreadMustStop)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    waiting.on_wait = [] { return WaitOutcome::Interrupted; };
    EXPECT_EQ(read_output(16), "");
}

TEST_F(ConsoleObjectTest, DriverReadWakesForTextQueuedWhileItWaits)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    waiting.on_wait = [this] {
        console->write_output(bytes_of("late"));
        return WaitOutcome::Woken;
    };
    EXPECT_EQ(read_output(16), "late");
}

TEST_F(ConsoleObjectTest, FullRingDropsAndCountsTheRest)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    std::string big(Console::output_capacity - 3, 'x');
    EXPECT_TRUE(console->write_output(bytes_of(big)));
    EXPECT_TRUE(console->write_output(bytes_of("abcdefgh")));
    EXPECT_EQ(console->output_queued(), Console::output_capacity);
    EXPECT_EQ(console->dropped_bytes(), 5u);
    EXPECT_EQ(read_output(Console::output_capacity - 3), big);
    EXPECT_EQ(read_output(64), "abc");
}

TEST_F(ConsoleObjectTest, OneDriverAtATimeAndAttachNeedsAnEventAndBits)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    EXPECT_EQ(console->attach(&other_driver, make_event(), 1).error().code, ErrorCode::Busy);
    console->detach(&driver);
    EXPECT_EQ(console->attach(&other_driver, nullptr, 1).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(console->attach(&other_driver, make_event(), 0).error().code, ErrorCode::InvalidArgument);
    EXPECT_FALSE(console->has_driver());
}

TEST_F(ConsoleObjectTest, ReattachReplacesTheEventAndSignalsWaitingText)
{
    auto first = make_event();
    auto second = make_event();
    ASSERT_FALSE(console->attach(&driver, first, 1).is_error());
    console->write_output(bytes_of("pending"));
    ASSERT_FALSE(console->attach(&driver, second, 0x10).is_error());
    EXPECT_EQ(second->peek(), 0x10u);
    EXPECT_EQ(first->reference_count(), 1u); // the console let go of it
}

TEST_F(ConsoleObjectTest, DetachFlushesTheRingToTheEarlySinkAcrossTheWrap)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    std::string filler(Console::output_capacity - 4, 'f');
    console->write_output(bytes_of(filler));
    EXPECT_EQ(read_output(Console::output_capacity - 4), filler); // head now 4 bytes before the end
    console->write_output(bytes_of("wrapped text"));
    console->detach(&other_driver); // not the driver: nothing happens
    EXPECT_TRUE(console->has_driver());
    console->detach(&driver);
    EXPECT_FALSE(console->has_driver());
    EXPECT_EQ(g_early, "wrapped text");
    EXPECT_EQ(console->output_queued(), 0u);
    EXPECT_FALSE(console->write_output(bytes_of("after")));
}

TEST_F(ConsoleObjectTest, InputQueueIsFirstInFirstOutAndRefusesWhatDoesNotFit)
{
    ASSERT_FALSE(console->queue_input(bytes_of("abc")).is_error());
    std::string almost(Console::input_capacity - 4, 'i');
    ASSERT_FALSE(console->queue_input(bytes_of(almost)).is_error());
    EXPECT_EQ(console->queue_input(bytes_of("xy")).error().code, ErrorCode::Exhausted);
    EXPECT_EQ(console->input_queued(), Console::input_capacity - 1);
    std::string out;
    ASSERT_EQ(read_input(out, 2).value(), 2u);
    EXPECT_EQ(out, "ab");
    ASSERT_FALSE(console->queue_input(bytes_of("xyz")).is_error()); // room again
    ASSERT_EQ(read_input(out, Console::input_capacity).value(), Console::input_capacity);
    EXPECT_EQ(out, "c" + almost + "xyz");
}

TEST_F(ConsoleObjectTest, InputSurvivesADriverRestart)
{
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    ASSERT_FALSE(console->queue_input(bytes_of("typed")).is_error());
    console->detach(&driver);
    ASSERT_FALSE(console->attach(&other_driver, make_event(), 1).is_error());
    std::string out;
    ASSERT_EQ(read_input(out, 16).value(), 5u);
    EXPECT_EQ(out, "typed");
}

TEST_F(ConsoleObjectTest, ReaderBlocksUntilInputArrivesOrItMustStop)
{
    int wakes = waiting.wakes;
    waiting.on_wait = [this] {
        (void)console->queue_input(bytes_of("line\n"));
        return WaitOutcome::Woken;
    };
    std::string out;
    ASSERT_EQ(read_input(out, 16).value(), 5u);
    EXPECT_EQ(out, "line\n");
    EXPECT_GT(waiting.wakes, wakes);

    waiting.on_wait = [] { return WaitOutcome::Interrupted; };
    EXPECT_EQ(read_input(out, 16).error().code, ErrorCode::Busy);
    EXPECT_EQ(read_input(out, 0).value(), 0u); // an empty read never waits
}

TEST_F(ConsoleObjectTest, InputWaitReportsReadinessTimeoutAndStop)
{
    EXPECT_FALSE(console->wait_input(5000).value());
    waiting.on_wait = [] { return WaitOutcome::Interrupted; };
    EXPECT_EQ(console->wait_input(wait_forever).error().code, ErrorCode::Busy);
    ASSERT_FALSE(console->queue_input(bytes_of("k")).is_error());
    EXPECT_TRUE(console->wait_input(0).value()); // ready: a past deadline still says so
}

TEST_F(ConsoleObjectTest, EndOfInputIsAnEotAtTheFrontOfTheQueue)
{
    ASSERT_FALSE(console->queue_input(bytes_of("ab\x04" "cd\x04")).is_error());
    std::string out;
    ASSERT_EQ(read_input(out, 16).value(), 2u); // stops before the EOT
    EXPECT_EQ(out, "ab");
    EXPECT_TRUE(console->wait_input(0).value()); // an EOT is readable: the read will not block
    EXPECT_EQ(read_input(out, 16).value(), 0u);  // end of input, the EOT taken
    ASSERT_EQ(read_input(out, 16).value(), 2u);  // the input goes on after it
    EXPECT_EQ(out, "cd");
    EXPECT_EQ(read_input(out, 16).value(), 0u);
    EXPECT_EQ(console->input_queued(), 0u);
}

TEST_F(ConsoleObjectTest, WithoutADriverAReaderTakesWhatTheUartReceived)
{
    use_early_input();
    g_uart_received = "typed early\n";
    std::string out;
    ASSERT_EQ(read_input(out, 64).value(), 12u);
    EXPECT_EQ(out, "typed early\n");
    EXPECT_EQ(waiting.waits, 0); // it was there: no wait

    // Nothing received yet: the reader sleeps a poll interval at a time (no busy loop), polling
    // the UART after each, until the bytes come.
    int polls = 0;
    waiting.on_wait = [&] {
        EXPECT_LE(waiting.last_deadline, waiting.now + Console::input_poll_interval_ns);
        if (++polls == 3)
            g_uart_received = "later";
        return WaitOutcome::TimedOut;
    };
    ASSERT_EQ(read_input(out, 64).value(), 5u);
    EXPECT_EQ(out, "later");
    EXPECT_EQ(polls, 3);
}

TEST_F(ConsoleObjectTest, WithoutADriverTheInputWaitPollsTheUartUntilItsDeadline)
{
    use_early_input();
    waiting.on_wait = [this] {
        waiting.now += Console::input_poll_interval_ns;
        return WaitOutcome::TimedOut;
    };
    u64 deadline = waiting.now + 3 * Console::input_poll_interval_ns;
    EXPECT_FALSE(console->wait_input(deadline).value());
    EXPECT_GE(waiting.waits, 3);
    EXPECT_GE(waiting.now, deadline);
    g_uart_received = "x";
    EXPECT_TRUE(console->wait_input(0).value()); // a past deadline still polls once
}

TEST_F(ConsoleObjectTest, InputTypedBeforeTheDriverAttachesIsKeptAndThenTheDriverOwnsTheUart)
{
    use_early_input();
    g_uart_received = "before ";
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    EXPECT_EQ(console->input_queued(), 7u); // taken at attach, before the driver reads the UART
    g_uart_received = "not polled";
    ASSERT_FALSE(console->queue_input(bytes_of("after")).is_error()); // from the driver
    int polls = g_uart_polls;
    std::string out;
    ASSERT_EQ(read_input(out, 64).value(), 12u);
    EXPECT_EQ(out, "before after");
    waiting.on_wait = [] { return WaitOutcome::TimedOut; };
    EXPECT_FALSE(console->wait_input(waiting.now + 1).value());
    EXPECT_EQ(g_uart_polls, polls); // the driver owns the UART now
    EXPECT_EQ(waiting.last_deadline, waiting.now + 1);
}

TEST_F(ConsoleObjectTest, AnEndedEarlySourceEndsTheInputOnceTheQueueIsEmpty)
{
    use_early_input();
    g_uart_received = "last";
    g_uart_ended = true;
    std::string out;
    ASSERT_EQ(read_input(out, 64).value(), 4u);
    EXPECT_EQ(out, "last");
    EXPECT_TRUE(console->wait_input(wait_forever).value()); // no wait: the end is readable
    EXPECT_EQ(read_input(out, 64).value(), 0u);
    EXPECT_EQ(read_input(out, 64).value(), 0u); // and stays so
    EXPECT_EQ(waiting.waits, 0);
}

// ---- Stream objects: a process's stdin, stdout and stderr over the console ----

struct StreamObjectTest : ConsoleObjectTest {
    RefPtr<Stream> make_stream(StreamKind kind) { return make_object<Stream>(allocator, console, kind).release_value(); }
    std::string read(Stream& stream, usize size)
    {
        std::string out(size, '\0');
        auto result = stream.read(Bytes(reinterpret_cast<u8*>(out.data()), size));
        out.resize(result.is_error() ? 0 : result.value());
        return out;
    }
};

TEST_F(StreamObjectTest, StdoutAndStderrAreTwoStreamsUpToTheConsole)
{
    auto out = make_stream(StreamKind::Output);
    auto err = make_stream(StreamKind::Error);
    EXPECT_EQ(out->type(), ObjectType::Stream);
    ASSERT_EQ(out->write(bytes_of("to stdout ")).value(), 10u);
    ASSERT_EQ(err->write(bytes_of("to stderr")).value(), 9u);
    ASSERT_EQ(out->write(bytes_of(" again")).value(), 6u);
    EXPECT_EQ(g_early, "to stdout to stderr again"); // in write order on the one line
    EXPECT_EQ(g_early_errors, "to stderr");           // and told apart (a hosted console: fd 2)
    EXPECT_EQ(g_mirror, "to stdout to stderr again");

    // With a driver: both in the one ring it drains (booted, one serial line).
    ASSERT_FALSE(console->attach(&driver, make_event(), 1).is_error());
    ASSERT_EQ(err->write(bytes_of("E")).value(), 1u);
    ASSERT_EQ(out->write(bytes_of("O")).value(), 1u);
    EXPECT_EQ(read_output(16), "EO");
}

TEST_F(StreamObjectTest, AWriteTakesAtMostMaxWrite)
{
    auto out = make_stream(StreamKind::Output);
    std::string big(Stream::max_write + 100, 'b');
    ASSERT_EQ(out->write(bytes_of(big)).value(), Stream::max_write);
    EXPECT_EQ(g_early.size(), Stream::max_write);
}

TEST_F(StreamObjectTest, EachStreamOnlyGoesItsOwnWay)
{
    auto in = make_stream(StreamKind::Input);
    auto out = make_stream(StreamKind::Output);
    auto err = make_stream(StreamKind::Error);
    EXPECT_TRUE(in->is_input());
    EXPECT_FALSE(out->is_input());
    EXPECT_EQ(in->write(bytes_of("x")).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(g_early, "");
    ASSERT_FALSE(console->queue_input(bytes_of("typed")).is_error());
    u8 byte = 0;
    EXPECT_EQ(out->read(Bytes(&byte, 1)).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(err->wait_readable(0).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(console->input_queued(), 5u); // nothing taken
}

TEST_F(StreamObjectTest, TheInputStreamReadsTheConsoleUpToTheEndOfInput)
{
    auto in = make_stream(StreamKind::Input);
    EXPECT_FALSE(in->wait_readable(waiting.now).value()); // nothing typed: not readable
    ASSERT_FALSE(console->queue_input(bytes_of("line\n\x04")).is_error());
    EXPECT_TRUE(in->wait_readable(0).value());
    EXPECT_EQ(read(*in, 64), "line\n");
    EXPECT_TRUE(in->wait_readable(0).value());
    EXPECT_EQ(in->read(Bytes()).value(), 0u);
    u8 buffer[8];
    EXPECT_EQ(in->read(Bytes(buffer, sizeof(buffer))).value(), 0u); // the EOT: end of input
    waiting.on_wait = [] { return WaitOutcome::Interrupted; };
    EXPECT_EQ(in->read(Bytes(buffer, sizeof(buffer))).error().code, ErrorCode::Busy); // killed while waiting
}

TEST_F(StreamObjectTest, AStreamHoldsItsConsole)
{
    u32 before = console->reference_count();
    {
        auto out = make_stream(StreamKind::Output);
        EXPECT_EQ(console->reference_count(), before + 1);
        EXPECT_EQ(&out->console(), console.get());
    }
    EXPECT_EQ(console->reference_count(), before);
}

} // namespace
