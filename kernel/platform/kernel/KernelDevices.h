#pragma once

// The kernel side of Device, Irq and Timer objects (kernel/object): the arch's interrupt
// controller, register access and clock behind the object layer's interfaces, and the one timer
// queue the timer tick drives.
#include <kernel/object/Device.h>
#include <kernel/object/Irq.h>
#include <kernel/object/ObjectDirectory.h>
#include <kernel/object/Timer.h>

namespace ath::sys {

object::IrqController& kernel_irq_controller();
object::DeviceAccess& kernel_device_access();
object::Clock& kernel_clock();
object::TimerQueue& kernel_timer_queue();
// Kernel-heap memory for the kernel's own objects (KernelAllocator::instance()).
object::ObjectAllocator& kernel_object_allocator();

// Interrupt context, from the timer tick (kernel/process/Threads.cpp): fires the kernel timer
// queue's due timers; the first call also hands the queue to the azoth ABI (timer_create).
void kernel_devices_tick();

// A Device object for the console UART's registers (NotFound when the arch has none); its irq()
// is the UART's interrupt line, for an Irq object made with kernel_irq_controller().
Result<object::RefPtr<object::Device>> create_console_uart_device(object::ObjectAllocator&);

// Makes the console UART's Device and Irq objects, keeps a handle to each in `publisher` (the
// kernel's own table) and publishes them in `directory` as "uart" (device: read, write) and
// "uart-irq" (irq: write), plus transfer/derive/revoke for granting. A driver's manifest then asks
// for `handle = device:uart:read+write` and `handle = irq:uart-irq:write`. The Irq claims the line
// now (masked until the driver binds it; x86_64's COM1 input buffer yields it). NotFound when the
// platform has no such UART; on error nothing usable is published (a name already listed then
// names a closed handle).
ErrorOr publish_console_uart(object::ObjectAllocator&, object::HandleTable& publisher, object::ObjectDirectory& directory);

} // namespace ath::sys
