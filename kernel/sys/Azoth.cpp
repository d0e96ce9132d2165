#include "Azoth.h"

#include <kernel/ipc/Channel.h>
#include <kernel/lib/Placement.h>
#include <kernel/sys/AbiSignature.h>
#include <kernel/sys/AzothDevice.h>
#include <kernel/sys/GuestMemory.h>

namespace ath::sys {

using namespace object;
using wasm::Value;
using wasm::ValueType;

namespace {

enum class Status : u8 { Implemented, Booted, Unsupported };

enum class AzothFunction : u16 {
#define AZOTH_FUNCTION(name, signature, c_parameters, capability, status) name,
#include "abi/azoth.def"
    Count,
};

struct Entry {
    StringView name;
    StringView signature;
    Status status;
};

constexpr Entry table[] = {
#define AZOTH_FUNCTION(name, signature, c_parameters, capability, status) { #name, signature, Status::status },
#include "abi/azoth.def"
};

enum class AzothStatus : i32 {
#define AZOTH_STATUS(name, value, error_code) name = value,
#include "abi/azoth.def"
};

struct Call {
    AzothContext& context;
    GuestMemory memory;
    Span<const Value> arguments;

    u32 u32_at(usize index) const { return arguments[index].as_i32(); }
    u64 u64_at(usize index) const { return arguments[index].as_i64(); }
    Process& process() { return context.process(); }
    HandleTable& handles() { return context.process().handles(); }
};

using Handler = i32 (*)(Call&);

constexpr i32 ok = static_cast<i32>(AzothStatus::OK);
constexpr i32 unsupported_status = static_cast<i32>(AzothStatus::E_UNSUPPORTED);

#define TRY_STATUS(expression)                                       \
    ({                                                               \
        auto&& status_result_ = (expression);                        \
        if (status_result_.is_error())                               \
            return azoth_status_for(status_result_.error());         \
        status_result_.release_value();                              \
    })

// Checks that a T can be written at `address` before anything changes (validate, then commit):
// in bounds, aligned, not in a read-only region mapping.
template<typename T>
ErrorOr check_out(const GuestMemory& memory, u32 address)
{
    return memory.check_writable<T>(address);
}

constexpr Rights creator_rights = Rights::All;

i32 handle_close(Call& call)
{
    TRY_STATUS(call.handles().close(call.u32_at(0)));
    return ok;
}

i32 handle_rights(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(1)));
    Rights rights = TRY_STATUS(call.handles().rights_of(call.u32_at(0)));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(1), static_cast<u32>(rights)));
    return ok;
}

i32 handle_derive(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(2)));
    Handle derived = TRY_STATUS(call.handles().derive(call.u32_at(0), static_cast<Rights>(call.u32_at(1))));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(2), derived));
    return ok;
}

i32 handle_transfer(Call& call)
{
    u32 mode = call.u32_at(3);
    if (mode > 1)
        return static_cast<i32>(AzothStatus::E_INVALID_ARGUMENT);
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(4)));
    auto target = TRY_STATUS(call.handles().lookup<Process>(call.u32_at(1), Rights::Write));
    if (target.object->is_terminated())
        return static_cast<i32>(AzothStatus::E_NOT_FOUND);
    Handle moved = TRY_STATUS(call.handles().transfer(call.u32_at(0), target.object->handles(), static_cast<Rights>(call.u32_at(2)),
        mode == 0 ? TransferMode::Move : TransferMode::Copy));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(4), moved));
    return ok;
}

i32 handle_revoke(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(1)));
    u32 count = TRY_STATUS(call.handles().revoke(call.u32_at(0)));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(1), count));
    return ok;
}

// azoth.call's body, shared by the Value handler and the slot fast path (call_slots below).
[[gnu::always_inline]] inline i32 call_endpoint(AzothContext& context, const GuestMemory& memory, Handle endpoint, const CallWords& message, u32 results_address)
{
    TRY_STATUS(check_call_results(memory, results_address));
    ipc::CallStack& stack = context.environment().current_calls();
    if (stack.current() != &context.process())
        return static_cast<i32>(AzothStatus::E_INVALID_STATE);
    CallWords reply;
    TRY_STATUS(stack.call(endpoint, message, reply));
    TRY_STATUS(store_call_results(memory, results_address, reply));
    return ok;
}

i32 call(Call& call)
{
    CallWords message { { call.u64_at(1), call.u64_at(2), call.u64_at(3), call.u64_at(4) } };
    return call_endpoint(call.context, call.memory, call.u32_at(0), message, call.u32_at(5));
}

// azoth.call as a slot host function: its arguments straight from the engine's value slots, no
// Value vectors (the hot path of a module->module call).
ErrorOr call_slots(wasm::HostCall& host, const u64* arguments, u64* results)
{
    CallWords message { { arguments[1], arguments[2], arguments[3], arguments[4] } };
    results[0] = static_cast<u32>(call_endpoint(*static_cast<AzothContext*>(host.user_data), GuestMemory(host.caller_memory),
        static_cast<u32>(arguments[0]), message, static_cast<u32>(arguments[5])));
    return {};
}

i32 endpoint_create(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(0)));
    auto endpoint = TRY_STATUS(call.context.create_endpoint());
    Handle handle = TRY_STATUS(call.handles().install(*endpoint, creator_rights));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(0), handle));
    return ok;
}

i32 region_create(Call& call)
{
    PageMapper* mapper = call.context.environment().mapper;
    if (!mapper)
        return unsupported_status;
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(1)));
    auto region = TRY_STATUS(Region::create(call.context.environment().allocator, *mapper, call.u64_at(0)));
    Handle handle = TRY_STATUS(call.handles().install(*region, creator_rights));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(1), handle));
    return ok;
}

i32 region_map(Call& call)
{
    TRY_STATUS(call.process().map_region(call.u32_at(0), call.u32_at(1), call.u32_at(2) != 0));
    return ok;
}

i32 region_unmap(Call& call)
{
    TRY_STATUS(call.process().unmap_region(call.u32_at(0)));
    return ok;
}

// Booted: a process blocking at the root of its own thread lets callers run its handler
// meanwhile (docs/ipc.md, "Booted processes"), and takes its Store back before it returns to Wasm.
class StoreRelease {
public:
    explicit StoreRelease(Call& call) : m_host(call.context.environment().host), m_process(call.process())
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
    Process& m_process;
    bool m_released { false };
};

i32 handle_find(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(2)));
    u32 length = call.u32_at(1);
    if (length == 0 || length > AzothContext::max_handle_name)
        return static_cast<i32>(AzothStatus::E_INVALID_ARGUMENT);
    // The name is copied in before anything else can run.
    char copy[AzothContext::max_handle_name];
    TRY_STATUS(call.memory.copy_in(call.u32_at(0), Bytes(reinterpret_cast<u8*>(copy), length)));
    Handle handle = TRY_STATUS(call.context.find_handle(StringView(copy, length)));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(2), handle));
    return ok;
}

i32 event_create(Call& call)
{
    WaitProvider* waiter = call.context.environment().waiter;
    if (!waiter)
        return unsupported_status;
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(0)));
    auto event = TRY_STATUS(Event::create(call.context.environment().allocator, *waiter));
    Handle handle = TRY_STATUS(call.handles().install(*event, creator_rights));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(0), handle));
    return ok;
}

i32 event_signal(Call& call)
{
    auto event = TRY_STATUS(call.handles().lookup<Event>(call.u32_at(0), Rights::Write));
    event.object->signal(call.u32_at(1));
    return ok;
}

i32 event_wait(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(3)));
    auto event = TRY_STATUS(call.handles().lookup<Event>(call.u32_at(0), Rights::Read));
    HeldHandle held { &call.handles(), call.u32_at(0), event.object.get(), Rights::Read };
    auto bits_or_error = [&] {
        StoreRelease release(call);
        return event.object->wait(call.u32_at(1), call.u64_at(2), held.condition());
    }();
    u32 bits = TRY_STATUS(move(bits_or_error));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(3), bits));
    return ok;
}

i32 channel_create(Call& call)
{
    AzothEnvironment& environment = call.context.environment();
    if (!environment.waiter || !environment.mapper)
        return unsupported_status;
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(2)));
    auto channel = TRY_STATUS(ipc::Channel::create(environment.allocator, *environment.mapper, *environment.waiter, call.u64_at(0), call.u32_at(1)));
    Handle handle = TRY_STATUS(call.handles().install(*channel, creator_rights));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(2), handle));
    return ok;
}

i32 channel_send(Call& call)
{
    auto channel = TRY_STATUS(call.handles().lookup<ipc::Channel>(call.u32_at(0), Rights::Write));
    // Read once, by the ring's copy into its slot. While released, a caller may run this
    // process's handler in this Store (and even grow its memory), but only booted processes
    // release, and kernel linear memories never move: `message` stays valid.
    ReadonlyBytes message = TRY_STATUS(call.memory.readable(call.u32_at(1), call.u32_at(2)));
    HeldHandle held { &call.handles(), call.u32_at(0), channel.object.get(), Rights::Write };
    auto sent = [&] {
        StoreRelease release(call);
        return channel.object->send(message, call.u64_at(3), held.condition());
    }();
    TRY_STATUS(move(sent));
    return ok;
}

i32 channel_receive(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(4)));
    auto channel = TRY_STATUS(call.handles().lookup<ipc::Channel>(call.u32_at(0), Rights::Read));
    // Written once, by the ring's copy out of its slot (refused over a read-only mapping).
    Bytes buffer = TRY_STATUS(call.memory.writable_bytes(call.u32_at(1), call.u32_at(2)));
    HeldHandle held { &call.handles(), call.u32_at(0), channel.object.get(), Rights::Read };
    auto received = [&] {
        StoreRelease release(call);
        return channel.object->receive(buffer, call.u64_at(3), held.condition());
    }();
    u32 length = TRY_STATUS(move(received));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(4), length));
    return ok;
}

i32 channel_region(Call& call)
{
    TRY_STATUS(check_out<u32>(call.memory, call.u32_at(1)));
    auto channel = TRY_STATUS(call.handles().lookup<ipc::Channel>(call.u32_at(0), Rights::Map));
    // The ring's region carries no more than the channel handle does: a receive-only party (Read)
    // may map the ring but not write into it (a read-only mapping), so it cannot forge messages
    // or move head and tail.
    Rights rights = channel.rights & (Rights::Read | Rights::Write | Rights::Map | Rights::Transfer | Rights::Derive);
    Handle handle = TRY_STATUS(call.handles().install_under(call.u32_at(0), channel.object->region(), rights));
    TRY_STATUS(call.memory.write<u32>(call.u32_at(1), handle));
    return ok;
}

template<AzothFunction>
i32 unsupported(Call&)
{
    return unsupported_status;
}

// Device, Irq and Timer calls and call_with_handle are served by kernel/sys/AzothDevice.cpp.
#define ATH_AZOTH_DEVICE_FORWARD(name) \
    i32 name(Call& call) { return azoth_device::name(call.context, call.memory, call.arguments); }
ATH_AZOTH_DEVICE_FUNCTIONS(ATH_AZOTH_DEVICE_FORWARD)
#undef ATH_AZOTH_DEVICE_FORWARD

#define ATH_AZOTH_HANDLER_Implemented(name) &name
#define ATH_AZOTH_HANDLER_Unsupported(name) &unsupported<AzothFunction::name>
// Served by kernel/process/ProcessImports.cpp in booted processes; a hosted run has no such service.
#define ATH_AZOTH_HANDLER_Booted(name) &unsupported<AzothFunction::name>
constexpr Handler handlers[] = {
#define AZOTH_FUNCTION(name, signature, c_parameters, capability, status) ATH_AZOTH_HANDLER_##status(name),
#include "abi/azoth.def"
};
#undef ATH_AZOTH_HANDLER_Implemented
#undef ATH_AZOTH_HANDLER_Unsupported
#undef ATH_AZOTH_HANDLER_Booted

template<AzothFunction function>
ErrorOr trampoline(wasm::HostCall& host, Span<const Value> arguments, Span<Value> results)
{
    Call call { *static_cast<AzothContext*>(host.user_data), GuestMemory(host.caller_memory), arguments };
    results[0] = Value::from_i32(static_cast<u32>(handlers[static_cast<usize>(function)](call)));
    return {};
}

constexpr wasm::HostFunctionCallback trampolines[] = {
#define AZOTH_FUNCTION(name, signature, c_parameters, capability, status) &trampoline<AzothFunction::name>,
#include "abi/azoth.def"
};

static_assert(array_size(table) == static_cast<usize>(AzothFunction::Count));
static_assert(array_size(handlers) == array_size(table) && array_size(trampolines) == array_size(table));

} // namespace

i32 azoth_status_for(const Error& error)
{
    switch (error.code) {
#define AZOTH_STATUS(name, value, error_code) ATH_AZOTH_STATUS_CASE_##error_code(name)
#define ATH_AZOTH_STATUS_CASE_None(name)
#define ATH_AZOTH_STATUS_CASE_BadHandle(name) case ErrorCode::BadHandle: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_PermissionDenied(name) case ErrorCode::PermissionDenied: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_InvalidArgument(name) case ErrorCode::InvalidArgument: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_OutOfRange(name) case ErrorCode::OutOfRange: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_OutOfMemory(name) case ErrorCode::OutOfMemory: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Exhausted(name) case ErrorCode::Exhausted: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Busy(name) case ErrorCode::Busy: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_TimedOut(name) case ErrorCode::TimedOut: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Trap(name) case ErrorCode::Trap: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_NotFound(name) case ErrorCode::NotFound: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_AlreadyExists(name) case ErrorCode::AlreadyExists: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Unsupported(name) case ErrorCode::Unsupported: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Invalid(name) case ErrorCode::Invalid: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Malformed(name) case ErrorCode::Malformed: return static_cast<i32>(AzothStatus::name);
#define ATH_AZOTH_STATUS_CASE_Overflow(name) case ErrorCode::Overflow: return static_cast<i32>(AzothStatus::name);
#include "abi/azoth.def"
    default: break; // Unlinkable: cannot come out of a call
    }
    return static_cast<i32>(AzothStatus::E_INVALID_STATE);
}

AzothContext::AzothContext(AzothEnvironment& environment, RefPtr<Process> process) : m_environment(environment), m_process(move(process)) { }

AzothContext::~AzothContext() { m_process->terminate(); }

Result<AzothContext*> AzothContext::create(AzothEnvironment& environment, StringView process_name)
{
    return create(environment, TRY(Process::create(environment.allocator, environment.space, process_name)));
}

Result<AzothContext*> AzothContext::create(AzothEnvironment& environment, RefPtr<Process> process)
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
    static_assert(array_size(table) <= function_count);
    for (usize i = 0; i < array_size(table); ++i) {
        if (table[i].name != field)
            continue;
        AbiSignature signature = AbiSignature::parse(table[i].signature);
        if (!(signature.type() == expected))
            return Error::from(ErrorCode::Unlinkable, "incompatible import type");
        if (!m_functions[i]) {
            if (i == static_cast<usize>(AzothFunction::call))
                m_functions[i] = TRY(m_environment.store.create_slot_host_function(signature.type(), &call_slots, this));
            else
                m_functions[i] = TRY(m_environment.store.create_host_function(signature.type(), trampolines[i], this));
        }
        return m_functions[i];
    }
    return Error::from(ErrorCode::Unlinkable, "unknown import");
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

Result<CallWords> AzothContext::handle(Process& server, const CallWords& message)
{
    CallWords reply;
    TRY(handle_into(server, message, reply));
    return reply;
}

ErrorOr AzothContext::handle_into(Process&, const CallWords& message, CallWords& reply)
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
