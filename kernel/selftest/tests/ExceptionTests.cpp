// CPU exceptions raised on purpose are reported to the catcher and execution continues.
#include <kernel/arch/Arch.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {

struct Trigger {
    FaultKind kind;
    bool supported;
};

void trigger(void* context)
{
    auto* request = static_cast<Trigger*>(context);
    request->supported = Arch::trigger_fault(request->kind);
}

// `may_not_trap`: the arch may define the operation as not trapping (A64 and RISC-V integer
// division by zero yields a value; the Wasm engine checks divisors itself). trigger_fault then
// runs it anyway and reports "unsupported", and the check is that no fault happened.
ErrorOr expect_fault(FaultKind kind, bool may_not_trap = false)
{
    Trigger request { kind, true };
    auto fault = Arch::run_catching_faults(trigger, &request);
    if (!request.supported && may_not_trap && !fault.has_value())
        return {};
    if (!request.supported)
        return selftest::failure("the arch cannot raise a {} on purpose", fault_kind_name(kind));
    if (!fault.has_value())
        return selftest::failure("no fault reported");
    if (fault->kind != kind)
        return selftest::failure("expected {}, got {} (vector {})", fault_kind_name(kind), fault_kind_name(fault->kind),
                                 fault->vector);
    if (fault->instruction_address == 0)
        return selftest::failure("fault has no instruction address");
    return {};
}

} // namespace

ATH_SELFTEST(exception_invalid_opcode_recovered) { return expect_fault(FaultKind::InvalidOpcode); }
ATH_SELFTEST(exception_divide_error_recovered) { return expect_fault(FaultKind::DivideError, true); }
ATH_SELFTEST(exception_breakpoint_recovered) { return expect_fault(FaultKind::Breakpoint); }
ATH_SELFTEST(exception_protection_fault_recovered) { return expect_fault(FaultKind::ProtectionFault); }

ATH_SELFTEST(exception_catch_nesting_and_clean_return)
{
    // No fault: nothing reported. A fault inside a nested catch belongs to the inner one only.
    auto nothing = Arch::run_catching_faults([](void*) {}, nullptr);
    EXPECT(!nothing.has_value());
    Optional<FaultInfo> inner;
    auto outer = Arch::run_catching_faults(
        [](void* context) {
            Trigger request { FaultKind::InvalidOpcode, true };
            *static_cast<Optional<FaultInfo>*>(context) = Arch::run_catching_faults(trigger, &request);
        },
        &inner);
    EXPECT(!outer.has_value());
    EXPECT(inner.has_value() && inner->kind == FaultKind::InvalidOpcode);
    return {};
}

} // namespace ath
