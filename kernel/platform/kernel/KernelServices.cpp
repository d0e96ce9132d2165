#include <kernel/arch/Arch.h>
#include <kernel/process/Threads.h>
#include <kernel/platform/kernel/KernelRandom.h>
#include <kernel/platform/kernel/KernelServices.h>

namespace ath::sys {

namespace {
bool g_realtime_known = false;
u64 g_realtime_base_ns = 0;  // wall clock at g_monotonic_base_ns
u64 g_monotonic_base_ns = 0;
} // namespace

u64 KernelServices::monotonic_ns() { return Arch::clock_nanoseconds(); }

u64 KernelServices::realtime_ns()
{
    if (!g_realtime_known) {
        g_monotonic_base_ns = Arch::clock_nanoseconds();
        g_realtime_base_ns = Arch::wall_clock_seconds().value_or(0) * 1'000'000'000ull;
        g_realtime_known = true;
    }
    return g_realtime_base_ns + (Arch::clock_nanoseconds() - g_monotonic_base_ns);
}

u64 KernelServices::clock_resolution_ns()
{
    // The monotonic clock is read from a counter of at least MHz resolution on every supported
    // platform; report 1 µs rather than promise nanoseconds.
    return 1000;
}

ErrorOr KernelServices::fill_random(Bytes buffer)
{
    for (usize done = 0; done < buffer.size();) {
        TRY(checkpoint());
        usize length = min(buffer.size() - done, random_chunk);
        TRY(kernel_random(buffer.slice(done, length)));
        done += length;
    }
    return {};
}

ErrorOr KernelServices::sleep_ns(u64 duration)
{
    // Ends early (an error, so a sleep loop does not spin) when the thread must stop: killed, or
    // a handler of a server that is being killed (the stop rule of process::wait_until).
    if (!process::sleep_for(duration))
        return Error::from(ErrorCode::Busy, "killed while sleeping");
    return {};
}

void KernelServices::yield() { process::yield(); }

ErrorOr KernelServices::checkpoint()
{
    if (!process::checkpoint())
        return Error::from(ErrorCode::Busy, "the calling thread must stop (killed or over its CPU limit)");
    return {};
}

KernelServices& KernelServices::instance()
{
    static KernelServices services;
    return services;
}

} // namespace ath::sys
