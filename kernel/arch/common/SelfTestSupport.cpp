#include <kernel/arch/common/IrqLines.h>
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

namespace ath::arch_common {

namespace {

void self_test_uart_interrupt(void* context)
{
    auto& uart = *static_cast<SelfTestUartInterrupt*>(context);
    if (uart.clobber_registers)
        uart.clobber();
    uart.acknowledge();
    uart.count = uart.count + 1;
}

} // namespace

ErrorOr SelfTestUartInterrupt::ensure_installed(u32 irq)
{
    if (irq == 0)
        return Error::from(ErrorCode::NotFound, "the device tree gave the console UART no interrupt");
    if (!installed) {
        TRY(ATH_ARCH_NAMESPACE::install_yielding_irq_handler(irq, self_test_uart_interrupt, this));
        installed = true;
    }
    return {};
}

} // namespace ath::arch_common
