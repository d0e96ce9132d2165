// The arch-independent half of the compiled tier (NativeTier.h): entering compiled code and the
// helpers compiled code calls.
#include <kernel/wasm/NativeTier.h>

namespace ath::wasm {

namespace {

// The entry stub's signature (the arch's C calling convention): entry, fp, machine, memory base.
using Trampoline = bool (*)(const u8* entry, u64* fp, Machine*, u8* memory_base);

// How much native stack the compiled code of one outermost entry may use: one frame of a compiled
// function takes 16 bytes, so exactly max_call_depth nested compiled calls fit (the interpreter's
// limit on its frames), within a hard cap for host threads.
constexpr uptr native_stack_cap = 4u << 20;
constexpr uptr native_stack_frame = 16;

bool trap_with(Machine* m, TrapKind kind)
{
    m->trap_kind = kind;
    m->trapped = true;
    return false;
}

// Makes `instance` the current one for compiled code.
void enter_instance(Machine* m, InstanceData* instance)
{
    m->instance = instance;
    m->memory = instance ? instance->memory0 : nullptr;
    m->native_globals = instance ? instance->globals.data() : nullptr;
    m->native_functions = instance ? instance->functions.data() : nullptr;
    m->native_memory_base = m->memory ? m->memory->base : nullptr;
}

} // namespace

// UBSan's -fsanitize=function would read a type signature in front of the called code, which
// generated code does not have.
[[clang::no_sanitize("function")]] bool run_native(FunctionInstance& function, u64* base, Machine* m)
{
    InstanceData* saved_instance = m->instance;
    enter_instance(m, function.owner);
    // A fresh entry on this thread's stack: none running in this Machine, or one on another
    // thread's stack (a migrating azoth_call runs a server's handler in the server's Store on the
    // caller's thread while the server's own thread sits in a host call). Its stack window is
    // [native_stack_limit, + native_stack_budget]; a nested entry on the same stack lies inside.
    uptr here = reinterpret_cast<uptr>(__builtin_frame_address(0));
    uptr saved_limit = m->native_stack_limit;
    uptr saved_budget = m->native_stack_budget;
    bool fresh = saved_limit == 0 || here < saved_limit || here - saved_limit > saved_budget;
    if (fresh) { // the entry stub sets the limit from its own stack pointer
        uptr budget = static_cast<uptr>(m->store->config().max_call_depth) * native_stack_frame;
        budget = budget > native_stack_cap ? native_stack_cap : budget;
        if (auto floor = m->store->config().native_stack_floor) {
            // Within the thread's stack: never below its floor (no room at all: the first compiled
            // frame traps).
            uptr lowest = floor();
            uptr room = here > lowest ? here - lowest : 0;
            budget = budget > room ? room : budget;
        }
        m->native_stack_budget = budget;
        m->native_stack_limit = 0;
    }
    const NativeModule& native = *function.owner->module->native;
    auto trampoline = reinterpret_cast<Trampoline>(native.code + native.trampoline_offset);
    bool ok = trampoline(function.native_entry, base, m, m->native_memory_base);
    if (fresh) {
        m->native_stack_limit = saved_limit;
        m->native_stack_budget = saved_budget;
    }
    enter_instance(m, saved_instance);
    return ok;
}

extern "C" bool athanor_native_call(Machine* m, FunctionInstance* callee, u64* arguments)
{
    InstanceData* caller = m->instance;
    bool ok;
    if (!callee->owner)
        ok = call_host(*callee, arguments, arguments + callee->parameter_slots, m);
    else if (callee->native_entry)
        ok = run_native(*callee, arguments, m);
    else
        ok = run_function(*callee, arguments, m);
    enter_instance(m, caller); // a host function may have grown our memory
    return ok;
}

extern "C" const u8* athanor_native_call_indirect(Machine* m, u32 type_index, u32 table_index, u32 element, u64* arguments)
{
    TableInstance* table = m->instance->tables[table_index];
    if (element >= table->elements.size())
        return trap_with(m, TrapKind::UndefinedElement), nullptr;
    u64 reference = table->elements[element];
    if (reference == 0)
        return trap_with(m, TrapKind::UninitializedElement), nullptr;
    FunctionInstance* callee = decode_function(reference);
    if (!(callee->signature == m->instance->module->function_type(type_index)))
        return trap_with(m, TrapKind::IndirectCallTypeMismatch), nullptr;
    if (callee->owner == m->instance && callee->native_entry)
        return callee->native_entry;
    return athanor_native_call(m, callee, arguments) ? native_call_done : nullptr;
}

extern "C" u32 athanor_native_memory_grow(Machine* m, u32 delta)
{
    auto grown = m->memory->grow_pages(delta);
    m->native_memory_base = m->memory->base;
    return grown.is_error() ? 0xFFFFFFFFu : grown.value();
}

extern "C" u32 athanor_native_memory_size(Machine* m) { return m->memory->pages; }

extern "C" bool athanor_native_poll(Machine* m) { return poll_budget(m); }

extern "C" bool athanor_native_interpret(Machine* m, const Instr* code, u64* sp, u64* fp)
{
    u8* memory = m->memory ? m->memory->base : nullptr;
    u64 memory_size = m->memory ? m->memory->byte_size : 0;
    code->handler(code, sp, fp, m, memory, memory_size);
    m->native_memory_base = m->memory ? m->memory->base : nullptr;
    return !m->trapped;
}

} // namespace ath::wasm
