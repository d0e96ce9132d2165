#include <kernel/arch/common/SelfTestSupport.h>

namespace ath::ATH_ARCH_NAMESPACE {

bool Arch::trigger_fault(FaultKind kind)
{
    switch (kind) {
    case FaultKind::InvalidOpcode:
        FaultTriggers::invalid_opcode();
        return true;
    case FaultKind::Breakpoint:
        FaultTriggers::breakpoint();
        return true;
    case FaultKind::ProtectionFault:
        FaultTriggers::protection_fault();
        return true;
    case FaultKind::DivideError:
        return FaultTriggers::divide_error();
    default:
        return false;
    }
}

} // namespace ath::ATH_ARCH_NAMESPACE
