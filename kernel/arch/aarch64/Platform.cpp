// Machine control: halt, power-off, the counter.
//
// Power-off reports a status to the host the way x86_64's isa-debug-exit does: the kernel prints
// `athanor: power-off status=N`, then asks QEMU to exit with code (0x10 | N) << 1 | 1 through the
// Arm semihosting SYS_EXIT call (QEMU runs with -semihosting-config enable=on,target=native), so
// tools/qemu-run decodes one format on every arch. Without semihosting the HLT #0xF000 is an
// undefined instruction: that fault is caught and PSCI SYSTEM_OFF (conduit hvc or smc, from the
// device tree's psci node) powers the machine off without a status; qemu-run then reads the
// status line from the serial log.
#include <kernel/arch/Arch.h>
#include <kernel/arch/aarch64/BootDeviceTree.h>
#include <kernel/arch/aarch64/ExceptionFrame.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/lib/Format.h>

namespace ath::aarch64 {

StringView Arch::name() { return "aarch64"; }

namespace {

constexpr u64 semihosting_exit = 0x18;
constexpr u64 semihosting_application_exit = 0x20026;
constexpr u32 psci_system_off = 0x84000008;

struct ExitBlock {
    u64 reason;
    u64 code;
};

void semihosting_call(void* context)
{
    register u64 operation asm("x0") = semihosting_exit;
    register u64 parameter asm("x1") = reinterpret_cast<u64>(context);
    asm volatile("hlt #0xf000" : "+r"(operation) : "r"(parameter) : "memory");
}

enum class Conduit { None, Hvc, Smc };

Conduit psci_conduit()
{
    auto tree = boot_device_tree(aarch64_boot_info);
    if (tree.is_error())
        return Conduit::None;
    Optional<firmware::DeviceTreeNode> node = tree.value().find_compatible("arm,psci-1.0");
    if (!node.has_value())
        node = tree.value().find_compatible("arm,psci-0.2");
    if (!node.has_value())
        node = tree.value().find_path("/psci");
    if (!node.has_value())
        return Conduit::None;
    auto method = node->property_string("method");
    if (method.has_value() && *method == StringView("hvc"))
        return Conduit::Hvc;
    if (method.has_value() && *method == StringView("smc"))
        return Conduit::Smc;
    return Conduit::None;
}

} // namespace

void Arch::halt_forever()
{
    while (true)
        asm volatile("msr daifset, #0xf\n wfi" ::: "memory");
}

void Arch::power_off(u8 status)
{
    disable_interrupts();
    println("athanor: power-off status={}", status);
    ExitBlock block { semihosting_application_exit, (u64(0x10 | (status & 0xF)) << 1) | 1 };
    (void)run_catching_faults(semihosting_call, &block);
    register u64 function asm("x0") = psci_system_off;
    switch (psci_conduit()) {
    case Conduit::Hvc: asm volatile("hvc #0" : "+r"(function) : : "x1", "x2", "x3", "memory"); break;
    case Conduit::Smc: asm volatile("smc #0" : "+r"(function) : : "x1", "x2", "x3", "memory"); break;
    case Conduit::None: break;
    }
    println("athanor: no way to power off (no semihosting, no PSCI): halting");
    halt_forever();
}

// The generic timer's virtual count: always running at CNTFRQ (the PMU cycle counter would need
// per-EL enabling and is not guaranteed to count under emulation).
u64 Arch::cycle_counter()
{
    instruction_barrier();
    return ATH_READ_SYSREG(cntvct_el0);
}

void Arch::wait_for_interrupt()
{
    // WFI wakes for a pending interrupt even while PSTATE.I masks it, so waiting first and
    // unmasking afterwards cannot lose a wake-up; the interrupt is taken right after.
    asm volatile("wfi\n msr daifclr, #2\n isb" ::: "memory");
}

} // namespace ath::aarch64
