// The monotonic clock, the periodic tick and their agreement, plus a real device interrupt.
#include <kernel/arch/Arch.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

ATH_SELFTEST(time_clock_is_monotonic)
{
    u64 previous = Arch::clock_nanoseconds();
    EXPECT(previous != 0);
    for (usize i = 0; i < 20000; ++i) {
        u64 now = Arch::clock_nanoseconds();
        if (now < previous)
            return selftest::failure("clock went back from {} to {} ns", previous, now);
        previous = now;
    }
    u64 cycles_before = Arch::cycle_counter();
    u64 start = Arch::clock_nanoseconds();
    while (Arch::clock_nanoseconds() - start < 1'000'000) { }
    EXPECT(Arch::cycle_counter() > cycles_before);
    return {};
}

// The programmed rate against the clock, when the port can measure it (+-10%); otherwise the
// delivered ticks must have reached the lower bound. Ports whose tick and clock share one counter
// have nothing to measure (Arch::measure_timer_hz answers none).
ErrorOr check_programmed_timer_rate(u64 ticks, u64 elapsed, u64 expected)
{
    auto measured = TRY(Arch::measure_timer_hz(50'000'000));
    if (measured.has_value()) {
        println("  timer runs at {} Hz against the clock (programmed {} Hz)", *measured, Arch::timer_frequency_hz());
        u64 programmed = Arch::timer_frequency_hz();
        if (*measured * 100 < programmed * 90 || *measured * 100 > programmed * 110)
            return selftest::failure("timer runs at {} Hz, programmed for {} Hz", *measured, programmed);
    } else if (ticks * 100 < expected * 65) {
        return selftest::failure("{} ticks in {} ns; expected about {} (5 attempts)", ticks, elapsed, expected);
    }
    return {};
}

// An empty window is refused (it used to measure a few clock reads' worth of counts; a clock that
// did not move between them divided by zero), or answered none where there is nothing to measure.
ATH_SELFTEST(time_measure_timer_refuses_empty_window)
{
    auto measured = Arch::measure_timer_hz(0);
    if (measured.is_error()) {
        EXPECT(measured.error().code == ErrorCode::Invalid);
        return {};
    }
    if (measured.value().has_value())
        return selftest::failure("measured {} Hz over an empty window", *measured.value());
    return {};
}

ATH_SELFTEST(time_tick_rate_matches_clock)
{
    EXPECT(Arch::interrupts_enabled());
    // Delivered ticks over 100 ms of clock time. An emulator under host load delivers late and
    // coalesces missed periodic ticks, so a LOW count proves little: it is retried, and after
    // that only liveness (at least 5% delivered) is required. A HIGH count cannot come from host
    // load and fails at once. The rate itself is checked below without relying on delivery.
    constexpr u64 window_ns = 100'000'000;
    u64 ticks = 0, elapsed = 0, expected = 0;
    for (usize attempt = 0; attempt < 5; ++attempt) {
        u64 start_ticks = Arch::timer_ticks();
        u64 start = Arch::clock_nanoseconds();
        while (Arch::clock_nanoseconds() - start < window_ns)
            Arch::wait_for_interrupt();
        ticks = Arch::timer_ticks() - start_ticks;
        elapsed = Arch::clock_nanoseconds() - start;
        expected = elapsed * Arch::timer_frequency_hz() / 1'000'000'000;
        if (ticks * 100 > expected * 135)
            return selftest::failure("{} ticks in {} ns; expected about {}", ticks, elapsed, expected);
        if (ticks * 100 >= expected * 65)
            break;
    }
    println("  {} ticks delivered in {} us (expected {})", ticks, elapsed / 1000, expected);
    if (ticks * 100 < expected * 5)
        return selftest::failure("only {} ticks delivered in {} ns; expected about {}", ticks, elapsed, expected);

    return check_programmed_timer_rate(ticks, elapsed, expected);
}

ATH_SELFTEST(interrupt_from_device_through_controller)
{
    return Arch::self_test_device_interrupt();
}

} // namespace ath

namespace ath {

ATH_SELFTEST(interrupt_preserves_fp_and_vector_state)
{
    return Arch::self_test_fp_state_across_interrupts();
}

} // namespace ath
