#include "Azoth.h"

#include <abi-gen/AzothImports.h>
#include <kernel/ipc/Channel.h>
#include <kernel/lib/Placement.h>

// The handlers of the `azoth` rows served by AzothContext (kernel/sys/abi/azoth.def, status
// Implemented; the Device, Irq, Timer rows and call_with_handle are in AzothDevice.cpp). The
// generated trampolines (<abi-gen/AzothImports.h>) decode the arguments, check the `checked`
// parameters, call these with typed values and guest views, and turn their errors into a status
// through the one translation of the table (abi::azoth::status_for).
namespace ath::sys::abi::azoth {

using namespace object;

namespace {

constexpr Rights creator_rights = Rights::All;

// Booted: a process blocking at the root of its own thread lets callers run its handler
// meanwhile (docs/ipc.md, "Booted processes"), and takes its Store back before it returns to Wasm.
class StoreRelease {
public:
    explicit StoreRelease(AzothContext& context) : m_host(context.environment().host), m_process(context.process())
    {
        if (!m_host)
            return;
        ipc::CallStack& stack = m_host->current_calls();
        if (stack.depth() == 1 && stack.current() == &m_process) {
            m_host->release_store(m_process);
            m_released = true;
        }
    }
    ~StoreRelease()
    {
        if (m_released)
            m_host->reacquire_store(m_process);
    }
    StoreRelease(const StoreRelease&) = delete;
    StoreRelease& operator=(const StoreRelease&) = delete;

private:
    AzothHost* m_host;
    ProcessObject& m_process;
    bool m_released { false };
};

HandleTable& handles_of(AzothContext& context) { return context.process().handles(); }

// Runs `wait(object, condition)`, a blocking operation on the object `found` through `handle`
// (with the right `needed`), with the Store released; `condition` breaks when the handle is
// closed or revoked meanwhile.
template<typename T, typename Wait>
auto wait_released(AzothContext& context, Handle handle, const HandleView<T>& found, Rights needed, Wait wait)
{
    HeldHandle held { &handles_of(context), handle, found.object.get(), needed };
    StoreRelease release(context);
    return wait(*found.object, held.condition());
}

} // namespace

Result<Status> handle_close(AzothContext& context, Handle handle)
{
    TRY(handles_of(context).close(handle));
    return OK;
}

Result<Status> handle_rights(AzothContext& context, Handle handle, Out<u32> rights_out)
{
    Rights rights = TRY(handles_of(context).rights_of(handle));
    TRY(rights_out.write(static_cast<u32>(rights)));
    return OK;
}

Result<Status> handle_derive(AzothContext& context, Handle handle, u32 rights, Out<u32> handle_out)
{
    Handle derived = TRY(handles_of(context).derive(handle, static_cast<Rights>(rights)));
    TRY(handle_out.write(derived));
    return OK;
}

Result<Status> handle_transfer(AzothContext& context, Handle handle, Handle process, u32 rights_mask, u32 mode, Out<u32> handle_out)
{
    if (mode > 1)
        return E_INVALID_ARGUMENT;
    TRY(handle_out.check());
    auto target = TRY(handles_of(context).lookup<ProcessObject>(process, Rights::Write));
    if (target.object->is_terminated())
        return E_NOT_FOUND;
    Handle moved = TRY(handles_of(context).transfer(handle, target.object->handles(), static_cast<Rights>(rights_mask),
        mode == 0 ? TransferMode::Move : TransferMode::Copy));
    TRY(handle_out.write(moved));
    return OK;
}

Result<Status> handle_revoke(AzothContext& context, Handle handle, Out<u32> revoked_count_out)
{
    u32 count = TRY(handles_of(context).revoke(handle));
    TRY(revoked_count_out.write(count));
    return OK;
}

Result<Status> handle_find(AzothContext& context, BytesIn name, Out<u32> handle_out)
{
    if (name.length() == 0 || name.length() > AzothContext::max_handle_name)
        return E_INVALID_ARGUMENT;
    // The name is copied in before anything else can run.
    char copy[AzothContext::max_handle_name];
    TRY(name.copy_in(Bytes(reinterpret_cast<u8*>(copy), name.length())));
    Handle handle = TRY(context.find_handle(StringView(copy, name.length())));
    TRY(handle_out.write(handle));
    return OK;
}

// azoth.call: the hot path of a module->module call (ABI_FAST_PATH: the generated slot trampoline
// calls this with the engine's value slots; results_out is checked before, by the trampoline).
Result<Status> call(AzothContext& context, Handle endpoint, u64 w0, u64 w1, u64 w2, u64 w3, CallResults results_out)
{
    ipc::CallStack& stack = context.environment().current_calls();
    if (stack.current() != &context.process())
        return E_INVALID_STATE;
    CallWords message { { w0, w1, w2, w3 } };
    CallWords reply;
    TRY(stack.call(endpoint, message, reply));
    TRY(results_out.store(reply));
    return OK;
}

Result<Status> endpoint_create(AzothContext& context, Out<u32> handle_out)
{
    auto endpoint = TRY(context.create_endpoint());
    Handle handle = TRY(handles_of(context).install(*endpoint, creator_rights));
    TRY(handle_out.write(handle));
    return OK;
}

Result<Status> region_create(AzothContext& context, u64 size, Out<u32> handle_out)
{
    PageMapper* mapper = context.environment().mapper;
    if (!mapper)
        return E_UNSUPPORTED;
    TRY(handle_out.check());
    auto region = TRY(Region::create(context.environment().allocator, *mapper, size));
    Handle handle = TRY(handles_of(context).install(*region, creator_rights));
    TRY(handle_out.write(handle));
    return OK;
}

Result<Status> region_map(AzothContext& context, Handle region, u32 offset, u32 writable)
{
    TRY(context.process().map_region(region, offset, writable != 0));
    return OK;
}

Result<Status> region_unmap(AzothContext& context, u32 offset)
{
    TRY(context.process().unmap_region(offset));
    return OK;
}

Result<Status> event_create(AzothContext& context, Out<u32> handle_out)
{
    WaitProvider* waiter = context.environment().waiter;
    if (!waiter)
        return E_UNSUPPORTED;
    TRY(handle_out.check());
    auto event = TRY(Event::create(context.environment().allocator, *waiter));
    Handle handle = TRY(handles_of(context).install(*event, creator_rights));
    TRY(handle_out.write(handle));
    return OK;
}

Result<Status> event_signal(AzothContext& context, Handle event, u32 bits)
{
    auto found = TRY(handles_of(context).lookup<Event>(event, Rights::Write));
    found.object->signal(bits);
    return OK;
}

Result<Status> event_wait(AzothContext& context, Handle event, u32 mask, u64 timeout_ns, Out<u32> bits_out)
{
    auto found = TRY(handles_of(context).lookup<Event>(event, Rights::Read));
    u32 bits = TRY(wait_released(context, event, found, Rights::Read, [&](Event& object, WaitCondition condition) {
        return object.wait(mask, timeout_ns, condition);
    }));
    TRY(bits_out.write(bits));
    return OK;
}

Result<Status> channel_create(AzothContext& context, u64 region_size, u32 slot_size, Out<u32> handle_out)
{
    AzothEnvironment& environment = context.environment();
    if (!environment.waiter || !environment.mapper)
        return E_UNSUPPORTED;
    TRY(handle_out.check());
    auto channel = TRY(ipc::Channel::create(environment.allocator, *environment.mapper, *environment.waiter, region_size, slot_size));
    Handle handle = TRY(handles_of(context).install(*channel, creator_rights));
    TRY(handle_out.write(handle));
    return OK;
}

Result<Status> channel_send(AzothContext& context, Handle channel, BytesIn message, u64 timeout_ns)
{
    auto found = TRY(handles_of(context).lookup<ipc::Channel>(channel, Rights::Write));
    // Read once, by the ring's copy into its slot. While released, a caller may run this
    // process's handler in this Store (and even grow its memory), but only booted processes
    // release, and kernel linear memories never move: `bytes` stays valid.
    ReadonlyBytes bytes = TRY(message.view());
    TRY(wait_released(context, channel, found, Rights::Write, [&](ipc::Channel& object, WaitCondition condition) {
        return object.send(bytes, timeout_ns, condition);
    }));
    return OK;
}

Result<Status> channel_receive(AzothContext& context, Handle channel, BytesOut buffer, u64 timeout_ns, Out<u32> length_out)
{
    auto found = TRY(handles_of(context).lookup<ipc::Channel>(channel, Rights::Read));
    // Written once, by the ring's copy out of its slot (refused over a read-only mapping).
    Bytes destination = TRY(buffer.view());
    u32 length = TRY(wait_released(context, channel, found, Rights::Read, [&](ipc::Channel& object, WaitCondition condition) {
        return object.receive(destination, timeout_ns, condition);
    }));
    TRY(length_out.write(length));
    return OK;
}

Result<Status> channel_region(AzothContext& context, Handle channel, Out<u32> region_out)
{
    auto found = TRY(handles_of(context).lookup<ipc::Channel>(channel, Rights::Map));
    // The ring's region carries no more than the channel handle does: a receive-only party (Read)
    // may map the ring but not write into it (a read-only mapping), so it cannot forge messages
    // or move head and tail.
    Rights rights = found.rights & (Rights::Read | Rights::Write | Rights::Map | Rights::Transfer | Rights::Derive);
    Handle handle = TRY(handles_of(context).install_under(channel, found.object->region(), rights));
    TRY(region_out.write(handle));
    return OK;
}

} // namespace ath::sys::abi::azoth

namespace ath::sys {

using namespace object;
using wasm::Value;
using wasm::ValueType;

AzothContext::AzothContext(AzothEnvironment& environment, RefPtr<ProcessObject> process) : m_environment(environment), m_process(move(process)) { }

AzothContext::~AzothContext() { m_process->terminate(); }

Result<AzothContext*> AzothContext::create(AzothEnvironment& environment, StringView process_name)
{
    return create(environment, TRY(ProcessObject::create(environment.allocator, environment.space, process_name)));
}

Result<AzothContext*> AzothContext::create(AzothEnvironment& environment, RefPtr<ProcessObject> process)
{
    if (!process || &process->handles().space() != &environment.space)
        return Error::from(ErrorCode::InvalidArgument, "process belongs to another capability space");
    void* memory = environment.allocator.allocate(sizeof(AzothContext), alignof(AzothContext));
    if (!memory)
        return Error::from(ErrorCode::OutOfMemory, "no memory for an azoth context");
    return new (memory) AzothContext(environment, move(process));
}

void AzothContext::destroy(AzothContext* context)
{
    if (!context)
        return;
    ObjectAllocator& allocator = context->m_environment.allocator;
    context->~AzothContext();
    allocator.deallocate(context, sizeof(AzothContext), alignof(AzothContext));
}

Result<wasm::Function*> AzothContext::resolve_import(StringView field, const wasm::FunctionType& expected)
{
    static_assert(abi::azoth::function_count == function_count);
    return abi::azoth::resolve(m_environment.store, field, expected, *this, Span<wasm::Function*>(m_functions, function_count));
}

ErrorOr AzothContext::attach_instance(wasm::Instance& instance)
{
    m_memory = instance.default_memory();
    // A store into a read-only region mapping traps the Store that runs this instance.
    object::ReadOnlyWriteSink sink { [](void* store) { static_cast<wasm::Store*>(store)->request_trap(wasm::TrapKind::ReadOnlyWrite); },
                                     &m_environment.store };
    m_process->attach_memory(this, m_environment.mapper, sink);
    auto exported = instance.find_export("azoth_handle");
    if (!exported.has_value())
        return {};
    wasm::Function* handler = exported->as_function();
    if (!handler)
        return Error::from(ErrorCode::Unlinkable, "azoth_handle export is not a function");
    static constexpr ValueType four_words[] = { ValueType::I64, ValueType::I64, ValueType::I64, ValueType::I64 };
    wasm::FunctionType one_result { four_words, Span<const ValueType>(four_words, 1) };
    wasm::FunctionType four_results { four_words, four_words };
    wasm::FunctionType type = handler->type();
    if (!(type == one_result) && !(type == four_results))
        return Error::from(ErrorCode::Unlinkable, "azoth_handle must be (i64 x4) -> i64 or (i64 x4) -> (i64 x4)");
    m_handler = handler;
    m_handler_returns_four = type == four_results;
    return {};
}

Result<RefPtr<Endpoint>> AzothContext::create_endpoint()
{
    if (!m_handler)
        return Error::from(ErrorCode::InvalidArgument, "module exports no azoth_handle");
    return Endpoint::create(m_environment.allocator, *m_process, *this);
}

ErrorOr AzothContext::name_handle(StringView name, Handle handle)
{
    if (name.is_empty() || name.length() > max_handle_name)
        return Error::from(ErrorCode::InvalidArgument, "handle names are 1..31 bytes");
    NamedHandle* slot = nullptr;
    for (usize i = 0; i < m_named_count; ++i) {
        if (StringView(m_named[i].name, m_named[i].length) == name)
            slot = &m_named[i];
    }
    if (!slot) {
        if (m_named_count == max_named_handles)
            return Error::from(ErrorCode::Exhausted, "too many named handles");
        slot = &m_named[m_named_count++];
        for (usize i = 0; i < name.length(); ++i)
            slot->name[i] = name[i];
        slot->length = static_cast<u8>(name.length());
    }
    slot->handle = handle;
    return {};
}

Result<Handle> AzothContext::find_handle(StringView name)
{
    for (usize i = 0; i < m_named_count; ++i) {
        NamedHandle& named = m_named[i];
        if (StringView(named.name, named.length) != name)
            continue;
        bool alive = named.handle != invalid_handle && !m_process->handles().rights_of(named.handle).is_error();
        if (alive) {
            // An endpoint whose server has ended is dead too: a restarted server publishes anew.
            auto endpoint = m_process->handles().lookup<Endpoint>(named.handle, Rights::None);
            if (!endpoint.is_error() && endpoint.value().object->server().refuses_calls())
                alive = false;
        }
        if (alive)
            return named.handle;
        if (!m_environment.host)
            return Error::from(ErrorCode::NotFound, "the named handle is gone");
        if (named.handle != invalid_handle)
            (void)m_process->handles().close(named.handle); // a live handle to an ended server
        named.handle = invalid_handle;
        Handle fresh = TRY(m_environment.host->regrant(*m_process, name));
        named.handle = fresh;
        return fresh;
    }
    return Error::from(ErrorCode::NotFound, "no handle of that name");
}

Result<CallWords> AzothContext::handle(ProcessObject& server, const CallWords& message)
{
    CallWords reply;
    TRY(handle_into(server, message, reply));
    return reply;
}

ErrorOr AzothContext::handle_into(ProcessObject&, const CallWords& message, CallWords& reply)
{
    // attach_instance checked the handler's type: (i64 x4) -> i64 or (i64 x4) -> (i64 x4).
    reply = CallWords {};
    usize result_count = m_handler_returns_four ? 4 : 1;
    return m_environment.store.invoke_i64(*m_handler, Span<const u64>(message.words, 4), Span<u64>(reply.words, result_count));
}

Bytes AzothContext::linear_memory()
{
    if (!m_memory)
        return Bytes();
    return Bytes(m_memory->data(), m_memory->size_in_bytes());
}

ErrorOr AzothContext::run(wasm::Function& function, Span<const Value> arguments, Span<Value> results)
{
    ipc::CallStack& stack = m_environment.calls;
    if (stack.depth() != 0)
        return Error::from(ErrorCode::Busy, "this thread is already running a process");
    stack.enter(*m_process);
    auto outcome = m_environment.store.invoke(function, arguments, results);
    stack.leave();
    // A store into a read-only mapping made a private copy of the page; the trap (of that kind, or
    // any other that came first) ends that store: the region's page goes back.
    if (outcome.is_error() && outcome.error().code == ErrorCode::Trap)
        m_process->revert_read_only_copies();
    return outcome;
}

} // namespace ath::sys
