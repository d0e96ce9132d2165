#pragma once

// The `azoth` imports for Device, Irq and Timer objects and for calls that carry a handle
// (abi/azoth.def, section "Devices, interrupts and timers"). Azoth.cpp's dispatch forwards these
// table entries here (ATH_AZOTH_DEVICE_FUNCTIONS); the rules are in docs/ipc.md.
#include <kernel/object/Timer.h>
#include <kernel/sys/Azoth.h>
#include <kernel/sys/GuestMemory.h>

namespace ath::sys {

// The queue timer_create puts new timers in: the kernel's (KernelDevices, driven by the timer
// tick), or a test's. None set: timer_create answers E_UNSUPPORTED.
void set_azoth_timer_queue(object::TimerQueue* queue);

namespace azoth_device {

#define ATH_AZOTH_DEVICE_FUNCTIONS(X) \
    X(register_read)                  \
    X(register_write)                 \
    X(irq_bind)                       \
    X(irq_ack)                        \
    X(timer_create)                   \
    X(timer_bind)                     \
    X(timer_set)                      \
    X(timer_cancel)                   \
    X(call_with_handle)

// One handler per entry: the caller's context, its memory and the type-checked arguments; the
// result is an azoth status.
#define ATH_AZOTH_DEVICE_DECLARE(name) i32 name(AzothContext& context, const GuestMemory& memory, Span<const wasm::Value> arguments);
ATH_AZOTH_DEVICE_FUNCTIONS(ATH_AZOTH_DEVICE_DECLARE)
#undef ATH_AZOTH_DEVICE_DECLARE

} // namespace azoth_device

} // namespace ath::sys
