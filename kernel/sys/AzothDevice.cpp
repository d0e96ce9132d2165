#include "AzothDevice.h"

#include <abi-gen/AzothImports.h>
#include <kernel/object/Device.h>
#include <kernel/object/Irq.h>
#include <kernel/object/DmaBuffer.h>
#include <kernel/object/PciDevice.h>

namespace ath::sys {

namespace {

object::TimerQueue* g_timer_queue = nullptr;
object::DmaAddressing* g_dma_addressing = nullptr;

} // namespace

void set_azoth_timer_queue(object::TimerQueue* queue) { __atomic_store_n(&g_timer_queue, queue, __ATOMIC_RELEASE); }
void set_azoth_dma_addressing(object::DmaAddressing* addressing) { __atomic_store_n(&g_dma_addressing, addressing, __ATOMIC_RELEASE); }

} // namespace ath::sys

// The handlers of the Device, Irq and Timer rows of kernel/sys/abi/azoth.def and of
// call_with_handle (declared and called by the generated <abi-gen/AzothImports.h>).
namespace ath::sys::abi::azoth {

using namespace object;

namespace {

HandleTable& handles_of(AzothContext& context) { return context.process().handles(); }

// irq_bind / timer_bind: `source` (write) signals `bits` of `event`, an event the caller may
// signal itself (write).
template<typename Source>
Result<Status> bind_to_event(AzothContext& context, Handle source, Handle event, u32 bits)
{
    auto found = TRY(handles_of(context).lookup<Source>(source, Rights::Write));
    auto signalled = TRY(handles_of(context).lookup<Event>(event, Rights::Write));
    TRY(found.object->bind(move(signalled.object), bits));
    return OK;
}

} // namespace

// value_out is checked (aligned, writable) by the trampoline before the device is touched.
Result<Status> register_read(AzothContext& context, Handle device, u32 offset, u32 width, Out<u64> value_out)
{
    auto found = TRY(handles_of(context).lookup<Device>(device, Rights::Read));
    u64 value = TRY(found.object->read(offset, width));
    TRY(value_out.write(value));
    return OK;
}

Result<Status> register_write(AzothContext& context, Handle device, u32 offset, u32 width, u64 value)
{
    auto found = TRY(handles_of(context).lookup<Device>(device, Rights::Write));
    TRY(found.object->write(offset, width, value));
    return OK;
}

Result<Status> irq_bind(AzothContext& context, Handle irq, Handle event, u32 bits)
{
    return bind_to_event<Irq>(context, irq, event, bits);
}

Result<Status> irq_ack(AzothContext& context, Handle irq)
{
    auto found = TRY(handles_of(context).lookup<Irq>(irq, Rights::Write));
    TRY(found.object->ack());
    return OK;
}

Result<Status> timer_create(AzothContext& context, Out<u32> handle_out)
{
    TimerQueue* queue = __atomic_load_n(&g_timer_queue, __ATOMIC_ACQUIRE);
    if (!queue)
        return E_UNSUPPORTED;
    auto timer = TRY(Timer::create(context.environment().allocator, *queue));
    Handle handle = TRY(handles_of(context).install(*timer, Rights::All));
    TRY(handle_out.write(handle));
    return OK;
}

Result<Status> timer_bind(AzothContext& context, Handle timer, Handle event, u32 bits)
{
    return bind_to_event<Timer>(context, timer, event, bits);
}

Result<Status> timer_set(AzothContext& context, Handle timer, u64 delay_ns, u64 period_ns)
{
    auto found = TRY(handles_of(context).lookup<Timer>(timer, Rights::Write));
    TRY(found.object->set(delay_ns, period_ns));
    return OK;
}

Result<Status> timer_cancel(AzothContext& context, Handle timer)
{
    auto found = TRY(handles_of(context).lookup<Timer>(timer, Rights::Write));
    found.object->cancel();
    return OK;
}

// ---- PCI functions: a PciDevice handle (pci_open, booted) reaches its own function only ----

Result<Status> pci_config_read(AzothContext& context, Handle device, u32 offset, u32 width, Out<u32> value_out)
{
    auto found = TRY(handles_of(context).lookup<PciDevice>(device, Rights::Read));
    u32 value = TRY(found.object->config_read(offset, width));
    TRY(value_out.write(value));
    return OK;
}

Result<Status> pci_config_write(AzothContext& context, Handle device, u32 offset, u32 width, u32 value)
{
    auto found = TRY(handles_of(context).lookup<PciDevice>(device, Rights::Write));
    TRY(found.object->config_write(offset, width, value));
    return OK;
}

Result<Status> pci_bar_info(AzothContext& context, Handle device, u32 index, Out<pci_bar_t> bar_out)
{
    auto found = TRY(handles_of(context).lookup<PciDevice>(device, Rights::Read));
    pci::Bar bar = TRY(found.object->bar(index));
    u32 kind = bar.kind == pci::BarKind::Io ? PCI_BAR_IO : bar.kind == pci::BarKind::Memory32 ? PCI_BAR_MEM32 : PCI_BAR_MEM64;
    u32 flags = (bar.prefetchable ? PCI_BAR_PREFETCHABLE : 0) | (bar.assigned ? PCI_BAR_ASSIGNED : 0)
        | (bar.kind == pci::BarKind::Io && found.object->io_ports() ? PCI_BAR_PORTS : 0);
    TRY(bar_out.write(pci_bar_t { kind, flags, bar.assigned ? bar.cpu_address : 0, bar.size }));
    return OK;
}

Result<Status> pci_bar_open(AzothContext& context, Handle device, u32 index, Out<u32> handle_out)
{
    auto found = TRY(handles_of(context).lookup<PciDevice>(device, Rights::Write));
    auto window = TRY(found.object->open_bar(context.environment().allocator, index));
    Rights rights = found.rights & (Rights::Read | Rights::Write | Rights::Transfer | Rights::Derive);
    Handle handle = TRY(handles_of(context).install(*window, rights));
    if (auto written = handle_out.write(handle); written.is_error()) {
        (void)handles_of(context).close(handle);
        return written.release_error();
    }
    return OK;
}

// ---- DMA buffers: memory a PCI function may master (kernel/object/DmaBuffer.h) ----

Result<Status> dma_create(AzothContext& context, Handle device, u64 size, Out<u32> handle_out)
{
    auto found = TRY(handles_of(context).lookup<PciDevice>(device, Rights::Write));
    DmaAddressing* addressing = __atomic_load_n(&g_dma_addressing, __ATOMIC_ACQUIRE);
    PageMapper* mapper = context.environment().mapper;
    if (!addressing || !mapper)
        return E_UNSUPPORTED;
    auto buffer = TRY(DmaBuffer::create(context.environment().allocator, *mapper, *addressing, *found.object, size));
    Handle handle = TRY(handles_of(context).install(*buffer, Rights::Read | Rights::Write | Rights::Map));
    if (auto written = handle_out.write(handle); written.is_error()) {
        (void)handles_of(context).close(handle);
        return written.release_error();
    }
    return OK;
}

Result<Status> pci_irq_open(AzothContext& context, Handle device, u32 vector, Out<u32> handle_out)
{
    auto found = TRY(handles_of(context).lookup<PciDevice>(device, Rights::Write));
    auto irq = TRY(found.object->open_msix(context.environment().allocator, vector));
    Handle handle = TRY(handles_of(context).install(*irq, Rights::Read | Rights::Write));
    if (auto written = handle_out.write(handle); written.is_error()) {
        (void)handles_of(context).close(handle);
        return written.release_error();
    }
    return OK;
}

Result<Status> dma_region(AzothContext& context, Handle dma, Out<u32> region_out)
{
    auto found = TRY(handles_of(context).lookup<DmaBuffer>(dma, Rights::Map));
    // Not transferable: the pages are the device's to reach, and no other module's to map.
    Rights rights = found.rights & (Rights::Read | Rights::Write | Rights::Map);
    Handle handle = TRY(handles_of(context).install_under(dma, found.object->region(), rights));
    if (auto written = region_out.write(handle); written.is_error()) {
        (void)handles_of(context).close(handle);
        return written.release_error();
    }
    return OK;
}

Result<Status> dma_address(AzothContext& context, Handle dma, Out<u64> address_out)
{
    auto found = TRY(handles_of(context).lookup<DmaBuffer>(dma, Rights::Read));
    TRY(address_out.write(found.object->device_address()));
    return OK;
}

// call_with_handle(endpoint, handle, rights_mask, mode, w0, w1, w2, results_out): a call whose
// fourth word is the number of `handle` in the server's table. Everything that can refuse the
// call is checked before the handle moves, so a refused call changes nothing. Only a call whose
// handler returned normally gives the handle away: when the handler traps or is stopped (its
// caller or the server killed), the server's copy is taken back and a moved handle stays the
// sender's. Otherwise a caller killed inside the handler would leave a handle in the server's table
// that nobody knows the number of, and enough such calls would fill it (hardening issue, class 6).
Result<Status> call_with_handle(AzothContext& context, Handle endpoint_handle, Handle handle, u32 rights_mask, u32 mode, u64 w0, u64 w1,
    u64 w2, CallResults results_out)
{
    Rights mask = static_cast<Rights>(rights_mask);
    if (mode > 1 || !is_known(mask))
        return E_INVALID_ARGUMENT;
    TRY(results_out.check());
    ipc::CallStack& stack = context.environment().current_calls(); // booted: the running thread's stack
    if (stack.current() != &context.process())
        return E_INVALID_STATE;
    HandleTable& handles = handles_of(context);
    // The checks CallStack::call makes, made first: after them the call cannot be refused.
    auto endpoint = TRY(handles.lookup<Endpoint>(endpoint_handle, Rights::Call));
    ProcessObject& server = endpoint.object->server();
    if (server.is_terminated())
        return E_NOT_FOUND;
    // Busy on this thread (re-entry), or anywhere without a StoreGate: refused. Busy on another
    // thread (booted): the call waits its turn; if that fails the copy below is taken back.
    if (server.is_in_call() && (!stack.gate() || stack.contains(server)))
        return E_BUSY;
    if (stack.depth() == ipc::CallStack::max_depth)
        return E_EXHAUSTED;
    if (handle == endpoint_handle && mode == 0)
        return E_INVALID_ARGUMENT; // cannot move away the endpoint being called
    // A copy into the server's table (needs transfer; a full table is Exhausted): a child of the
    // source. A move then closes the source, so the copy takes the source's place under its parent.
    Handle given = TRY(handles.transfer(handle, server.handles(), mask, TransferMode::Copy));
    CallWords message { { w0, w1, w2, given } };
    auto reply = stack.call(endpoint_handle, message);
    if (reply.is_error()) {
        // Not delivered after all (booted: another thread entered the server between the checks
        // and the call), or the handler did not return normally: take the copy back (if the
        // handler moved or closed it meanwhile, there is nothing left to take); the source is
        // untouched.
        (void)server.handles().close(given);
        return reply.release_error();
    }
    if (mode == 0)
        (void)handles.close(handle);
    TRY(results_out.store(reply.value()));
    return OK;
}

} // namespace ath::sys::abi::azoth
