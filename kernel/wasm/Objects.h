#pragma once

// Engine-internal runtime objects behind the public Function/Table/Memory/Global/Instance classes,
// and the interpreter's machine state.
#include <kernel/wasm/Code.h>
#include <kernel/wasm/ModuleData.h>
#include <kernel/wasm/Runtime.h>
#include <kernel/wasm/Vector.h>

namespace ath::wasm {

struct InstanceData;

// Every object a Store creates is on its list and destroyed with it.
struct StoreObject {
    StoreObject* next_object { nullptr };
    void (*destroy_object)(StoreObject*, Allocator&) { nullptr };
};

struct FunctionInstance final : Function, StoreObject {
    FunctionType signature;
    InstanceData* owner { nullptr }; // null: host function
    const FunctionData* data { nullptr };
    const Instr* code { nullptr };
    HostFunctionCallback callback { nullptr };
    SlotHostFunctionCallback slot_callback { nullptr }; // instead of `callback`
    void* user_data { nullptr };
    u32 parameter_slots { 0 };
    u32 result_slots { 0 };
    const u8* native_entry { nullptr }; // compiled code (NativeTier.h), when the instance runs compiled
    ValueType* owned_types { nullptr }; // host functions own their signature
    usize owned_type_count { 0 };
};

struct TableInstance final : Table, StoreObject {
    TableType table_type;
    Vector<u64> elements; // encoded references, 0 = null
    ResourceLimiter* limiter { nullptr }; // the creating Store's (StoreConfig::limiter)
};

struct MemoryInstance final : Memory, StoreObject {
    MemoryType memory_type;
    u8* base { nullptr };
    u64 byte_size { 0 };
    u32 pages { 0 };
    u32 maximum_pages { Memory::max_pages };
    Store* store { nullptr };

    Result<u32> grow_pages(u32 delta);
};

struct GlobalInstance final : Global, StoreObject {
    GlobalType global_type;
    u64 low { 0 };
    u64 high { 0 };
};

struct InstanceData final : Instance, StoreObject {
    ModuleData* module { nullptr };
    Vector<FunctionInstance*> functions;
    Vector<TableInstance*> tables;
    Vector<MemoryInstance*> memories;
    Vector<GlobalInstance*> globals;
    Vector<u64> element_values;   // every element segment's references, resolved at instantiation
    Vector<u32> element_starts;
    Vector<u32> element_lengths;  // 0 once dropped
    Vector<u8> data_dropped;
    MemoryInstance* memory0 { nullptr };
    ExecutionTier tier { ExecutionTier::Interpreter };
    const char* interpreter_reason { nullptr };
};

inline FunctionInstance* as_instance(Function* function) { return static_cast<FunctionInstance*>(function); }
inline TableInstance* as_instance(Table* table) { return static_cast<TableInstance*>(table); }
inline MemoryInstance* as_instance(Memory* memory) { return static_cast<MemoryInstance*>(memory); }
inline GlobalInstance* as_instance(Global* global) { return static_cast<GlobalInstance*>(global); }
inline const FunctionInstance* as_instance(const Function* function) { return static_cast<const FunctionInstance*>(function); }
inline const TableInstance* as_instance(const Table* table) { return static_cast<const TableInstance*>(table); }
inline const MemoryInstance* as_instance(const Memory* memory) { return static_cast<const MemoryInstance*>(memory); }
inline const GlobalInstance* as_instance(const Global* global) { return static_cast<const GlobalInstance*>(global); }
inline const InstanceData* as_instance(const Instance* instance) { return static_cast<const InstanceData*>(instance); }

// A reference in a slot: a Function* (public base pointer) or an extern host value + 1; 0 = null.
inline u64 encode_function(FunctionInstance* function) { return reinterpret_cast<uptr>(static_cast<Function*>(function)); }
inline FunctionInstance* decode_function(u64 slot) { return as_instance(reinterpret_cast<Function*>(static_cast<uptr>(slot))); }

struct CallFrame {
    const Instr* return_ip;
    u64* fp;
    InstanceData* instance;
};

struct Machine {
    InstanceData* instance { nullptr };
    MemoryInstance* memory { nullptr };
    CallFrame* frame { nullptr }; // next free
    CallFrame* frames_begin { nullptr };
    CallFrame* frames_end { nullptr };
    u64* stack_begin { nullptr };
    u64* stack_end { nullptr };
    u64* host_sp { nullptr };     // where a nested invoke from a host function starts
    u32 host_depth { 0 };
    bool poll { false };          // fuel or interrupt checks wanted
    bool trapped { false };
    TrapKind trap_kind { TrapKind::Unreachable };
    Error host_error { ErrorCode::Trap, "", Error::no_offset };
    u64* result_sp { nullptr };
    Store* store { nullptr };

    // The compiled tier (NativeTier.h) reads these at fixed offsets: the current instance's globals
    // and functions and its memory 0's base (kept current by every call that changes instance), the
    // lowest native stack pointer a compiled function may start with (0: no compiled code running;
    // the outermost entry sets it `native_stack_budget` bytes below its own stack pointer),
    // and where a trap in compiled code unwinds the native stack to (the innermost entry).
    GlobalInstance* const* native_globals { nullptr };
    FunctionInstance* const* native_functions { nullptr };
    u8* native_memory_base { nullptr };
    uptr native_stack_limit { 0 };
    uptr native_stack_budget { 0 }; // the outermost entry stub sets the limit this far below itself
    uptr native_unwind_sp { 0 };
    // The poll of compiled code reads the interrupt word itself (no call while it is 0) and calls
    // poll_budget only when it is raised or `native_slow_poll` is (fuel counting, a trap request).
    const volatile u32* native_interrupt_word { nullptr };
    bool native_slow_poll { false };
};

struct Store::Internals {
    StoreObject* objects { nullptr };
    Machine machine;
};

// Calls a Wasm function whose arguments are in slots at `base`; results land at `base`.
// Returns false on a trap (machine->trapped, trap_kind set). Interpreter.cpp.
bool run_function(FunctionInstance&, u64* base, Machine*);

// Calls a host function with arguments in slots at `arguments`; writes results there.
// Returns false on a trap (machine->trapped set).
bool call_host(FunctionInstance&, u64* arguments, u64* scratch_top, Machine*);
bool poll_budget(Machine*);

} // namespace ath::wasm
