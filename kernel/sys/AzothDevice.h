#pragma once

// The `azoth` imports for Device, Irq and Timer objects and for calls that carry a handle
// (abi/azoth.def, section "Devices, interrupts and timers"): their handlers are in AzothDevice.cpp,
// declared and dispatched by the generated <abi-gen/AzothImports.h> like every other row; the
// rules are in docs/ipc.md.
#include <kernel/object/DmaBuffer.h>
#include <kernel/object/Timer.h>

namespace ath::sys {

// The queue timer_create puts new timers in: the kernel's (KernelDevices, driven by the timer
// tick), or a test's. None set: timer_create answers E_UNSUPPORTED.
void set_azoth_timer_queue(object::TimerQueue* queue);

// Where dma_create's buffers are for a device (the kernel's: physical addresses, KernelPci; or a
// test's). None set (the hosted build): dma_create answers E_UNSUPPORTED.
void set_azoth_dma_addressing(object::DmaAddressing* addressing);

} // namespace ath::sys
