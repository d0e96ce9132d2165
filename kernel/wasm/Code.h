#pragma once

// The internal code the compiler emits and the interpreter runs. A function's code is an array of
// 8-byte Instr words: a handler pointer followed by its inline immediates. The operand stack and
// the locals are 8-byte slots (a v128 takes two, low half first); every slot height is known at
// compile time, so branches carry their target height and nothing is computed at run time.
// Branch targets are relative (in Instr words, from the branch's own handler word), so code can
// be emitted into a growing buffer and shared by every instance of the module.
#include <kernel/wasm/NumericOps.h>
#include <kernel/wasm/SimdOps.h>
#include <kernel/wasm/Runtime.h>

namespace ath::wasm {

struct Machine;
union Instr;

// The current memory's base and size ride in registers (they change only at calls, returns and
// memory.grow, where handlers reload them from the Machine).
using Handler = void (*)(const Instr* ip, u64* sp, u64* fp, Machine* machine, u8* memory, u64 memory_size);

union Instr {
    Handler handler;
    u64 value;
    i64 offset;
};
static_assert(sizeof(Instr) == 8);

// Internal operations besides the numeric list. Immediates in braces.
#define ATH_WASM_CONTROL_OPS(X) \
    X(Unreachable)              \
    X(Exit)                     \
    X(Jump)       /* {target} */ \
    X(BrIf)       /* {target} */ \
    X(BrUnless)   /* {target} */ \
    X(BrIfLocal)  /* {slot, target}: local.get + br_if */ \
    X(BrUnlessLocal) /* {slot, target} */ \
    X(BrMove)     /* {target, destination height, slots} */ \
    X(BrIfMove)   /* {target, destination height, slots} */ \
    X(BrTable)    /* {count, slots, (target, destination height) * (count + 1)} */ \
    X(BrTableJump) /* {count, target * (count + 1)}: nothing to move, every target at this height */ \
    X(Return)     /* {result slots} */ \
    X(Call)       /* {function index} */ \
    X(CallIndirect) /* {type index, table index} */ \
    X(Drop1) X(Drop2) X(Select1) X(Select2) \
    X(LocalGet1) X(LocalGet2) X(LocalSet1) X(LocalSet2) X(LocalTee1) X(LocalTee2) /* {slot} */ \
    X(GlobalGet1) X(GlobalGet2) X(GlobalSet1) X(GlobalSet2) /* {global index} */ \
    X(Const1)     /* {value} */ \
    X(Const2)     /* {low, high} */ \
    X(MemorySize) X(MemoryGrow) X(MemoryCopy) X(MemoryFill) \
    X(MemoryInit) /* {data index} */ \
    X(DataDrop)   /* {data index} */ \
    X(TableInit)  /* {table, element index} */ \
    X(ElemDrop)   /* {element index} */ \
    X(TableCopy)  /* {destination table, source table} */ \
    X(TableGrow) X(TableSize) X(TableFill) X(TableGet) X(TableSet) /* {table} */ \
    X(RefIsNull) \
    X(RefFunc)    /* {function index} */ \
    X(LocalSetConstant) /* {slot, value} */ \
    X(LocalCopy)  /* {source slot, destination slot} */

// i32 operations that take their second operand shifted or rotated (a barrel-shifter operand):
// NameWith<Shift> {a, c}: top = top Operator shift(local a, c), from `(...) ; local.get a;
// i32.const c; i32.<shift>; i32.<op>` (the shift in its LC form, the shift order as listed); with
// the result stored to a local (suffix S, extra {local}, nothing pushed) or teed (T). The 16 push
// forms come first, then the 16 S forms, then the 16 T forms, in the same order.
#define ATH_WASM_SHIFTED_OPERAND_OPS(X) X(I32Add, +) X(I32And, &) X(I32Or, |) X(I32Xor, ^)

enum class Op : u16 {
#define ATH_OP_NAME(Name) Name,
#define ATH_OP_FROM_LIST(opcode, Name, ...) Name,
    ATH_WASM_CONTROL_OPS(ATH_OP_NAME)
    ATH_WASM_COMPARE_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_UNARY_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_SATURATING_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_LOAD_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_STORE_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_SIMD_LISTED_OPS(ATH_OP_FROM_LIST)
    ATH_WASM_SIMD_SPECIAL_OPS(ATH_OP_NAME)
#define ATH_OP_FUSED(opcode, Name, ...)                                             \
    Name##LL, Name##SL, Name##SC, Name##LC, Name##SS, Name##LS, Name##SM,           \
    Name##LLS, Name##SLS, Name##SCS, Name##LCS, Name##SSS, Name##LSS, Name##SMS,    \
    Name##LLT, Name##SLT, Name##SCT, Name##LCT, Name##SST, Name##LST, Name##SMT,    \
    Name##LLB, Name##SLB, Name##SCB, Name##LCB, Name##SSB, Name##LSB, Name##SMB,
#define ATH_OP_LOAD_FUSED(opcode, Name, ...) Name##L, Name##ALL, Name##ASL, Name##ASC, Name##ALC, Name##ASS, Name##ALS, Name##IL, Name##IC,
#define ATH_OP_STORE_FUSED(opcode, Name, ...)                                                           \
    Name##LL, Name##SL, Name##LS, Name##SC, Name##LC,                                                   \
    Name##ALLL, Name##ASLL, Name##ASCL, Name##ALCL, Name##ASSL, Name##ALSL,                             \
    Name##ALLC, Name##ASLC, Name##ASCC, Name##ALCC, Name##ASSC, Name##ALSC,
    ATH_WASM_LOAD_OPS(ATH_OP_LOAD_FUSED)
    ATH_WASM_STORE_OPS(ATH_OP_STORE_FUSED)
#undef ATH_OP_LOAD_FUSED
#undef ATH_OP_STORE_FUSED
    FirstFused,
    ATH_WASM_COMPARE_OPS(ATH_OP_FUSED)
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_OP_FUSED)
    FusedEnd,
#define ATH_OP_UPDATE(opcode, Name, ...) Name##SMW,
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_OP_UPDATE)
#undef ATH_OP_UPDATE
#define ATH_OP_STEP(opcode, Name, ...) Name##StepLCC, Name##StepLCL, Name##StepLLC, Name##StepLLL,
    ATH_WASM_I32_COMPARE_OPS(ATH_OP_STEP)
#undef ATH_OP_STEP
    I32AddLCSB,
    F32MulAddLLW, F32MulAddSLW, F32MulAddSCW, F32MulAddLCW, F32MulAddSSW, F32MulAddLSW,
    F64MulAddLLW, F64MulAddSLW, F64MulAddSCW, F64MulAddLCW, F64MulAddSSW, F64MulAddLSW,
#define ATH_OP_SHIFTED(Name, Operator) Name##WithShl, Name##WithShrU, Name##WithRotl, Name##WithRotr,
#define ATH_OP_SHIFTED_S(Name, Operator) Name##WithShlS, Name##WithShrUS, Name##WithRotlS, Name##WithRotrS,
#define ATH_OP_SHIFTED_T(Name, Operator) Name##WithShlT, Name##WithShrUT, Name##WithRotlT, Name##WithRotrT,
    ATH_WASM_SHIFTED_OPERAND_OPS(ATH_OP_SHIFTED)
    ATH_WASM_SHIFTED_OPERAND_OPS(ATH_OP_SHIFTED_S)
    ATH_WASM_SHIFTED_OPERAND_OPS(ATH_OP_SHIFTED_T)
#undef ATH_OP_SHIFTED
#undef ATH_OP_SHIFTED_S
#undef ATH_OP_SHIFTED_T
#undef ATH_OP_FUSED
#undef ATH_OP_NAME
#undef ATH_OP_FROM_LIST
    Count
};

// Loads with the address in a local: NameL {slot, offset}. Stores with address and value in
// locals: NameLL {address slot, value slot, offset}; value in a local: NameSL {value slot, offset};
// address in a local, value on the stack: NameLS {address slot, offset}; a constant value with the
// address on the stack: NameSC {value, offset}, or in a local: NameLC {address slot, value, offset}.
// Stores whose address is an i32.add and value a local (V = L) or a constant (V = C):
// NameA<add form><V> {the add's operands, value slot or constant, offset}.
// Loads whose address is an i32.add: NameA<form> {the add's operands as in its fused form, offset},
// forms in FusedForm order (LL SL SC LC SS LS; SS: both on the stack). Scaled-index loads,
// `local.get i; i32.const k; i32.shl; (local.get b | i32.const b); i32.add; load` in either add
// order: NameIL {index slot, k, base slot, offset}, NameIC {index slot, k, base, offset}.
// Fused forms of every binary numeric operation, made by the compiler's peephole when operands
// come straight from locals or constants (a step toward a register machine):
//   NameLL {a, b}: push(op(local a, local b))     NameSL {b}: top = op(top, local b)
//   NameSC {c}:    top = op(top, c)                NameLC {a, c}: push(op(local a, c))
//   NameLS {a}:    top = op(local a, top)
//   NameSM {a, offset}: top = op(top, load(local a + offset)), the load being the full-width
//                  load of the operand type (i32.load for i32 operands, ..., f64.load)
// Each of those also comes with its result stored to a local (suffix S, extra {local};
// nothing pushed), teed to a local (suffix T, extra {local}; pushed too), or used as a br_if
// condition (suffix B, extra {target}; i32 results only). SS (both operands on the stack) is the
// plain operation; it exists only for its S/T/B forms. The 28 forms of one operation are
// consecutive in Op: LL SL SC LC SS LS SM, then the same with S, T and B.
constexpr u32 fused_forms = 28;
constexpr u32 fused_forms_per_group = 7;
enum class FusedForm : u32 { LL = 0, SL = 1, SC = 2, LC = 3, SS = 4, LS = 5, SM = 6 };
enum class FusedGroup : u32 { Push = 0, Store = 7, Tee = 14, Branch = 21 };
// After the fused groups (marker FusedEnd), one more form of each arithmetic operation updates
// memory in place: NameSMW {a, offset}: store(local a + offset, op(pop, load(local a + offset))),
// the full-width load and store of the operand type (`x[i] += v`).
// Loop steps: `local.get i; (i32.const c | local.get c); i32.add; local.tee t;
// (i32.const n | local.get n); i32.<compare>; br_if` -> CompareStep<add form LC|LL><n: C|L>
// {i, c, t, n, target}: t = i + c, branch if compare(t, n). `i + c; local.tee t; br_if` (a
// subtracted constant is added negated): I32AddLCSB {i, c, t, target}: branch if t != 0.
// Multiply-add updates (`x[i] += a * b` in f32/f64): <T>MulAdd<form>W {the multiply's operands as
// in its fused form (LL SL SC LC SS LS), a, offset}: store(local a + offset, a * b + load(local a
// + offset)), the product rounded before the add, as the two Wasm instructions do.
// Immediates the operands of each form use (LL SL SC LC SS LS SM).
constexpr u32 fused_operand_words[fused_forms_per_group] = { 2, 1, 1, 2, 0, 1, 2 };
// Offsets of the fused store forms from NameLL.
enum class StoreForm : u32 { LL = 0, SL = 1, LS = 2, SC = 3, LC = 4, AddedLocal = 5, AddedConstant = 11 };

Handler handler_of(Op);

} // namespace ath::wasm
