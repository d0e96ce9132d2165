// Store, modules, instantiation (linking, segment initialisation, start) and invocation.
#include <kernel/lib/Bits.h>
#include <kernel/lib/Placement.h>
#include <kernel/wasm/NativeTier.h>
#include <kernel/wasm/Objects.h>

namespace ath::wasm {

// ---- names and traps ------------------------------------------------------------------------

const char* value_type_name(ValueType type)
{
    switch (type) {
    case ValueType::I32: return "i32";
    case ValueType::I64: return "i64";
    case ValueType::F32: return "f32";
    case ValueType::F64: return "f64";
    case ValueType::V128: return "v128";
    case ValueType::FuncRef: return "funcref";
    case ValueType::ExternRef: return "externref";
    }
    return "?";
}

const char* extern_kind_name(ExternKind kind)
{
    switch (kind) {
    case ExternKind::Function: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    }
    return "?";
}

namespace {
// Indexed by TrapKind; the spec testsuite's wording.
constexpr const char* trap_messages[] = {
    "unreachable",
    "integer divide by zero",
    "integer overflow",
    "invalid conversion to integer",
    "out of bounds memory access",
    "out of bounds table access",
    "undefined element",
    "uninitialized element",
    "indirect call type mismatch",
    "call stack exhausted",
    "out of fuel",
    "interrupted",
    "write to read-only region",
    "host trap",
};
constexpr usize trap_kind_count = sizeof(trap_messages) / sizeof(trap_messages[0]);
static_assert(trap_kind_count == static_cast<usize>(TrapKind::HostTrap) + 1);
} // namespace

const char* trap_message(TrapKind kind) { return trap_messages[static_cast<usize>(kind)]; }

TrapKind trap_kind(const Error& error)
{
    for (usize i = 0; i + 1 < trap_kind_count; ++i) {
        if (error.reason == trap_messages[i])
            return static_cast<TrapKind>(i);
    }
    return TrapKind::HostTrap;
}

bool FunctionType::operator==(const FunctionType& other) const
{
    return parameters == other.parameters && results == other.results;
}

Value Value::from_v128(const V128& value)
{
    Value result(ValueType::V128, load_le<u64>(value.bytes));
    result.m_high = load_le<u64>(value.bytes + 8);
    return result;
}

V128 Value::as_v128() const
{
    V128 out;
    store_le<u64>(out.bytes, m_low);
    store_le<u64>(out.bytes + 8, m_high);
    return out;
}

// ---- allocation helpers ---------------------------------------------------------------------

namespace {

template<typename T, typename... Args>
T* allocate_object(Allocator& allocator, Args&&... args)
{
    void* memory = allocator.allocate(sizeof(T), alignof(T) < 16 ? alignof(T) : 16);
    if (!memory)
        return nullptr;
    return new (memory) T(forward<Args>(args)...);
}

template<typename T>
void free_object(Allocator& allocator, T* object)
{
    object->~T();
    allocator.deallocate(object, sizeof(T), alignof(T) < 16 ? alignof(T) : 16);
}

Error out_of_memory() { return Error::from(ErrorCode::OutOfMemory, "out of memory"); }

} // namespace

// ---- ModuleData / Module --------------------------------------------------------------------

ModuleData::ModuleData(Allocator& allocator_)
    : allocator(&allocator_)
    , type_pool(allocator_)
    , types(allocator_)
    , imports(allocator_)
    , functions(allocator_)
    , tables(allocator_)
    , memories(allocator_)
    , globals(allocator_)
    , exports(allocator_)
    , elements(allocator_)
    , element_items(allocator_)
    , data_segments(allocator_)
    , declared_function_references(allocator_)
    , code(allocator_)
{
}

ModuleData::~ModuleData()
{
    if (native)
        release_native_module(native, *allocator);
    if (bytes)
        allocator->deallocate(bytes, byte_count ? byte_count : 1, 1);
}

ExternType ModuleData::extern_type_of(ExternKind kind, u32 index) const
{
    ExternType type;
    type.kind = kind;
    switch (kind) {
    case ExternKind::Function: type.function = function_type_of(index); break;
    case ExternKind::Table: type.table = tables[index]; break;
    case ExternKind::Memory: type.memory = memories[index]; break;
    case ExternKind::Global: type.global = globals[index].type; break;
    }
    return type;
}

static void release_module_data(ModuleData* data)
{
    if (data && --data->reference_count == 0)
        free_object(*data->allocator, data);
}

Result<Module> Module::create(Allocator& allocator, ReadonlyBytes bytes)
{
    ModuleData* data = allocate_object<ModuleData>(allocator, allocator);
    if (!data)
        return out_of_memory();
    Module module(data);
    data->bytes = static_cast<u8*>(allocator.allocate(bytes.size() ? bytes.size() : 1, 1));
    if (!data->bytes)
        return out_of_memory();
    data->byte_count = bytes.size();
    if (bytes.size())
        __builtin_memcpy(data->bytes, bytes.data(), bytes.size());
    TRY(decode_module(*data));
    for (u32 i = data->imported_function_count; i < data->functions.size(); ++i) {
        auto compiled = compile_function(*data, i);
        if (compiled.is_error()) {
            if (compiled.error().code == ErrorCode::Invalid)
                TRY(scan_bodies_for_malformed(*data, i));
            return compiled.release_error();
        }
    }
    return module;
}

Module& Module::operator=(Module&& other)
{
    if (this != &other) {
        release_module_data(m_data);
        m_data = exchange(other.m_data, nullptr);
    }
    return *this;
}

Module::~Module() { release_module_data(m_data); }

usize Module::import_count() const { return m_data->imports.size(); }

ImportDescription Module::import_at(usize index) const
{
    const ImportData& import = m_data->imports[index];
    ImportDescription description;
    description.module_name = import.module_name;
    description.field_name = import.field_name;
    description.type.kind = import.kind;
    switch (import.kind) {
    case ExternKind::Function: description.type.function = m_data->function_type(import.type_index); break;
    case ExternKind::Table: description.type.table = import.table; break;
    case ExternKind::Memory: description.type.memory = import.memory; break;
    case ExternKind::Global: description.type.global = import.global; break;
    }
    return description;
}

usize Module::export_count() const { return m_data->exports.size(); }

ExportDescription Module::export_at(usize index) const
{
    const ExportData& entry = m_data->exports[index];
    return ExportDescription { entry.name, m_data->extern_type_of(entry.kind, entry.index) };
}

// ---- objects --------------------------------------------------------------------------------

FunctionType Function::type() const { return as_instance(this)->signature; }
bool Function::is_host() const { return as_instance(this)->owner == nullptr; }
Instance* Function::instance() const { return as_instance(this)->owner; }

TableType Table::type() const
{
    auto* table = as_instance(this);
    TableType type = table->table_type;
    type.limits.minimum = static_cast<u32>(table->elements.size());
    return type;
}
u32 Table::size() const { return static_cast<u32>(as_instance(this)->elements.size()); }

Result<Value> Table::get(u32 index) const
{
    auto* table = as_instance(this);
    if (index >= table->elements.size())
        return make_trap(TrapKind::OutOfBoundsTableAccess);
    return Value::from_raw(table->table_type.element, table->elements[index]);
}

ErrorOr Table::set(u32 index, Value value)
{
    auto* table = as_instance(this);
    if (value.type() != table->table_type.element)
        return Error::from(ErrorCode::Invalid, "type mismatch");
    if (index >= table->elements.size())
        return make_trap(TrapKind::OutOfBoundsTableAccess);
    table->elements[index] = value.raw_low();
    return {};
}

// Grows `table` to `new_size` elements filled with `fill`, asking the Store's limiter first and
// giving its charge back when the allocation fails (table.grow and table creation alike).
static ErrorOr grow_elements(TableInstance& table, u64 new_size, u64 fill)
{
    u64 old_size = table.elements.size();
    if (new_size == old_size)
        return {};
    if (table.limiter && !table.limiter->table_growing(old_size, new_size))
        return Error::from(ErrorCode::OutOfMemory, "table elements: resource limit reached");
    if (auto resized = table.elements.resize(new_size, fill); resized.is_error()) {
        if (table.limiter)
            table.limiter->table_released(new_size - old_size);
        return resized.release_error();
    }
    return {};
}

Result<u32> Table::grow(u32 delta, Value initial)
{
    constexpr u64 implementation_limit = 1u << 24;
    auto* table = as_instance(this);
    u64 old_size = table->elements.size();
    u64 new_size = old_size + delta;
    u64 maximum = table->table_type.limits.maximum.has_value() ? table->table_type.limits.maximum.value() : 0xFFFFFFFFull;
    if (new_size > maximum || new_size > implementation_limit)
        return Error::from(ErrorCode::OutOfRange, "table limit exceeded");
    TRY(grow_elements(*table, new_size, initial.raw_low()));
    return static_cast<u32>(old_size);
}

MemoryType Memory::type() const
{
    auto* memory = as_instance(this);
    MemoryType type = memory->memory_type;
    type.limits.minimum = memory->pages;
    return type;
}
u32 Memory::page_count() const { return as_instance(this)->pages; }
u64 Memory::size_in_bytes() const { return as_instance(this)->byte_size; }
u8* Memory::data() const { return as_instance(this)->base; }

ErrorOr Memory::read(u64 offset, Span<u8> destination) const
{
    auto* memory = as_instance(this);
    if (offset > memory->byte_size || destination.size() > memory->byte_size - offset)
        return make_trap(TrapKind::OutOfBoundsMemoryAccess);
    if (destination.size())
        __builtin_memcpy(destination.data(), memory->base + offset, destination.size());
    return {};
}

ErrorOr Memory::write(u64 offset, ReadonlyBytes source)
{
    auto* memory = as_instance(this);
    if (offset > memory->byte_size || source.size() > memory->byte_size - offset)
        return make_trap(TrapKind::OutOfBoundsMemoryAccess);
    if (source.size())
        __builtin_memcpy(memory->base + offset, source.data(), source.size());
    return {};
}

Result<u32> Memory::grow(u32 delta_pages) { return as_instance(this)->grow_pages(delta_pages); }

Result<u32> MemoryInstance::grow_pages(u32 delta)
{
    u64 old_pages = pages;
    u64 new_pages = old_pages + delta;
    if (new_pages > maximum_pages)
        return Error::from(ErrorCode::OutOfRange, "memory limit exceeded");
    if (delta == 0)
        return static_cast<u32>(old_pages);
    u64 new_bytes = new_pages * Memory::page_size;
    u64 maximum_bytes = static_cast<u64>(maximum_pages) * Memory::page_size;
    LinearMemoryProvider* provider = store->config().memory_provider;
    ResourceLimiter* limiter = store->config().limiter;
    if (limiter && !limiter->memory_growing(byte_size, new_bytes))
        return Error::from(ErrorCode::OutOfMemory, "linear memory: resource limit reached");
    auto refuse = [&](Error error) {
        if (limiter)
            limiter->memory_released(new_bytes - byte_size);
        return error;
    };
    if (provider) {
        auto resized = provider->resize(base, byte_size, new_bytes, maximum_bytes);
        if (resized.is_error())
            return refuse(resized.release_error());
        base = resized.value();
    } else {
        if (new_bytes > static_cast<usize>(-1))
            return refuse(out_of_memory());
        u8* fresh = static_cast<u8*>(store->allocator().allocate(static_cast<usize>(new_bytes), 16));
        if (!fresh)
            return refuse(out_of_memory());
        if (byte_size)
            __builtin_memcpy(fresh, base, byte_size);
        __builtin_memset(fresh + byte_size, 0, new_bytes - byte_size);
        if (base)
            store->allocator().deallocate(base, byte_size, 16);
        base = fresh;
    }
    byte_size = new_bytes;
    pages = static_cast<u32>(new_pages);
    return static_cast<u32>(old_pages);
}

GlobalType Global::type() const { return as_instance(this)->global_type; }
Value Global::get() const
{
    auto* global = as_instance(this);
    return Value::from_raw(global->global_type.type, global->low, global->high);
}
ErrorOr Global::set(Value value)
{
    auto* global = as_instance(this);
    if (!global->global_type.is_mutable)
        return Error::from(ErrorCode::Invalid, "global is immutable");
    if (value.type() != global->global_type.type)
        return Error::from(ErrorCode::Invalid, "type mismatch");
    global->low = value.raw_low();
    global->high = value.raw_high();
    return {};
}

Optional<Extern> Instance::find_export(StringView name) const
{
    auto* instance = as_instance(this);
    for (const auto& entry : instance->module->exports) {
        if (!(entry.name == name))
            continue;
        switch (entry.kind) {
        case ExternKind::Function: return Extern::from(static_cast<Function*>(instance->functions[entry.index]));
        case ExternKind::Table: return Extern::from(static_cast<Table*>(instance->tables[entry.index]));
        case ExternKind::Memory: return Extern::from(static_cast<Memory*>(instance->memories[entry.index]));
        case ExternKind::Global: return Extern::from(static_cast<Global*>(instance->globals[entry.index]));
        }
    }
    return {};
}

Memory* Instance::default_memory() const { return as_instance(this)->memory0; }
ExecutionTier Instance::tier() const { return as_instance(this)->tier; }
const char* Instance::interpreter_reason() const { return as_instance(this)->interpreter_reason; }

const char* execution_tier_name(ExecutionTier tier) { return tier == ExecutionTier::Compiled ? "compiled" : "interpreter"; }

// Whether `instance` can run compiled: the module compiles (once per module) and memory 0's
// reservation makes every out-of-bounds access fault (compiled code checks no bounds). Sets the
// instance's tier, its functions' entries, or the reason it stays on the interpreter.
static ErrorOr choose_tier(InstanceData& instance, CodeMemoryProvider& code_memory)
{
    ModuleData& module = *instance.module;
    if (!module.native_attempted) {
        module.native_attempted = true;
        auto compiled = compile_native_module(module, code_memory);
        if (compiled.is_error()) {
            if (compiled.error().code != ErrorCode::Unsupported)
                return compiled.release_error();
            module.native_failure = compiled.error().reason;
        } else {
            module.native = compiled.value();
        }
    }
    if (!module.native) {
        instance.interpreter_reason = module.native_failure;
        return {};
    }
    for (MemoryInstance* memory : instance.memories) {
        LinearMemoryProvider* provider = memory->store->config().memory_provider;
        if (!provider || !provider->guards_wasm32_accesses()) {
            instance.interpreter_reason = "memory without the 8 GiB guard reservation";
            return {};
        }
    }
    // Compiled code addresses a memory from its base even when it has no pages: a memory of 0
    // pages (no base yet) gets its reservation now, so an access faults inside the reservation,
    // where the fault path knows it for the module's (not at address 0, a kernel fault).
    for (MemoryInstance* memory : instance.memories) {
        if (!memory->base)
            memory->base = TRY(memory->store->config().memory_provider->resize(nullptr, 0, 0,
                static_cast<u64>(memory->maximum_pages) * Memory::page_size));
    }
    for (u32 i = module.imported_function_count; i < module.functions.size(); ++i)
        instance.functions[i]->native_entry = module.native->code + module.native->entry_offsets[i - module.imported_function_count];
    instance.tier = ExecutionTier::Compiled;
    return {};
}

// ---- store ----------------------------------------------------------------------------------

// Makes the running code trap with `kind`; returns false, for the caller to pass on.
static bool trap_machine(Machine* machine, TrapKind kind)
{
    machine->trap_kind = kind;
    machine->trapped = true;
    return false;
}

struct Engine {
    static bool poll(Store& store, Machine* machine)
    {
        // A plain load first: the exchange (a locked instruction) only when a trap was requested.
        if (__atomic_load_n(&store.m_trap_request, __ATOMIC_RELAXED) != 0) [[unlikely]] {
            u32 request = __atomic_exchange_n(&store.m_trap_request, 0, __ATOMIC_RELAXED);
            return trap_machine(machine, static_cast<TrapKind>(request - 1));
        }
        if (store.m_interrupt_flag && __atomic_load_n(store.m_interrupt_flag, __ATOMIC_RELAXED) != 0
            && !(store.m_safepoint_hook && store.m_safepoint_hook(store.m_safepoint_context) == SafepointAction::Continue))
            return trap_machine(machine, TrapKind::Interrupted);
        if (store.m_fuel_enabled) {
            if (store.m_fuel == 0)
                return trap_machine(machine, TrapKind::OutOfFuel);
            --store.m_fuel;
        }
        return true;
    }
    static bool wants_poll(const Store& store)
    {
        return store.m_fuel_enabled || store.m_interrupt_flag || __atomic_load_n(&store.m_trap_request, __ATOMIC_RELAXED) != 0;
    }
    // A requested trap no safepoint delivered before the code returned: the call traps anyway.
    static bool take_trap_request(Store& store, Machine& machine)
    {
        if (__atomic_load_n(&store.m_trap_request, __ATOMIC_RELAXED) == 0) [[likely]]
            return false;
        u32 request = __atomic_exchange_n(&store.m_trap_request, 0, __ATOMIC_RELAXED);
        machine.trap_kind = static_cast<TrapKind>(request - 1);
        return true;
    }
};

bool poll_budget(Machine* machine) { return Engine::poll(*machine->store, machine); }

void Store::request_trap(TrapKind kind)
{
    __atomic_store_n(&m_trap_request, static_cast<u32>(kind) + 1, __ATOMIC_RELAXED);
    if (m_internals) {
        // native_slow_poll first: compiled code that sees `poll` also sees it (x86 keeps store order).
        __atomic_store_n(&m_internals->machine.native_slow_poll, true, __ATOMIC_RELEASE);
        __atomic_store_n(&m_internals->machine.poll, true, __ATOMIC_RELEASE);
    }
}

template<typename T>
static void destroy_store_object(StoreObject* object, Allocator& allocator)
{
    free_object(allocator, static_cast<T*>(object));
}

static void destroy_table(StoreObject* object, Allocator& allocator)
{
    auto* table = static_cast<TableInstance*>(object);
    if (table->limiter && table->elements.size())
        table->limiter->table_released(table->elements.size());
    free_object(allocator, table);
}

static void destroy_memory(StoreObject* object, Allocator& allocator)
{
    auto* memory = static_cast<MemoryInstance*>(object);
    if (ResourceLimiter* limiter = memory->store->config().limiter; limiter && memory->byte_size)
        limiter->memory_released(memory->byte_size);
    if (memory->base) {
        if (LinearMemoryProvider* provider = memory->store->config().memory_provider)
            provider->release(memory->base, memory->byte_size, static_cast<u64>(memory->maximum_pages) * Memory::page_size);
        else
            allocator.deallocate(memory->base, memory->byte_size, 16);
    }
    free_object(allocator, memory);
}

static void destroy_function(StoreObject* object, Allocator& allocator)
{
    auto* function = static_cast<FunctionInstance*>(object);
    if (function->owned_types)
        allocator.deallocate(function->owned_types, function->owned_type_count * sizeof(ValueType), 1);
    free_object(allocator, function);
}

static void destroy_instance(StoreObject* object, Allocator& allocator)
{
    auto* instance = static_cast<InstanceData*>(object);
    release_module_data(instance->module);
    free_object(allocator, instance);
}

Store::Store(Allocator& allocator, StoreConfig config)
    : m_allocator(allocator)
    , m_config(config)
    , m_internals(allocate_object<Internals>(allocator))
{
    if (m_internals)
        m_internals->machine.store = this;
}

Store::~Store()
{
    if (!m_internals)
        return;
    StoreObject* object = m_internals->objects;
    while (object) {
        StoreObject* next = object->next_object;
        object->destroy_object(object, m_allocator);
        object = next;
    }
    Machine& machine = m_internals->machine;
    if (machine.stack_begin)
        m_allocator.deallocate(machine.stack_begin, static_cast<usize>(machine.stack_end - machine.stack_begin) * sizeof(u64), 16);
    if (machine.frames_begin)
        m_allocator.deallocate(machine.frames_begin, static_cast<usize>(machine.frames_end - machine.frames_begin) * sizeof(CallFrame), 16);
    free_object(m_allocator, m_internals);
}

namespace {

struct StoreAccess {
    static ErrorOr ensure_stacks(Store& store)
    {
        Machine& machine = store.internals().machine;
        if (machine.stack_begin)
            return {};
        usize slots = store.config().value_stack_slots;
        usize frames = store.config().max_call_depth;
        if (slots < 64 || frames < 1)
            return Error::from(ErrorCode::InvalidArgument, "stack limits too small");
        auto* stack = static_cast<u64*>(store.allocator().allocate(slots * sizeof(u64), 16));
        if (!stack)
            return out_of_memory();
        auto* frame_stack = static_cast<CallFrame*>(store.allocator().allocate(frames * sizeof(CallFrame), 16));
        if (!frame_stack) {
            store.allocator().deallocate(stack, slots * sizeof(u64), 16);
            return out_of_memory();
        }
        machine.stack_begin = stack;
        machine.stack_end = stack + slots;
        machine.frames_begin = machine.frame = frame_stack;
        machine.frames_end = frame_stack + frames;
        return {};
    }
};

void link_object(Store::Internals& internals, StoreObject* object, void (*destroy)(StoreObject*, Allocator&))
{
    object->destroy_object = destroy;
    object->next_object = internals.objects;
    internals.objects = object;
}

} // namespace

#define ATH_REQUIRE_INTERNALS()        \
    if (!m_internals)                  \
        return out_of_memory();

Result<Function*> Store::create_host_function(FunctionType type, HostFunctionCallback callback, void* user_data)
{
    ATH_REQUIRE_INTERNALS();
    if (!callback)
        return Error::from(ErrorCode::InvalidArgument, "host function needs a callback");
    auto* function = allocate_object<FunctionInstance>(m_allocator);
    if (!function)
        return out_of_memory();
    usize count = type.parameters.size() + type.results.size();
    if (count) {
        function->owned_types = static_cast<ValueType*>(m_allocator.allocate(count, 1));
        if (!function->owned_types) {
            free_object(m_allocator, function);
            return out_of_memory();
        }
        function->owned_type_count = count;
        for (usize i = 0; i < type.parameters.size(); ++i)
            function->owned_types[i] = type.parameters[i];
        for (usize i = 0; i < type.results.size(); ++i)
            function->owned_types[type.parameters.size() + i] = type.results[i];
    }
    function->signature.parameters = Span<const ValueType>(function->owned_types, type.parameters.size());
    function->signature.results = Span<const ValueType>(function->owned_types + type.parameters.size(), type.results.size());
    function->callback = callback;
    function->user_data = user_data;
    for (auto t : type.parameters)
        function->parameter_slots += slot_count(t);
    for (auto t : type.results)
        function->result_slots += slot_count(t);
    link_object(*m_internals, function, destroy_function);
    return static_cast<Function*>(function);
}

// Stands in for `callback` in slot host functions: call_host never calls it.
static ErrorOr slot_function_placeholder(HostCall&, Span<const Value>, Span<Value>)
{
    return Error::from(ErrorCode::Trap, "slot host function called through the Value path");
}

static bool is_plain_number(ValueType type)
{
    return type == ValueType::I32 || type == ValueType::I64 || type == ValueType::F32 || type == ValueType::F64;
}

Result<Function*> Store::create_slot_host_function(FunctionType type, SlotHostFunctionCallback callback, void* user_data)
{
    if (!callback)
        return Error::from(ErrorCode::InvalidArgument, "host function needs a callback");
    for (auto t : type.parameters) {
        if (!is_plain_number(t))
            return Error::from(ErrorCode::InvalidArgument, "slot host functions take only i32, i64, f32 and f64");
    }
    for (auto t : type.results) {
        if (!is_plain_number(t))
            return Error::from(ErrorCode::InvalidArgument, "slot host functions return only i32, i64, f32 and f64");
    }
    Function* function = TRY(create_host_function(type, &slot_function_placeholder, user_data));
    as_instance(function)->slot_callback = callback;
    return function;
}

Result<Table*> Store::create_table(TableType type, Value initial)
{
    ATH_REQUIRE_INTERNALS();
    if (!is_reference_type(type.element) || initial.type() != type.element)
        return Error::from(ErrorCode::Invalid, "type mismatch");
    if (type.limits.maximum.has_value() && type.limits.minimum > type.limits.maximum.value())
        return Error::from(ErrorCode::Invalid, "size minimum must not be greater than maximum");
    auto* table = allocate_object<TableInstance>(m_allocator);
    if (!table)
        return out_of_memory();
    table->elements.set_allocator(m_allocator);
    table->table_type = type;
    table->limiter = m_config.limiter;
    link_object(*m_internals, table, destroy_table);
    TRY(grow_elements(*table, type.limits.minimum, initial.raw_low()));
    return static_cast<Table*>(table);
}

Result<Memory*> Store::create_memory(MemoryType type)
{
    ATH_REQUIRE_INTERNALS();
    u32 maximum = type.limits.maximum.value_or(Memory::max_pages);
    if (type.limits.minimum > maximum || maximum > Memory::max_pages)
        return Error::from(ErrorCode::Invalid, "memory size must be at most 65536 pages (4GiB)");
    auto* memory = allocate_object<MemoryInstance>(m_allocator);
    if (!memory)
        return out_of_memory();
    memory->memory_type = type;
    memory->maximum_pages = maximum;
    memory->store = this;
    link_object(*m_internals, memory, destroy_memory);
    TRY(memory->grow_pages(type.limits.minimum));
    return static_cast<Memory*>(memory);
}

Result<Global*> Store::create_global(GlobalType type, Value initial)
{
    ATH_REQUIRE_INTERNALS();
    if (initial.type() != type.type)
        return Error::from(ErrorCode::Invalid, "type mismatch");
    auto* global = allocate_object<GlobalInstance>(m_allocator);
    if (!global)
        return out_of_memory();
    global->global_type = type;
    global->low = initial.raw_low();
    global->high = initial.raw_high();
    link_object(*m_internals, global, destroy_store_object<GlobalInstance>);
    return static_cast<Global*>(global);
}

namespace {

bool limits_match(const Limits& actual, u64 actual_size, const Limits& wanted)
{
    if (actual_size < wanted.minimum)
        return false;
    if (wanted.maximum.has_value()) {
        if (!actual.maximum.has_value() || actual.maximum.value() > wanted.maximum.value())
            return false;
    }
    return true;
}

Error unlinkable(const char* reason) { return Error::from(ErrorCode::Unlinkable, reason); }

void evaluate_constant(const ConstantExpression& expression, const InstanceData& instance, u64& low, u64& high)
{
    low = expression.low;
    high = expression.high;
    switch (expression.kind) {
    case ConstantExpression::Kind::RefNull: low = 0; break;
    case ConstantExpression::Kind::RefFunc: low = encode_function(instance.functions[expression.index]); break;
    case ConstantExpression::Kind::GlobalGet:
        low = instance.globals[expression.index]->low;
        high = instance.globals[expression.index]->high;
        break;
    default: break;
    }
}

} // namespace

Result<Instance*> Store::instantiate(const Module& module_handle, Span<const Extern> imports)
{
    ATH_REQUIRE_INTERNALS();
    ModuleData& module = *module_handle.data();
    if (imports.size() != module.imports.size())
        return unlinkable("unknown import");

    // Link: check every import before creating anything.
    for (usize i = 0; i < imports.size(); ++i) {
        const ImportData& wanted = module.imports[i];
        const Extern& given = imports[i];
        if (given.kind != wanted.kind || !given.object)
            return unlinkable("incompatible import type");
        switch (wanted.kind) {
        case ExternKind::Function:
            if (!(as_instance(given.as_function())->signature == module.function_type(wanted.type_index)))
                return unlinkable("incompatible import type");
            break;
        case ExternKind::Table: {
            auto* table = as_instance(given.as_table());
            if (table->table_type.element != wanted.table.element
                || !limits_match(table->table_type.limits, table->elements.size(), wanted.table.limits))
                return unlinkable("incompatible import type");
            break;
        }
        case ExternKind::Memory: {
            auto* memory = as_instance(given.as_memory());
            Limits actual = memory->memory_type.limits;
            actual.maximum = memory->memory_type.limits.maximum;
            if (!limits_match(actual, memory->pages, wanted.memory.limits))
                return unlinkable("incompatible import type");
            break;
        }
        case ExternKind::Global: {
            auto* global = as_instance(given.as_global());
            if (global->global_type.type != wanted.global.type || global->global_type.is_mutable != wanted.global.is_mutable)
                return unlinkable("incompatible import type");
            break;
        }
        }
    }

    auto* instance = allocate_object<InstanceData>(m_allocator);
    if (!instance)
        return out_of_memory();
    instance->module = &module;
    ++module.reference_count;
    link_object(*m_internals, instance, destroy_instance);
    instance->functions.set_allocator(m_allocator);
    instance->tables.set_allocator(m_allocator);
    instance->memories.set_allocator(m_allocator);
    instance->globals.set_allocator(m_allocator);
    instance->element_values.set_allocator(m_allocator);
    instance->element_starts.set_allocator(m_allocator);
    instance->element_lengths.set_allocator(m_allocator);
    instance->data_dropped.set_allocator(m_allocator);

    for (usize i = 0; i < imports.size(); ++i) {
        const Extern& given = imports[i];
        switch (given.kind) {
        case ExternKind::Function: TRY(instance->functions.append(as_instance(given.as_function()))); break;
        case ExternKind::Table: TRY(instance->tables.append(as_instance(given.as_table()))); break;
        case ExternKind::Memory: TRY(instance->memories.append(as_instance(given.as_memory()))); break;
        case ExternKind::Global: TRY(instance->globals.append(as_instance(given.as_global()))); break;
        }
    }

    for (u32 i = module.imported_function_count; i < module.functions.size(); ++i) {
        auto* function = allocate_object<FunctionInstance>(m_allocator);
        if (!function)
            return out_of_memory();
        link_object(*m_internals, function, destroy_function);
        const FunctionData& data = module.functions[i];
        function->signature = module.function_type(data.type_index);
        function->owner = instance;
        function->data = &data;
        function->code = module.code.data() + data.code_offset;
        function->parameter_slots = data.parameter_slots;
        function->result_slots = data.result_slots;
        TRY(instance->functions.append(function));
    }
    for (u32 i = module.imported_table_count; i < module.tables.size(); ++i) {
        Table* table = TRY(create_table(module.tables[i], Value::null_ref(module.tables[i].element)));
        TRY(instance->tables.append(as_instance(table)));
    }
    for (u32 i = module.imported_memory_count; i < module.memories.size(); ++i) {
        Memory* memory = TRY(create_memory(module.memories[i]));
        TRY(instance->memories.append(as_instance(memory)));
    }
    if (instance->memories.size())
        instance->memory0 = instance->memories[0];
    for (u32 i = module.imported_global_count; i < module.globals.size(); ++i) {
        const GlobalData& data = module.globals[i];
        u64 low, high;
        evaluate_constant(data.initializer, *instance, low, high);
        Global* global = TRY(create_global(data.type, Value::from_raw(data.type.type, low, high)));
        TRY(instance->globals.append(as_instance(global)));
    }
    if (m_config.code_memory)
        TRY(choose_tier(*instance, *m_config.code_memory));

    // Element segments: resolve every item now (ref.func needs this instance's functions).
    TRY(instance->element_values.reserve(module.element_items.size()));
    for (const auto& segment : module.elements) {
        TRY(instance->element_starts.append(static_cast<u32>(instance->element_values.size())));
        TRY(instance->element_lengths.append(segment.item_count));
        for (u32 k = 0; k < segment.item_count; ++k) {
            u64 low, high;
            evaluate_constant(module.element_items[segment.first_item + k], *instance, low, high);
            TRY(instance->element_values.append(low));
        }
    }
    TRY(instance->data_dropped.resize(module.data_segments.size(), 0));

    // Active segments in order, as table.init / memory.init followed by a drop. A trap stops here,
    // leaving what was already written (Wasm 2.0).
    for (usize s = 0; s < module.elements.size(); ++s) {
        const auto& segment = module.elements[s];
        if (segment.mode == SegmentMode::Active) {
            u64 offset, unused;
            evaluate_constant(segment.offset, *instance, offset, unused);
            offset = static_cast<u32>(offset);
            TableInstance* table = instance->tables[segment.table_index];
            if (offset > table->elements.size() || segment.item_count > table->elements.size() - offset)
                return make_trap(TrapKind::OutOfBoundsTableAccess);
            for (u32 k = 0; k < segment.item_count; ++k)
                table->elements[offset + k] = instance->element_values[instance->element_starts[s] + k];
        }
        if (segment.mode != SegmentMode::Passive)
            instance->element_lengths[s] = 0;
    }
    for (usize s = 0; s < module.data_segments.size(); ++s) {
        const auto& segment = module.data_segments[s];
        if (segment.mode != SegmentMode::Active)
            continue;
        u64 offset, unused;
        evaluate_constant(segment.offset, *instance, offset, unused);
        offset = static_cast<u32>(offset);
        MemoryInstance* memory = instance->memories[segment.memory_index];
        if (offset > memory->byte_size || segment.bytes.size() > memory->byte_size - offset)
            return make_trap(TrapKind::OutOfBoundsMemoryAccess);
        if (segment.bytes.size())
            __builtin_memcpy(memory->base + offset, segment.bytes.data(), segment.bytes.size());
        instance->data_dropped[s] = 1;
    }

    if (module.start_function.has_value())
        TRY(invoke(*instance->functions[module.start_function.value()], {}, {}));
    return static_cast<Instance*>(instance);
}

// ---- invocation -----------------------------------------------------------------------------

namespace {

// Writes a Value into slots; returns the slot count.
u32 store_value(u64* slots, const Value& value)
{
    slots[0] = value.raw_low();
    if (value.type() == ValueType::V128) {
        slots[1] = value.raw_high();
        return 2;
    }
    if (value.type() == ValueType::I32 || value.type() == ValueType::F32)
        slots[0] = static_cast<u32>(slots[0]);
    return 1;
}

Value load_value(const u64* slots, ValueType type, u32& used)
{
    if (type == ValueType::V128) {
        used = 2;
        return Value::from_raw(type, slots[0], slots[1]);
    }
    used = 1;
    return Value::from_raw(type, slots[0]);
}

} // namespace

// Whether a host call may use `scratch_slots` slots above `scratch_top` (and two more) and nest one
// level deeper.
static bool host_call_fits(Machine* m, u64* scratch_top, usize scratch_slots)
{
    return m->host_depth < m->store->config().max_host_reentry && scratch_top <= m->stack_end
        && static_cast<usize>(m->stack_end - scratch_top) >= scratch_slots + 2;
}

// Runs `callback(call)` for host function `function` with the host stack pointer at `host_sp`, then
// restores the caller's state (instance, memory, host stack). A failure becomes a HostTrap.
template<typename Callback>
static bool run_host_callback(FunctionInstance& function, Machine* m, u64* host_sp, Callback callback)
{
    InstanceData* caller = m->instance;
    HostCall call { *m->store, caller, caller ? caller->memory0 : nullptr, function.user_data };
    u64* saved_host_sp = m->host_sp;
    MemoryInstance* saved_memory = m->memory;
    m->host_sp = host_sp;
    ++m->host_depth;
    ErrorOr outcome = callback(call);
    --m->host_depth;
    m->host_sp = saved_host_sp;
    m->instance = caller;
    m->memory = saved_memory;
    if (outcome.is_error()) [[unlikely]] {
        m->host_error = outcome.error();
        return trap_machine(m, TrapKind::HostTrap);
    }
    return true;
}

// A slot host function: arguments stay where they are, results go to scratch first (the callback
// may read every argument after writing a result), then over the arguments.
static bool call_slot_host(FunctionInstance& function, u64* arguments, u64* scratch_top, Machine* m)
{
    usize result_count = function.signature.results.size();
    if (!host_call_fits(m, scratch_top, result_count))
        return trap_machine(m, TrapKind::CallStackExhausted);
    u64* results = scratch_top;
    for (usize i = 0; i < result_count; ++i)
        results[i] = 0;
    if (!run_host_callback(function, m, scratch_top + result_count,
            [&](HostCall& call) { return function.slot_callback(call, arguments, results); }))
        return false;
    for (usize i = 0; i < result_count; ++i) {
        ValueType type = function.signature.results[i];
        arguments[i] = type == ValueType::I32 || type == ValueType::F32 ? static_cast<u32>(results[i]) : results[i];
    }
    return true;
}

bool call_host(FunctionInstance& function, u64* arguments, u64* scratch_top, Machine* m)
{
    if (function.slot_callback)
        return call_slot_host(function, arguments, scratch_top, m);
    usize parameter_count = function.signature.parameters.size();
    usize result_count = function.signature.results.size();
    usize value_slots = (parameter_count + result_count) * (sizeof(Value) / sizeof(u64) + 1);
    if (!host_call_fits(m, scratch_top, value_slots))
        return trap_machine(m, TrapKind::CallStackExhausted);
    Value* values = reinterpret_cast<Value*>(scratch_top);
    u32 slot = 0;
    for (usize i = 0; i < parameter_count; ++i) {
        u32 used;
        new (&values[i]) Value(load_value(arguments + slot, function.signature.parameters[i], used));
        slot += used;
    }
    for (usize i = 0; i < result_count; ++i)
        new (&values[parameter_count + i]) Value(Value::zero(function.signature.results[i]));

    if (!run_host_callback(function, m, scratch_top + value_slots, [&](HostCall& call) {
            return function.callback(call, Span<const Value>(values, parameter_count), Span<Value>(values + parameter_count, result_count));
        }))
        return false;
    slot = 0;
    for (usize i = 0; i < result_count; ++i) {
        Value result = values[parameter_count + i];
        if (result.type() != function.signature.results[i]) {
            m->host_error = Error::from(ErrorCode::Trap, "host function returned a value of the wrong type");
            return trap_machine(m, TrapKind::HostTrap);
        }
        slot += store_value(arguments + slot, result);
    }
    return true;
}

ErrorOr Store::invoke(Function& function_handle, Span<const Value> arguments, Span<Value> results)
{
    ATH_REQUIRE_INTERNALS();
    FunctionInstance& function = *as_instance(&function_handle);
    const FunctionType& type = function.signature;
    if (arguments.size() != type.parameters.size())
        return Error::from(ErrorCode::Invalid, "wrong number of arguments");
    for (usize i = 0; i < arguments.size(); ++i) {
        if (arguments[i].type() != type.parameters[i])
            return Error::from(ErrorCode::Invalid, "argument type mismatch");
    }
    if (results.size() != type.results.size())
        return Error::from(ErrorCode::Invalid, "wrong number of results");
    u64* base = TRY(argument_base(function_handle));
    u32 slot = 0;
    for (const auto& argument : arguments)
        slot += store_value(base + slot, argument);
    TRY(run_at_base(function_handle, base));
    slot = 0;
    for (usize i = 0; i < results.size(); ++i) {
        u32 used;
        results[i] = load_value(base + slot, type.results[i], used);
        slot += used;
    }
    return {};
}

// Where an entry from the host puts `function`'s argument slots: the stack's base, or above the
// host call that re-enters (a trap when the stack has no room for its parameters and results).
Result<u64*> Store::argument_base(Function& function_handle)
{
    FunctionInstance& function = *as_instance(&function_handle);
    TRY(StoreAccess::ensure_stacks(*this));
    Machine& m = m_internals->machine;
    u64* base = m.host_depth == 0 ? m.stack_begin : m.host_sp;
    usize needed = static_cast<usize>(function.parameter_slots) + function.result_slots + 4;
    if (base > m.stack_end || static_cast<usize>(m.stack_end - base) < needed)
        return make_trap(TrapKind::CallStackExhausted);
    return base;
}

// Runs `function` with its arguments already in slots at `base`; its results land at `base`.
ErrorOr Store::run_at_base(Function& function_handle, u64* base)
{
    FunctionInstance& function = *as_instance(&function_handle);
    Machine& m = m_internals->machine;
    InstanceData* saved_instance = m.instance;
    MemoryInstance* saved_memory = m.memory;
    CallFrame* saved_frame = m.frame;
    m.trapped = false;
    m.poll = Engine::wants_poll(*this);
    m.native_interrupt_word = m_interrupt_flag;
    m.native_slow_poll = m_fuel_enabled || __atomic_load_n(&m_trap_request, __ATOMIC_RELAXED) != 0;

    bool ok;
    if (!function.owner) {
        m.instance = nullptr;
        ok = call_host(function, base, base + function.parameter_slots + 1, &m);
    } else if (function.native_entry) {
        ok = run_native(function, base, &m);
    } else {
        ok = run_function(function, base, &m);
    }
    m.instance = saved_instance;
    m.memory = saved_memory;
    m.frame = saved_frame;
    if (ok && Engine::take_trap_request(*this, m)) [[unlikely]]
        ok = false;
    if (!ok) [[unlikely]] {
        m.trapped = false;
        // A trap requested by code this call ran but beaten by another trap is moot: it must not
        // hit the next call.
        if (__atomic_load_n(&m_trap_request, __ATOMIC_RELAXED) != 0) [[unlikely]]
            __atomic_store_n(&m_trap_request, 0u, __ATOMIC_RELAXED);
        if (m.trap_kind == TrapKind::HostTrap)
            return m.host_error;
        return make_trap(m.trap_kind);
    }
    return {};
}

ErrorOr Store::invoke_i64(Function& function_handle, Span<const u64> arguments, Span<u64> results)
{
    ATH_REQUIRE_INTERNALS();
    FunctionInstance& function = *as_instance(&function_handle);
    const FunctionType& type = function.signature;
    if (arguments.size() != type.parameters.size() || results.size() != type.results.size())
        return Error::from(ErrorCode::Invalid, "wrong number of arguments or results");
    for (auto t : type.parameters) {
        if (t != ValueType::I64)
            return Error::from(ErrorCode::Invalid, "invoke_i64 needs i64 parameters");
    }
    for (auto t : type.results) {
        if (t != ValueType::I64)
            return Error::from(ErrorCode::Invalid, "invoke_i64 needs i64 results");
    }
    u64* base = TRY(argument_base(function_handle));
    for (usize i = 0; i < arguments.size(); ++i)
        base[i] = arguments[i];
    TRY(run_at_base(function_handle, base));
    for (usize i = 0; i < results.size(); ++i)
        results[i] = base[i];
    return {};
}

} // namespace ath::wasm
