// What the generic self-tests need the aarch64 machine to do on purpose.
#include <kernel/arch/Arch.h>
#include <kernel/arch/common/IrqLines.h>
#include <kernel/arch/common/SelfTestSupport.h>
#include <kernel/arch/aarch64/BootDeviceTree.h>
#include <kernel/arch/aarch64/ExceptionFrame.h>
#include <kernel/arch/aarch64/Pl011.h>
#include <kernel/arch/aarch64/SystemRegisters.h>
#include <kernel/lib/Format.h>
#include <kernel/main/Kernel.h>

namespace ath::aarch64 {

void FaultTriggers::invalid_opcode() { asm volatile("udf #0"); }

void FaultTriggers::breakpoint() { asm volatile("brk #0"); }

void FaultTriggers::protection_fault()
{
    // Exclusive loads must be naturally aligned whatever SCTLR_EL1.A says: an alignment fault.
    alignas(16) u8 buffer[16] = {};
    u64 value;
    asm volatile("ldxr %0, [%1]\n clrex" : "=r"(value) : "r"(buffer + 1) : "memory");
}

bool FaultTriggers::divide_error()
{
    // A64 integer division by zero does not trap (it yields 0); the Wasm engine checks divisors
    // itself.
    u64 zero = 0, quotient;
    asm volatile("udiv %0, %1, %2" : "=r"(quotient) : "r"(u64(1)), "r"(zero));
    return quotient != 0; // never true
}

namespace {

// What a careless interrupt handler might do: every SIMD register overwritten.
void clobber_vector_registers()
{
    asm volatile("movi v0.16b, #0xff\n movi v1.16b, #0xff\n movi v2.16b, #0xff\n movi v3.16b, #0xff\n"
                 "movi v4.16b, #0xff\n movi v5.16b, #0xff\n movi v6.16b, #0xff\n movi v7.16b, #0xff\n"
                 "movi v8.16b, #0xff\n movi v9.16b, #0xff\n movi v10.16b, #0xff\n movi v11.16b, #0xff\n"
                 "movi v12.16b, #0xff\n movi v13.16b, #0xff\n movi v14.16b, #0xff\n movi v15.16b, #0xff\n"
                 "movi v16.16b, #0xff\n movi v17.16b, #0xff\n movi v18.16b, #0xff\n movi v19.16b, #0xff\n"
                 "movi v20.16b, #0xff\n movi v21.16b, #0xff\n movi v22.16b, #0xff\n movi v23.16b, #0xff\n"
                 "movi v24.16b, #0xff\n movi v25.16b, #0xff\n movi v26.16b, #0xff\n movi v27.16b, #0xff\n"
                 "movi v28.16b, #0xff\n movi v29.16b, #0xff\n movi v30.16b, #0xff\n movi v31.16b, #0xff\n"
                 :
                 :
                 : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14",
                   "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28",
                   "v29", "v30", "v31");
}

// The PL011 transmit interrupt: raised while the transmit FIFO is (nearly) empty, which it is
// whenever the console is idle. The handler masks it again, so each unmasking is one interrupt.
void mask_and_clear_transmit_interrupt()
{
    u64 base = pl011::console_virtual_base();
    mmio_write<u32>(base + pl011::interrupt_mask, mmio_read<u32>(base + pl011::interrupt_mask) & ~pl011::interrupt_transmit);
    mmio_write<u32>(base + pl011::interrupt_clear, pl011::interrupt_transmit);
}

arch_common::SelfTestUartInterrupt g_uart { mask_and_clear_transmit_interrupt, clobber_vector_registers };

ErrorOr ensure_uart_handler()
{
    return g_uart.ensure_installed(pl011::console_virtual_base() ? pl011::console_interrupt() : 0);
}

void unmask_uart_transmit_interrupt()
{
    u64 base = pl011::console_virtual_base();
    mmio_write<u32>(base + pl011::interrupt_mask, mmio_read<u32>(base + pl011::interrupt_mask) | pl011::interrupt_transmit);
}

} // namespace

ErrorOr Arch::self_test_device_interrupt()
{
    TRY(ensure_uart_handler());
    bool were_enabled = interrupts_enabled();
    enable_interrupts();
    u32 before = g_uart.count;
    unmask_uart_transmit_interrupt();
    bool arrived = arch_common::wait_for_count_change(g_uart.count, before, 500'000'000,
                                                      [] { asm volatile("yield"); });
    if (!were_enabled)
        disable_interrupts();
    if (!arrived)
        return Error::from(ErrorCode::TimedOut, "no PL011 interrupt arrived through the GIC within 500 ms");
    return {};
}

ErrorOr Arch::self_test_fp_state_across_interrupts()
{
    TRY(ensure_uart_handler());
    arch_common::RegisterImages<usize(32) * 16> images; // v0-v31
    bool were_enabled = interrupts_enabled();
    g_uart.clobber_registers = true;
    u32 before = g_uart.count;
    u64 uart = pl011::console_virtual_base();
    u32 mask = mmio_read<u32>(uart + pl011::interrupt_mask) | pl011::interrupt_transmit;
    u8* in = images.expected;
    u8* out = images.seen;
    // All in one asm block so the compiler cannot touch the vector registers between loading and
    // checking: load all 32, unmask the UART interrupt and IRQs, wait for the handler (bounded),
    // mask IRQs, store all 32.
    asm volatile("ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[in]], #64\n"
                 "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[in]], #64\n"
                 "ld1 {v8.16b, v9.16b, v10.16b, v11.16b}, [%[in]], #64\n"
                 "ld1 {v12.16b, v13.16b, v14.16b, v15.16b}, [%[in]], #64\n"
                 "ld1 {v16.16b, v17.16b, v18.16b, v19.16b}, [%[in]], #64\n"
                 "ld1 {v20.16b, v21.16b, v22.16b, v23.16b}, [%[in]], #64\n"
                 "ld1 {v24.16b, v25.16b, v26.16b, v27.16b}, [%[in]], #64\n"
                 "ld1 {v28.16b, v29.16b, v30.16b, v31.16b}, [%[in]], #64\n"
                 "str %w[mask], [%[imsc]]\n"
                 "msr daifclr, #2\n"
                 "movz x9, #0xe100\n movk x9, #0x5f5, lsl #16\n" // 100 million spins
                 "1: ldr w10, [%[counter]]\n"
                 "cmp w10, %w[before]\n"
                 "b.ne 2f\n"
                 "subs x9, x9, #1\n"
                 "b.ne 1b\n"
                 "2: msr daifset, #2\n"
                 "st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%[out]], #64\n"
                 "st1 {v4.16b, v5.16b, v6.16b, v7.16b}, [%[out]], #64\n"
                 "st1 {v8.16b, v9.16b, v10.16b, v11.16b}, [%[out]], #64\n"
                 "st1 {v12.16b, v13.16b, v14.16b, v15.16b}, [%[out]], #64\n"
                 "st1 {v16.16b, v17.16b, v18.16b, v19.16b}, [%[out]], #64\n"
                 "st1 {v20.16b, v21.16b, v22.16b, v23.16b}, [%[out]], #64\n"
                 "st1 {v24.16b, v25.16b, v26.16b, v27.16b}, [%[out]], #64\n"
                 "st1 {v28.16b, v29.16b, v30.16b, v31.16b}, [%[out]], #64\n"
                 : [in] "+r"(in), [out] "+r"(out)
                 : [counter] "r"(&g_uart.count), [before] "r"(before), [mask] "r"(mask),
                   [imsc] "r"(uart + pl011::interrupt_mask)
                 : "x9", "x10", "memory", "cc", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
                   "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",
                   "v25", "v26", "v27", "v28", "v29", "v30", "v31");
    g_uart.clobber_registers = false;
    u32 after = g_uart.count;
    if (were_enabled)
        enable_interrupts();
    return images.verdict(before, after, "the PL011 interrupt never arrived",
                          "a SIMD register changed across an interrupt");
}

// The device tree describes what the kernel relies on, and a damaged copy is refused.
ErrorOr Arch::self_test_firmware_tables()
{
    auto tree = TRY(arch_common::self_test_boot_device_tree(boot_info()));
    bool has_gic = tree.find_compatible("arm,gic-v3").has_value() || tree.find_compatible("arm,cortex-a15-gic").has_value()
        || tree.find_compatible("arm,gic-400").has_value();
    auto timer = tree.find_compatible("arm,armv8-timer");
    if (!has_gic || !timer.has_value() || !gic_interrupt(*timer, 3).has_value())
        return Error::from(ErrorCode::NotFound, "the device tree lacks a GIC or a timer with four interrupts");
    if (!tree.find_compatible("arm,pl011").has_value() || tree.find_compatible("no,such-device").has_value())
        return Error::from(ErrorCode::Invalid, "compatible lookups do not behave");
    return {};
}

ReadonlyBytes Arch::return_instruction()
{
    static constexpr u8 instruction[] = { 0xC0, 0x03, 0x5F, 0xD6 }; // ret (x30)
    return ReadonlyBytes(instruction, sizeof(instruction));
}

} // namespace ath::aarch64
