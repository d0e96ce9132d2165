#include "AzothDevice.h"

#include <kernel/object/Device.h>
#include <kernel/object/Irq.h>

namespace ath::sys {

using namespace object;
using wasm::Value;

namespace {

object::TimerQueue* g_timer_queue = nullptr;

constexpr i32 ok = 0;

i32 status(const Error& error) { return azoth_status_for(error); }
i32 status_of(ErrorCode code) { return azoth_status_for(Error::from(code, "")); }

#define TRY_STATUS(expression)                               \
    ({                                                       \
        auto&& status_result_ = (expression);                \
        if (status_result_.is_error())                       \
            return status(status_result_.error());           \
        status_result_.release_value();                      \
    })

HandleTable& handles_of(AzothContext& context) { return context.process().handles(); }

// An event the caller may signal (write): what an irq or timer bound to it will do.
Result<RefPtr<Event>> signalable_event(AzothContext& context, Handle handle)
{
    auto view = TRY(handles_of(context).lookup<Event>(handle, Rights::Write));
    return move(view.object);
}

} // namespace

void set_azoth_timer_queue(TimerQueue* queue) { __atomic_store_n(&g_timer_queue, queue, __ATOMIC_RELEASE); }

namespace azoth_device {

i32 register_read(AzothContext& context, const GuestMemory& memory, Span<const Value> arguments)
{
    u32 out = arguments[3].as_i32();
    if (out % alignof(u64) != 0)
        return status_of(ErrorCode::InvalidArgument);
    TRY_STATUS(memory.check_writable<u64>(out)); // checked before the device is touched
    auto device = TRY_STATUS(handles_of(context).lookup<Device>(arguments[0].as_i32(), Rights::Read));
    u64 value = TRY_STATUS(device.object->read(arguments[1].as_i32(), arguments[2].as_i32()));
    TRY_STATUS(memory.write<u64>(out, value));
    return ok;
}

i32 register_write(AzothContext& context, const GuestMemory&, Span<const Value> arguments)
{
    auto device = TRY_STATUS(handles_of(context).lookup<Device>(arguments[0].as_i32(), Rights::Write));
    TRY_STATUS(device.object->write(arguments[1].as_i32(), arguments[2].as_i32(), arguments[3].as_i64()));
    return ok;
}

i32 irq_bind(AzothContext& context, const GuestMemory&, Span<const Value> arguments)
{
    auto irq = TRY_STATUS(handles_of(context).lookup<Irq>(arguments[0].as_i32(), Rights::Write));
    auto event = TRY_STATUS(signalable_event(context, arguments[1].as_i32()));
    TRY_STATUS(irq.object->bind(move(event), arguments[2].as_i32()));
    return ok;
}

i32 irq_ack(AzothContext& context, const GuestMemory&, Span<const Value> arguments)
{
    auto irq = TRY_STATUS(handles_of(context).lookup<Irq>(arguments[0].as_i32(), Rights::Write));
    TRY_STATUS(irq.object->ack());
    return ok;
}

i32 timer_create(AzothContext& context, const GuestMemory& memory, Span<const Value> arguments)
{
    u32 out = arguments[0].as_i32();
    if (out % alignof(u32) != 0)
        return status_of(ErrorCode::InvalidArgument);
    TRY_STATUS(memory.check_writable<u32>(out));
    TimerQueue* queue = __atomic_load_n(&g_timer_queue, __ATOMIC_ACQUIRE);
    if (!queue)
        return status_of(ErrorCode::Unsupported);
    auto timer = TRY_STATUS(Timer::create(context.environment().allocator, *queue));
    Handle handle = TRY_STATUS(handles_of(context).install(*timer, Rights::All));
    TRY_STATUS(memory.write<u32>(out, handle));
    return ok;
}

i32 timer_bind(AzothContext& context, const GuestMemory&, Span<const Value> arguments)
{
    auto timer = TRY_STATUS(handles_of(context).lookup<Timer>(arguments[0].as_i32(), Rights::Write));
    auto event = TRY_STATUS(signalable_event(context, arguments[1].as_i32()));
    TRY_STATUS(timer.object->bind(move(event), arguments[2].as_i32()));
    return ok;
}

i32 timer_set(AzothContext& context, const GuestMemory&, Span<const Value> arguments)
{
    auto timer = TRY_STATUS(handles_of(context).lookup<Timer>(arguments[0].as_i32(), Rights::Write));
    TRY_STATUS(timer.object->set(arguments[1].as_i64(), arguments[2].as_i64()));
    return ok;
}

i32 timer_cancel(AzothContext& context, const GuestMemory&, Span<const Value> arguments)
{
    auto timer = TRY_STATUS(handles_of(context).lookup<Timer>(arguments[0].as_i32(), Rights::Write));
    timer.object->cancel();
    return ok;
}

// call_with_handle(endpoint, handle, rights_mask, mode, w0, w1, w2, results_out): a call whose
// fourth word is the number of `handle` in the server's table. Everything that can refuse the
// call is checked before the handle moves, so a refused call changes nothing. Only a call whose
// handler returned normally gives the handle away: when the handler traps or is stopped (its
// caller or the server killed), the server's copy is taken back and a moved handle stays the
// sender's. Otherwise a caller killed inside the handler would leave a handle in the server's table
// that nobody knows the number of, and enough such calls would fill it (hardening issue, class 6).
i32 call_with_handle(AzothContext& context, const GuestMemory& memory, Span<const Value> arguments)
{
    Handle endpoint_handle = arguments[0].as_i32();
    Handle handle = arguments[1].as_i32();
    Rights mask = static_cast<Rights>(arguments[2].as_i32());
    u32 mode = arguments[3].as_i32();
    u32 results_address = arguments[7].as_i32();
    if (mode > 1 || !is_known(mask))
        return status_of(ErrorCode::InvalidArgument);
    TRY_STATUS(check_call_results(memory, results_address));
    ipc::CallStack& stack = context.environment().current_calls(); // booted: the running thread's stack
    if (stack.current() != &context.process())
        return status_of(ErrorCode::Invalid);
    HandleTable& handles = handles_of(context);
    // The checks CallStack::call makes, made first: after them the call cannot be refused.
    auto endpoint = TRY_STATUS(handles.lookup<Endpoint>(endpoint_handle, Rights::Call));
    Process& server = endpoint.object->server();
    if (server.is_terminated())
        return status_of(ErrorCode::NotFound);
    // Busy on this thread (re-entry), or anywhere without a StoreGate: refused. Busy on another
    // thread (booted): the call waits its turn; if that fails the copy below is taken back.
    if (server.is_in_call() && (!stack.gate() || stack.contains(server)))
        return status_of(ErrorCode::Busy);
    if (stack.depth() == ipc::CallStack::max_depth)
        return status_of(ErrorCode::Exhausted);
    if (handle == endpoint_handle && mode == 0)
        return status_of(ErrorCode::InvalidArgument); // cannot move away the endpoint being called
    // A copy into the server's table (needs transfer; a full table is Exhausted): a child of the
    // source. A move then closes the source, so the copy takes the source's place under its parent.
    Handle given = TRY_STATUS(handles.transfer(handle, server.handles(), mask, TransferMode::Copy));
    CallWords message { { arguments[4].as_i64(), arguments[5].as_i64(), arguments[6].as_i64(), given } };
    auto reply = stack.call(endpoint_handle, message);
    if (reply.is_error()) {
        // Not delivered after all (booted: another thread entered the server between the checks
        // and the call), or the handler did not return normally: take the copy back (if the
        // handler moved or closed it meanwhile, there is nothing left to take); the source is
        // untouched.
        (void)server.handles().close(given);
        return status(reply.error());
    }
    if (mode == 0)
        (void)handles.close(handle);
    TRY_STATUS(store_call_results(memory, results_address, reply.value()));
    return ok;
}

} // namespace azoth_device

} // namespace ath::sys
