#include <kernel/arch/Arch.h>

namespace ath {

StringView fault_kind_name(FaultKind kind)
{
    switch (kind) {
    case FaultKind::DivideError: return "divide error";
    case FaultKind::InvalidOpcode: return "invalid opcode";
    case FaultKind::PageFault: return "page fault";
    case FaultKind::ProtectionFault: return "protection fault";
    case FaultKind::Breakpoint: return "breakpoint";
    case FaultKind::Other: return "other";
    }
    return "?";
}

} // namespace ath
