#include <kernel/arch/common/FaultCatch.h>

namespace ath::ATH_ARCH_NAMESPACE {

namespace {

// The armed catch on this CPU (single CPU for now; per-CPU data when SMP arrives).
CatchContext* g_active_catch = nullptr;
FaultInfo g_caught_fault {};

} // namespace

CatchContext* catch_for_fault(u64 fault_stack_pointer)
{
    constexpr u64 max_catch_depth = 1ULL << 20;
    if (!g_active_catch)
        return nullptr;
    u64 highest = g_active_catch->highest_body_stack_pointer();
    if (fault_stack_pointer > highest || highest - fault_stack_pointer >= max_catch_depth)
        return nullptr;
    return g_active_catch;
}

void resume_caught_fault(const FaultInfo& fault)
{
    g_caught_fault = fault;
    g_active_catch = nullptr;
}

Optional<FaultInfo> Arch::run_catching_faults(void (*body)(void*), void* context)
{
    CatchContext catch_context {};
    CatchContext* outer = g_active_catch;
    g_active_catch = &catch_context;
    u64 faulted = arch_catch_call(&catch_context, body, context);
    g_active_catch = outer;
    if (faulted)
        return g_caught_fault;
    return none;
}

} // namespace ath::ATH_ARCH_NAMESPACE
