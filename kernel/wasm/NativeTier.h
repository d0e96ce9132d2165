#pragma once

// The compiled tier: a module's functions translated to machine code by a single-pass compiler
// (a CodeEmitter over the same FunctionDecoder as the interpreter, so the validator is shared),
// one per arch in kernel/arch/<arch>/wasm/ (x86_64: Compiler.cpp); archs without one link
// NativeTierUnavailable.cpp and every module runs on the interpreter.
//
// Execution model, the same on every arch:
//   - locals and operand slots live on the Store's value stack at the interpreter's layout (fp[0]
//     is the first parameter, the operand stack starts after the locals), so a call hands its
//     arguments over exactly as the interpreter does and host calls use call_host unchanged;
//   - Wasm-to-Wasm calls within a compiled instance are native calls; the native stack is bounded by
//     Machine::native_stack_limit, checked at every function entry (CallStackExhausted);
//   - an entry stub (`trampoline`) saves the host's callee-saved registers, records where a trap
//     unwinds to (Machine::native_unwind_sp) and calls the function; a trap stores its kind in the
//     Machine and unwinds to the innermost entry, which returns false, as run_function does;
//   - calls to imports, call_indirect, memory.size/grow and the fuel/interrupt poll go through the
//     C helpers below (plain C calling convention of the arch).
#include <kernel/wasm/Objects.h>

namespace ath::wasm {

// One module's compiled code, shared by its compiled instances.
struct NativeModule {
    CodeMemoryProvider* provider { nullptr };
    u8* code { nullptr };
    usize size { 0 };
    usize trampoline_offset { 0 };
    Vector<u32> entry_offsets; // per defined function, from `code`
};

// Compiles every defined function of `module`: Unsupported (with the first instruction or type
// the compiler does not cover as the reason) sends the module to the interpreter; OutOfMemory.
// Implemented per arch.
Result<NativeModule*> compile_native_module(ModuleData&, CodeMemoryProvider&);
// Frees the code and the NativeModule (allocated from the module's allocator).
void release_native_module(NativeModule*, Allocator&);

// Runs compiled `function` with its arguments in slots at `base` (its results land there);
// false on a trap (machine->trapped, trap_kind set), like run_function.
bool run_native(FunctionInstance&, u64* base, Machine*);

// Called from compiled code. Each returns false on a trap (recorded in the Machine).
extern "C" {
// Calls `callee` (a host function, or a function of any instance and tier) with arguments at
// `arguments` (results there).
bool athanor_native_call(Machine*, FunctionInstance* callee, u64* arguments);
// call_indirect: table bounds, null and signature checks. A compiled function of the current
// instance is returned for compiled code to call natively (its frame is then 16 bytes like a
// direct call's); any other callee is called here. Returns that entry, `native_call_done` after
// the call made here, or null on a trap.
inline const u8* const native_call_done = reinterpret_cast<const u8*>(1);
const u8* athanor_native_call_indirect(Machine*, u32 type_index, u32 table_index, u32 element, u64* arguments);
// memory.grow of memory 0: the old page count or 0xFFFFFFFF; memory.size.
u32 athanor_native_memory_grow(Machine*, u32 delta);
u32 athanor_native_memory_size(Machine*);
// The fuel / interrupt / trap-request poll (the interpreter's poll_budget).
bool athanor_native_poll(Machine*);
// Runs `code` (one interpreter instruction, then Exit) on the operand slots below `sp`: the
// instructions the compiler does not emit itself (float arithmetic, bulk memory, tables, ref.func)
// run through the interpreter's own handler, so their semantics live in one place.
bool athanor_native_interpret(Machine*, const Instr* code, u64* sp, u64* fp);
}

} // namespace ath::wasm
