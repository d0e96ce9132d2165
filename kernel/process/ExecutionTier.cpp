#include <kernel/lib/Format.h>
#include <kernel/platform/kernel/KernelCodeMemory.h>
#include <kernel/process/ExecutionTier.h>
#include <kernel/process/Threads.h>

namespace ath::process {

namespace {

bool g_compiled = false;

// Below the deepest compiled frame a thread still runs helpers, host functions (an azoth_call runs
// the server's handler, whose own compiled code gets a floor of its own below that), interrupt and
// exception frames: this much of the kernel stack stays for them.
constexpr uptr native_stack_headroom = uptr(32) * 1024;

uptr native_stack_floor()
{
    KernelThread* thread = current_thread();
    if (!thread || !thread->stack)
        return 0; // the boot thread: only max_call_depth bounds compiled frames
    return reinterpret_cast<uptr>(thread->stack) + native_stack_headroom;
}

} // namespace

void choose_execution_tier(bool compiled_asked, bool interp_asked)
{
    bool wanted = compiled_asked || (!interp_asked && compiled_tier_by_default);
    const char* unavailable = wasm::compiled_tier_unavailable_reason();
    g_compiled = wanted && !unavailable;
    if (wanted && unavailable)
        println("athanor: tier: interp (compiled asked, but {})", unavailable);
    else
        println("athanor: tier: {}", g_compiled ? "compiled" : "interp");
}

bool compiled_tier_chosen() { return g_compiled; }

void configure_execution_tier(wasm::StoreConfig& config, object::ManifestTier pinned)
{
    bool compiled = pinned == object::ManifestTier::Default ? g_compiled : pinned == object::ManifestTier::Compiled;
    if (!compiled)
        return;
    config.code_memory = &sys::KernelCodeMemory::instance();
    config.native_stack_floor = &native_stack_floor;
}

} // namespace ath::process
