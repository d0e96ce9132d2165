// What the generic self-tests need the riscv64 machine to do on purpose.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/common/SelfTestSupport.h>
#include <kernel/arch/riscv64/BootDeviceTree.h>
#include <kernel/arch/riscv64/TrapFrame.h>
#include <kernel/arch/riscv64/Uart.h>
#include <kernel/lib/Format.h>
#include <kernel/main/Kernel.h>

namespace ath::riscv64 {

void FaultTriggers::invalid_opcode() { asm volatile(".4byte 0"); } // the all-zero word is defined to be illegal

void FaultTriggers::breakpoint() { asm volatile("ebreak"); }

void FaultTriggers::protection_fault()
{
    // LR must be naturally aligned (a misaligned-address exception, never emulated).
    alignas(16) u8 buffer[16] = {};
    u64 value;
    asm volatile("lr.d %0, (%1)" : "=r"(value) : "r"(buffer + 1) : "memory");
}

bool FaultTriggers::divide_error()
{
    // RISC-V integer division by zero does not trap (it yields all ones); the Wasm engine checks
    // divisors itself.
    u64 zero = 0, quotient;
    asm volatile("divu %0, %1, %2" : "=r"(quotient) : "r"(u64(1)), "r"(zero));
    return quotient != ~u64(0); // never true
}

namespace {

// What a careless interrupt handler might do: every FP register overwritten.
void clobber_float_registers()
{
    asm volatile("li t0, -1\n"
                 "fmv.d.x f0, t0\n fmv.d.x f1, t0\n fmv.d.x f2, t0\n fmv.d.x f3, t0\n fmv.d.x f4, t0\n"
                 "fmv.d.x f5, t0\n fmv.d.x f6, t0\n fmv.d.x f7, t0\n fmv.d.x f8, t0\n fmv.d.x f9, t0\n"
                 "fmv.d.x f10, t0\n fmv.d.x f11, t0\n fmv.d.x f12, t0\n fmv.d.x f13, t0\n fmv.d.x f14, t0\n"
                 "fmv.d.x f15, t0\n fmv.d.x f16, t0\n fmv.d.x f17, t0\n fmv.d.x f18, t0\n fmv.d.x f19, t0\n"
                 "fmv.d.x f20, t0\n fmv.d.x f21, t0\n fmv.d.x f22, t0\n fmv.d.x f23, t0\n fmv.d.x f24, t0\n"
                 "fmv.d.x f25, t0\n fmv.d.x f26, t0\n fmv.d.x f27, t0\n fmv.d.x f28, t0\n fmv.d.x f29, t0\n"
                 "fmv.d.x f30, t0\n fmv.d.x f31, t0\n"
                 :
                 :
                 : "t0", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13",
                   "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25", "f26", "f27",
                   "f28", "f29", "f30", "f31");
}

// Drains what arrived (and so clears the "data available" condition).
void drain_received_data()
{
    while (uart::read(uart::line_status) & uart::data_ready)
        (void)uart::read(uart::data);
    (void)uart::read(uart::interrupt_identification);
}

arch_common::SelfTestUartInterrupt g_uart { drain_received_data, clobber_float_registers };

ErrorOr ensure_uart_handler() { return g_uart.ensure_installed(uart::physical_base() ? uart::plic_source() : 0); }

// Loopback: what the UART transmits comes straight back as received data (and never reaches the
// wire), raising "received data available" through the PLIC.
void start_loopback(u8& saved_modem)
{
    saved_modem = uart::read(uart::modem_control);
    uart::write(uart::modem_control, saved_modem | uart::modem_loopback);
    uart::write(uart::interrupt_enable, 0x01);
}

void stop_loopback(u8 saved_modem)
{
    uart::write(uart::interrupt_enable, 0x00);
    uart::write(uart::modem_control, saved_modem);
    while (uart::read(uart::line_status) & uart::data_ready)
        (void)uart::read(uart::data);
}

} // namespace

ErrorOr Arch::self_test_device_interrupt()
{
    TRY(ensure_uart_handler());
    bool were_enabled = interrupts_enabled();
    enable_interrupts();
    u32 before = g_uart.count;
    u8 modem;
    start_loopback(modem);
    uart::write(uart::data, 0x5A);
    bool arrived = arch_common::wait_for_count_change(g_uart.count, before, 500'000'000, [] { });
    stop_loopback(modem);
    if (!were_enabled)
        disable_interrupts();
    if (!arrived)
        return Error::from(ErrorCode::TimedOut, "no UART interrupt arrived through the PLIC within 500 ms");
    return {};
}

ErrorOr Arch::self_test_fp_state_across_interrupts()
{
    TRY(ensure_uart_handler());
    alignas(16) u64 expected[32];
    alignas(16) u64 seen[32];
    for (usize i = 0; i < 32; ++i) {
        expected[i] = 0x0101010101010101ULL * (i + 3) ^ 0x5A5A5A5A00000000ULL;
        seen[i] = 0;
    }
    bool were_enabled = interrupts_enabled();
    u8 modem;
    start_loopback(modem);
    g_uart.clobber_registers = true;
    u32 before = g_uart.count;
    u64 data_register = uart::register_address(uart::data);
    // All in one asm block so the compiler cannot touch the FP registers between loading and
    // checking: load all 32, enable interrupts, send a loopback byte, wait for the handler
    // (bounded), disable interrupts, store all 32.
    asm volatile("fld f0, 0(%[in])\n fld f1, 8(%[in])\n fld f2, 16(%[in])\n fld f3, 24(%[in])\n"
                 "fld f4, 32(%[in])\n fld f5, 40(%[in])\n fld f6, 48(%[in])\n fld f7, 56(%[in])\n"
                 "fld f8, 64(%[in])\n fld f9, 72(%[in])\n fld f10, 80(%[in])\n fld f11, 88(%[in])\n"
                 "fld f12, 96(%[in])\n fld f13, 104(%[in])\n fld f14, 112(%[in])\n fld f15, 120(%[in])\n"
                 "fld f16, 128(%[in])\n fld f17, 136(%[in])\n fld f18, 144(%[in])\n fld f19, 152(%[in])\n"
                 "fld f20, 160(%[in])\n fld f21, 168(%[in])\n fld f22, 176(%[in])\n fld f23, 184(%[in])\n"
                 "fld f24, 192(%[in])\n fld f25, 200(%[in])\n fld f26, 208(%[in])\n fld f27, 216(%[in])\n"
                 "fld f28, 224(%[in])\n fld f29, 232(%[in])\n fld f30, 240(%[in])\n fld f31, 248(%[in])\n"
                 "csrsi sstatus, 2\n"
                 "li t0, 0x5A\n"
                 "sb t0, 0(%[data])\n"
                 "li t1, 100000000\n"
                 "1: lw t0, 0(%[counter])\n"
                 "bne t0, %[before], 2f\n"
                 "addi t1, t1, -1\n"
                 "bnez t1, 1b\n"
                 "2: csrci sstatus, 2\n"
                 "fsd f0, 0(%[out])\n fsd f1, 8(%[out])\n fsd f2, 16(%[out])\n fsd f3, 24(%[out])\n"
                 "fsd f4, 32(%[out])\n fsd f5, 40(%[out])\n fsd f6, 48(%[out])\n fsd f7, 56(%[out])\n"
                 "fsd f8, 64(%[out])\n fsd f9, 72(%[out])\n fsd f10, 80(%[out])\n fsd f11, 88(%[out])\n"
                 "fsd f12, 96(%[out])\n fsd f13, 104(%[out])\n fsd f14, 112(%[out])\n fsd f15, 120(%[out])\n"
                 "fsd f16, 128(%[out])\n fsd f17, 136(%[out])\n fsd f18, 144(%[out])\n fsd f19, 152(%[out])\n"
                 "fsd f20, 160(%[out])\n fsd f21, 168(%[out])\n fsd f22, 176(%[out])\n fsd f23, 184(%[out])\n"
                 "fsd f24, 192(%[out])\n fsd f25, 200(%[out])\n fsd f26, 208(%[out])\n fsd f27, 216(%[out])\n"
                 "fsd f28, 224(%[out])\n fsd f29, 232(%[out])\n fsd f30, 240(%[out])\n fsd f31, 248(%[out])\n"
                 :
                 : [in] "r"(expected), [out] "r"(seen), [counter] "r"(&g_uart.count), [before] "r"(u64(before)),
                   [data] "r"(data_register)
                 : "t0", "t1", "memory", "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11",
                   "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25",
                   "f26", "f27", "f28", "f29", "f30", "f31");
    g_uart.clobber_registers = false;
    u32 after = g_uart.count;
    stop_loopback(modem);
    if (were_enabled)
        enable_interrupts();
    return arch_common::fp_state_verdict(before, after,
                                         ReadonlyBytes(reinterpret_cast<const u8*>(expected), sizeof(expected)),
                                         ReadonlyBytes(reinterpret_cast<const u8*>(seen), sizeof(seen)),
                                         "the UART interrupt never arrived", "an FP register changed across an interrupt");
}

// The device tree describes what the kernel relies on.
ErrorOr Arch::self_test_firmware_tables()
{
    auto tree = TRY(arch_common::self_test_boot_device_tree(boot_info()));
    auto cpus = tree.find_path("/cpus");
    if (!cpus.has_value() || cpus->property_u32("timebase-frequency").value_or(0) == 0)
        return Error::from(ErrorCode::NotFound, "the device tree gives no timebase-frequency");
    bool has_plic = tree.find_compatible("sifive,plic-1.0.0").has_value() || tree.find_compatible("riscv,plic0").has_value();
    if (!has_plic || !tree.find_compatible("riscv,cpu-intc").has_value())
        return Error::from(ErrorCode::NotFound, "the device tree lacks a PLIC or a hart interrupt controller");
    if (!tree.find_compatible("ns16550a").has_value() || tree.find_compatible("no,such-device").has_value())
        return Error::from(ErrorCode::Invalid, "compatible lookups do not behave");
    return {};
}

ReadonlyBytes Arch::return_instruction()
{
    static constexpr u8 instruction[] = { 0x67, 0x80, 0x00, 0x00 }; // jalr x0, 0(ra)
    return ReadonlyBytes(instruction, sizeof(instruction));
}

} // namespace ath::riscv64
