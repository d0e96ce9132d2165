#pragma once

// The `azoth` imports for Device, Irq and Timer objects and for calls that carry a handle
// (abi/azoth.def, section "Devices, interrupts and timers"): their handlers are in AzothDevice.cpp,
// declared and dispatched by the generated <abi-gen/AzothImports.h> like every other row; the
// rules are in docs/ipc.md.
#include <kernel/object/Timer.h>

namespace ath::sys {

// The queue timer_create puts new timers in: the kernel's (KernelDevices, driven by the timer
// tick), or a test's. None set: timer_create answers E_UNSUPPORTED.
void set_azoth_timer_queue(object::TimerQueue* queue);

} // namespace ath::sys
