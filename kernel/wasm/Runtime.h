#pragma once

// The public embedding API of Athanor's WebAssembly 2.0 engine.
//
// Life cycle:  Store (owns every runtime object) -> Module::create(bytes) (decode + validate)
//           -> host externs (functions, tables, memories, globals) -> Store::instantiate(module, imports)
//           -> Instance::find_export(name) -> Store::invoke(function, args, results).
//
// Everything here is freestanding: no exceptions, no RTTI, no libc, no global mutable state. All
// memory comes from the Allocator handed to the Store / Module. Errors are values:
//   ErrorCode::Malformed   the bytes do not follow the binary format (offset + spec wording)
//   ErrorCode::Invalid     the module fails validation (offset + spec wording)
//   ErrorCode::Unlinkable  "unknown import" / "incompatible import type" at instantiation
//   ErrorCode::Trap        a trap; `trap_kind(error)` gives the TrapKind, `error.reason` the spec text
//   ErrorCode::OutOfMemory the allocator said no
// Objects created by a Store (functions, tables, memories, globals, instances) live until the Store
// is destroyed; pointers to them stay valid that long. A Store is single-threaded.
#include <kernel/lib/Error.h>
#include <kernel/lib/Optional.h>
#include <kernel/lib/Result.h>
#include <kernel/lib/Span.h>
#include <kernel/lib/StringView.h>
#include <kernel/lib/Types.h>
#include <kernel/platform/EngineMemory.h>

namespace ath::wasm {

// ---------------------------------------------------------------------------------------------
// Memory

// Per-Store limits on what a module makes the embedder spend (the kernel charges its per-process
// resource account, kernel/object/ResourceAccount.h). Asked before a table or a linear memory of
// the Store grows (creation counts as growing from 0); `false` refuses: table.grow / memory.grow
// answer -1, Store::create_table / create_memory and instantiation fail with OutOfMemory, and
// nothing changes. What was granted is given back when the object goes (or a growth fails later).
class ResourceLimiter {
public:
    virtual bool table_growing(u64 current_elements, u64 desired_elements) = 0;
    virtual void table_released(u64 elements) = 0;
    virtual bool memory_growing(u64 current_bytes, u64 desired_bytes) = 0;
    virtual void memory_released(u64 bytes) = 0;

protected:
    ~ResourceLimiter() = default;
};

// ---------------------------------------------------------------------------------------------
// Types

enum class ValueType : u8 {
    I32 = 0x7F,
    I64 = 0x7E,
    F32 = 0x7D,
    F64 = 0x7C,
    V128 = 0x7B,
    FuncRef = 0x70,
    ExternRef = 0x6F,
};
const char* value_type_name(ValueType);
constexpr bool is_reference_type(ValueType type) { return type == ValueType::FuncRef || type == ValueType::ExternRef; }

enum class ExternKind : u8 { Function = 0, Table = 1, Memory = 2, Global = 3 };
const char* extern_kind_name(ExternKind);

struct Limits {
    u32 minimum { 0 };
    Optional<u32> maximum;
};

// Views into storage owned by the Module (or the Function / Store that made them).
struct FunctionType {
    Span<const ValueType> parameters;
    Span<const ValueType> results;

    bool operator==(const FunctionType& other) const;
};

struct TableType {
    ValueType element { ValueType::FuncRef };
    Limits limits;
};

struct MemoryType {
    Limits limits; // in 64 KiB pages
};

struct GlobalType {
    ValueType type { ValueType::I32 };
    bool is_mutable { false };
};

struct ExternType {
    ExternKind kind { ExternKind::Function };
    FunctionType function {};
    TableType table {};
    MemoryType memory {};
    GlobalType global {};
};

struct ImportDescription {
    StringView module_name;
    StringView field_name;
    ExternType type;
};

struct ExportDescription {
    StringView name;
    ExternType type;
};

// ---------------------------------------------------------------------------------------------
// Values

class Function;
class Table;
class Memory;
class Global;
class Instance;
class Store;

struct V128 {
    u8 bytes[16] {};
    bool operator==(const V128&) const = default;
};

// A Wasm value. Floats are carried as raw bits so NaN payloads survive. References: a funcref is
// a Function* or null; an externref is a host u64 or null (the host value ~0ull is reserved).
class Value {
public:
    Value() = default;

    static Value from_i32(u32 value) { return Value(ValueType::I32, value); }
    static Value from_i64(u64 value) { return Value(ValueType::I64, value); }
    static Value from_f32_bits(u32 bits) { return Value(ValueType::F32, bits); }
    static Value from_f64_bits(u64 bits) { return Value(ValueType::F64, bits); }
    static Value from_v128(const V128& value);
    static Value null_ref(ValueType reference_type) { return Value(reference_type, 0); }
    static Value from_function(Function* function) { return Value(ValueType::FuncRef, reinterpret_cast<uptr>(function)); }
    static Value from_extern(u64 host_value) { return Value(ValueType::ExternRef, host_value + 1); }
    static Value zero(ValueType type) { return Value(type, 0); }

    ValueType type() const { return m_type; }
    u32 as_i32() const { return static_cast<u32>(m_low); }
    u64 as_i64() const { return m_low; }
    u32 as_f32_bits() const { return static_cast<u32>(m_low); }
    u64 as_f64_bits() const { return m_low; }
    V128 as_v128() const;
    bool is_null_ref() const { return m_low == 0; }
    Function* as_function() const { return reinterpret_cast<Function*>(static_cast<uptr>(m_low)); }
    u64 as_extern() const { return m_low - 1; }

    // Engine-internal encoding (two 64-bit halves; references: 0 = null).
    static Value from_raw(ValueType type, u64 low, u64 high = 0)
    {
        Value value(type, low);
        value.m_high = high;
        return value;
    }
    u64 raw_low() const { return m_low; }
    u64 raw_high() const { return m_high; }

private:
    Value(ValueType type, u64 low) : m_type(type), m_low(low) { }

    ValueType m_type { ValueType::I32 };
    u64 m_low { 0 };
    u64 m_high { 0 };
};

// ---------------------------------------------------------------------------------------------
// Traps

enum class TrapKind : u8 {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    OutOfBoundsMemoryAccess,
    OutOfBoundsTableAccess,
    UndefinedElement,
    UninitializedElement,
    IndirectCallTypeMismatch,
    CallStackExhausted,
    OutOfFuel,
    Interrupted,
    ReadOnlyWrite, // a store hit a read-only region mapping (Store::request_trap)
    HostTrap,
};

// The spec testsuite's text for a trap kind ("integer divide by zero", "call stack exhausted", ...).
const char* trap_message(TrapKind);
// Engine traps come back as Error{ErrorCode::Trap, trap_message(kind)}; any other Trap-coded error
// (one a host function returned) is TrapKind::HostTrap. Only meaningful when error.code == Trap.
TrapKind trap_kind(const Error&);
inline Error make_trap(TrapKind kind) { return Error::from(ErrorCode::Trap, trap_message(kind)); }

// ---------------------------------------------------------------------------------------------
// Modules

struct ModuleData; // engine-internal decoded + validated + translated form

// A decoded, validated and translated module. Cheap to move; instances keep what they need alive
// (the data is reference counted, single-threaded).
class Module {
public:
    // Decodes and validates `bytes` (copied; the caller may free them afterwards).
    static Result<Module> create(Allocator&, ReadonlyBytes bytes);

    Module(Module&& other) : m_data(exchange(other.m_data, nullptr)) { }
    Module& operator=(Module&& other);
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    ~Module();

    usize import_count() const;
    ImportDescription import_at(usize index) const;
    usize export_count() const;
    ExportDescription export_at(usize index) const;

    ModuleData* data() const { return m_data; }

private:
    explicit Module(ModuleData* data) : m_data(data) { }
    ModuleData* m_data { nullptr };
};

// ---------------------------------------------------------------------------------------------
// Extern values

// A function, table, memory or global, as an import or an export.
struct Extern {
    ExternKind kind { ExternKind::Function };
    void* object { nullptr };

    static Extern from(Function* function) { return { ExternKind::Function, function }; }
    static Extern from(Table* table) { return { ExternKind::Table, table }; }
    static Extern from(Memory* memory) { return { ExternKind::Memory, memory }; }
    static Extern from(Global* global) { return { ExternKind::Global, global }; }

    Function* as_function() const { return kind == ExternKind::Function ? static_cast<Function*>(object) : nullptr; }
    Table* as_table() const { return kind == ExternKind::Table ? static_cast<Table*>(object) : nullptr; }
    Memory* as_memory() const { return kind == ExternKind::Memory ? static_cast<Memory*>(object) : nullptr; }
    Global* as_global() const { return kind == ExternKind::Global ? static_cast<Global*>(object) : nullptr; }
};

// What a host function gets besides its arguments.
struct HostCall {
    Store& store;
    Instance* caller;      // the instance whose code made the call; null when the host invoked it directly
    Memory* caller_memory; // memory 0 of `caller`, or null
    void* user_data;       // as given to Store::create_host_function
};

// Return an Error with ErrorCode::Trap (any reason) to trap; the caller sees TrapKind::HostTrap.
using HostFunctionCallback = ErrorOr (*)(HostCall& call, Span<const Value> arguments, Span<Value> results);

// A host function that works on the engine's value slots directly (no Value vectors): the kernel's
// hot imports (azoth.call) use it. arguments[i] holds parameter i (i32/f32 in the low 32 bits,
// i64/f64 whole); the callback writes result i to results[i] the same way (the engine clears the
// high half of i32/f32 results). Only i32, i64, f32 and f64 parameters and results are allowed: a
// host could otherwise forge a reference. Errors as for HostFunctionCallback.
using SlotHostFunctionCallback = ErrorOr (*)(HostCall& call, const u64* arguments, u64* results);

class Function {
public:
    FunctionType type() const;
    bool is_host() const;
    Instance* instance() const; // null for host functions

protected:
    Function() = default;
    ~Function() = default;
};

class Table {
public:
    TableType type() const;
    u32 size() const;
    Result<Value> get(u32 index) const;
    ErrorOr set(u32 index, Value value);
    // Returns the old size; fails (changing nothing) past the maximum.
    Result<u32> grow(u32 delta, Value initial);

protected:
    Table() = default;
    ~Table() = default;
};

class Memory {
public:
    static constexpr u64 page_size = 65536;
    static constexpr u32 max_pages = 65536;

    MemoryType type() const;
    u32 page_count() const;
    u64 size_in_bytes() const;
    // Valid until the next grow; prefer read/write, which check bounds.
    u8* data() const;
    ErrorOr read(u64 offset, Span<u8> destination) const;
    ErrorOr write(u64 offset, ReadonlyBytes source);
    // Returns the old page count; fails (changing nothing) past the maximum or when out of memory.
    Result<u32> grow(u32 delta_pages);

protected:
    Memory() = default;
    ~Memory() = default;
};

class Global {
public:
    GlobalType type() const;
    Value get() const;
    // Fails with Invalid on an immutable global or a value of the wrong type.
    ErrorOr set(Value value);

protected:
    Global() = default;
    ~Global() = default;
};

// Which engine tier runs an instance's functions (StoreConfig::code_memory asks for Compiled).
enum class ExecutionTier : u8 { Interpreter, Compiled };
const char* execution_tier_name(ExecutionTier);
// Null when this build has a compiler for the machine it runs on, so StoreConfig::code_memory can
// give compiled instances; otherwise why not ("no Wasm compiler for this arch", or what the CPU
// lacks). Generic code asks this instead of knowing which arch has a compiler.
const char* compiled_tier_unavailable_reason();

class Instance {
public:
    Optional<Extern> find_export(StringView name) const;
    Memory* default_memory() const; // memory 0 or null
    // The tier its functions run on, whoever calls them.
    ExecutionTier tier() const;
    // Why an instance of a Store with a code_memory runs on the interpreter (an instruction the
    // compiler does not cover yet, a memory without the 8 GiB guard reservation, no compiler for
    // this arch); null when it is compiled or no compiled code was asked for.
    const char* interpreter_reason() const;

protected:
    Instance() = default;
    ~Instance() = default;
};

// ---------------------------------------------------------------------------------------------
// The store

struct StoreConfig {
    LinearMemoryProvider* memory_provider { nullptr }; // null: allocator-backed memories
    ResourceLimiter* limiter { nullptr };             // null: only the allocator limits tables and memories
    u32 max_call_depth { 10000 };                     // Wasm frames; deeper -> CallStackExhausted
    u32 value_stack_slots { 1u << 20 };               // 8-byte slots for locals + operands
    u32 max_host_reentry { 64 };                      // nested invoke() from host functions
    // Non-null: instances run compiled (kernel/wasm/NativeTier.h) when the compiler covers every
    // function of the module and memory 0 comes from a provider that guards_wasm32_accesses();
    // otherwise, or when null, on the interpreter (Instance::tier, interpreter_reason). A module's
    // code is compiled once, into this provider, and given back when the Module goes: the provider
    // must outlive every Module instantiated in this Store.
    CodeMemoryProvider* code_memory { nullptr };
    // The lowest native stack address compiled frames of the calling thread may reach, asked when
    // compiled code is entered from outside (headroom for the helpers, host functions and
    // interrupts that run below the deepest frame already taken off). Null: only max_call_depth
    // bounds them (a hosted thread's stack is megabytes); a kernel thread's 128 KiB need this, so
    // that deep recursion traps (CallStackExhausted) before it reaches the guard page.
    uptr (*native_stack_floor)() { nullptr };
};

// Fuel and interruption. Fuel is decremented by one at every loop back-edge and every call; when
// it would go below zero the call traps with OutOfFuel. The interrupt word is read (relaxed) at the
// same points; non-zero -> TrapKind::Interrupted. Today both unwind the Wasm stack like any trap.
// Resumption is designed in: the interpreter state at those points is (code pointer, value stack,
// frame stack) held in the Store's execution stack, all of which survive the check, so a later
// version can return an "interrupted" status and a `resume()` without changing this API.
// What a safepoint hook tells the engine (see Store::set_safepoint_hook).
enum class SafepointAction : u8 {
    Continue, // go on with the next instruction (e.g. the scheduler switched away and back)
    Abort,    // trap with TrapKind::Interrupted, as without a hook (e.g. the module was killed)
};
using SafepointHook = SafepointAction (*)(void* context);

class Store {
public:
    explicit Store(Allocator& allocator, StoreConfig config = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    Allocator& allocator() const { return m_allocator; }
    const StoreConfig& config() const { return m_config; }

    // Host externs. The type's spans are copied.
    Result<Function*> create_host_function(FunctionType type, HostFunctionCallback callback, void* user_data);
    // The same with a slot callback (see SlotHostFunctionCallback); InvalidArgument for a type
    // with a V128 or reference parameter or result.
    Result<Function*> create_slot_host_function(FunctionType type, SlotHostFunctionCallback callback, void* user_data);
    Result<Table*> create_table(TableType type, Value initial);
    Result<Memory*> create_memory(MemoryType type);
    Result<Global*> create_global(GlobalType type, Value initial);

    // Links `imports` (in the module's import order) and runs element/data initialisation and the
    // start function. Link errors -> Unlinkable; a trap in initialisation or start -> Trap (writes
    // already made to imported tables/memories stay, as the 2.0 spec says).
    Result<Instance*> instantiate(const Module& module, Span<const Extern> imports);

    // Calls `function` with `arguments` (types checked -> Invalid) and writes `results`
    // (results.size() must equal the function's result count).
    ErrorOr invoke(Function& function, Span<const Value> arguments, Span<Value> results);
    // The kernel's re-entry path (an endpoint's `azoth_handle`): the same call for a function whose
    // parameters and results are all i64, with raw words instead of Values (Invalid otherwise, or
    // when the counts do not match). Same stack, fuel, interrupt and trap handling as invoke().
    ErrorOr invoke_i64(Function& function, Span<const u64> arguments, Span<u64> results);

    void set_fuel(Optional<u64> fuel) { m_fuel = fuel.value_or(~0ull); m_fuel_enabled = fuel.has_value(); }
    Optional<u64> fuel() const { return m_fuel_enabled ? Optional<u64>(m_fuel) : Optional<u64>(); }
    void set_interrupt_flag(const volatile u32* flag) { m_interrupt_flag = flag; }
    // Called at a safepoint (loop back-edge or call) when the interrupt word is non-zero, on the
    // thread running the Wasm code; it may block or switch threads before returning. Without a
    // hook a raised word traps Interrupted. The hook should clear the word (or the reason for it).
    void set_safepoint_hook(SafepointHook hook, void* context)
    {
        m_safepoint_hook = hook;
        m_safepoint_context = context;
    }

    // Makes the Wasm code running in this Store trap with `kind` at its next safepoint (loop
    // back-edge, call, host call: checked before the host function runs) or, if none comes, when
    // the invoke() running it returns. Async-signal safe (two atomic stores): a fault handler on the
    // running thread calls it (read-only region mappings, kernel/object/PageMapper.h).
    void request_trap(TrapKind kind);
    bool trap_requested() const { return __atomic_load_n(&m_trap_request, __ATOMIC_RELAXED) != 0; }

    struct Internals;
    Internals& internals() { return *m_internals; }

private:
    Result<u64*> argument_base(Function& function);
    ErrorOr run_at_base(Function& function, u64* base);

    Allocator& m_allocator;
    StoreConfig m_config;
    Internals* m_internals { nullptr };
    u64 m_fuel { ~0ull };
    bool m_fuel_enabled { false };
    const volatile u32* m_interrupt_flag { nullptr };
    SafepointHook m_safepoint_hook { nullptr };
    void* m_safepoint_context { nullptr };
    u32 m_trap_request { 0 }; // TrapKind + 1, 0 = none

    friend struct Engine;
};

} // namespace ath::wasm
