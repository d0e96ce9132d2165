// The interpreter's backend (InterpreterEmitter.h): validated instructions -> internal code.
#include <kernel/lib/Bits.h>
#include <kernel/wasm/FunctionDecoder.h>
#include <kernel/wasm/InterpreterEmitter.h>

namespace ath::wasm {

namespace {

// Binary-format opcode -> Op, for the instructions named by the NumericOps/SimdOps lists.
struct OpcodeOps {
    Op ops[256];
};

#define ATH_OPCODE_TO_OP(code, Name, ...) table.ops[code] = Op::Name;

constexpr OpcodeOps empty_opcode_ops()
{
    OpcodeOps table {};
    for (auto& op : table.ops)
        op = Op::Count;
    return table;
}

// One-byte opcodes: numeric operations, loads and stores.
constexpr OpcodeOps plain_ops = [] {
    OpcodeOps table = empty_opcode_ops();
    ATH_WASM_UNARY_OPS(ATH_OPCODE_TO_OP)
    ATH_WASM_COMPARE_OPS(ATH_OPCODE_TO_OP)
    ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_OPCODE_TO_OP)
    ATH_WASM_LOAD_OPS(ATH_OPCODE_TO_OP)
    ATH_WASM_STORE_OPS(ATH_OPCODE_TO_OP)
    return table;
}();

// The first fused form of a load (NameL) or store (NameLL).
constexpr OpcodeOps first_fused_memory_ops = [] {
    OpcodeOps table = empty_opcode_ops();
#define ATH_LOAD_FORM(code, Name, ...) table.ops[code] = Op::Name##L;
#define ATH_STORE_FORM(code, Name, ...) table.ops[code] = Op::Name##LL;
    ATH_WASM_LOAD_OPS(ATH_LOAD_FORM)
    ATH_WASM_STORE_OPS(ATH_STORE_FORM)
#undef ATH_LOAD_FORM
#undef ATH_STORE_FORM
    return table;
}();

// 0xFC sub-opcodes (the saturating truncations) and 0xFD sub-opcodes (SIMD).
constexpr OpcodeOps prefixed_ops = [] {
    OpcodeOps table = empty_opcode_ops();
    ATH_WASM_SATURATING_OPS(ATH_OPCODE_TO_OP)
    return table;
}();

constexpr OpcodeOps vector_ops = [] {
    OpcodeOps table = empty_opcode_ops();
    ATH_WASM_SIMD_LISTED_OPS(ATH_OPCODE_TO_OP)
    table.ops[82] = Op::V128Bitselect;
    return table;
}();

#undef ATH_OPCODE_TO_OP

} // namespace

InterpreterEmitter::InterpreterEmitter(ModuleData& module, u32 function_index)
    : m_module(module)
    , m_function(module.functions[function_index])
    , m_code(module.code, *module.allocator)
    , m_labels(*module.allocator)
    , m_local_slots(*module.allocator)
{
}

ErrorOr InterpreterEmitter::begin(FunctionValidator& validator)
{
    m_validator = &validator;
    auto type = m_module.function_type(m_function.type_index);

    // Local slot offsets: parameters, then declared locals.
    TRY(m_local_slots.reserve(m_function.local_count));
    u32 slot = 0;
    u32 parameter_slots = 0;
    for (u32 i = 0; i < m_function.local_count; ++i) {
        TRY(m_local_slots.append(slot));
        slot += slot_count(validator.local_type(i));
        if (i + 1 == type.parameters.size())
            parameter_slots = slot;
    }
    m_local_slot_total = slot;
    TRY(m_code.begin(validator, slot));
    m_function.parameter_slots = parameter_slots;
    m_function.local_slots = slot - parameter_slots;
    m_function.result_slots = slots_of(type.results);
    m_function.code_offset = static_cast<u32>(m_code.size());
    TRY(m_labels.append(Label { m_code.size() }));
    return {};
}

ErrorOr InterpreterEmitter::error() const
{
    TRY(m_error);
    return m_code.error();
}

void InterpreterEmitter::emit_with(Op op, u64 immediate)
{
    m_code.emit(op);
    m_code.emit_value(immediate);
}

void InterpreterEmitter::enter(const ControlFrame& frame)
{
    m_error = m_labels.append(Label { m_code.size() });
    if (m_error.is_error())
        return;
    m_code.fence();
    if (frame.kind == FrameKind::Loop)
        m_code.mark_branch_target(m_code.size()); // back-edges land here (and poll there)
    if (frame.kind == FrameKind::If) {
        m_code.conditional_jump(false);
        if (m_validator->reachable()) {
            auto& label = m_labels.last();
            m_code.emit_value(static_cast<u64>(label.else_chain));
            label.else_chain = static_cast<i64>(m_code.size()) - 1;
        }
    }
}

void InterpreterEmitter::enter_else(const ControlFrame&)
{
    auto& label = m_labels.last();
    m_code.emit(Op::Jump);
    emit_forward_target(label);
    resolve_chain(label.else_chain, m_code.size());
    label.else_chain = -1;
}

void InterpreterEmitter::exit(const ControlFrame& frame)
{
    Label label = m_labels.take_last();
    usize here = m_code.size();
    resolve_chain(label.fixup_chain, here);
    if (frame.kind == FrameKind::If)
        resolve_chain(label.else_chain, here);
    if (frame.kind == FrameKind::Function) {
        return_from_function();
        m_function.max_stack_slots = m_validator->operands().max_slots();
    }
}

void InterpreterEmitter::emit_forward_target(Label& label)
{
    if (!m_validator->reachable())
        return;
    m_code.emit_value(static_cast<u64>(label.fixup_chain));
    label.fixup_chain = static_cast<i64>(m_code.size()) - 1;
}

void InterpreterEmitter::emit_target(u32 depth)
{
    if (m_validator->frame(depth).kind == FrameKind::Loop)
        m_code.emit_offset_to(label(depth).start);
    else
        emit_forward_target(label(depth));
}

void InterpreterEmitter::resolve_chain(i64 chain, usize target)
{
    m_code.mark_branch_target(target);
    while (chain >= 0) {
        usize at = static_cast<usize>(chain);
        i64 previous = static_cast<i64>(m_code.at(at).value);
        m_code.at(at).offset = static_cast<i64>(target) - static_cast<i64>(at);
        chain = previous;
    }
}

void InterpreterEmitter::unreachable() { m_code.emit(Op::Unreachable); }

// The jump part of a branch (the operands are already checked). Values the label takes are moved
// down to the label's height if they are not there already.
void InterpreterEmitter::branch(u32 depth, bool conditional)
{
    const ControlFrame& target = m_validator->frame(depth);
    u32 arity_slots = slots_of(target.label_types());
    u64 destination = destination_height(target);
    u64 current_bottom = m_local_slot_total + m_validator->operands().slots() - arity_slots;
    // Whatever sits between the label's height and the label's values is discarded by the branch,
    // so any difference in height needs a move (with no values, the move only resets sp).
    bool needs_move = destination != current_bottom;
    if (needs_move)
        m_code.emit(conditional ? Op::BrIfMove : Op::BrMove);
    else if (conditional)
        m_code.conditional_jump(true);
    else
        m_code.emit(Op::Jump);
    emit_target(depth);
    if (needs_move) {
        m_code.emit_value(destination);
        m_code.emit_value(arity_slots);
    }
}

void InterpreterEmitter::branch_table(const BranchTableDepths& depths)
{
    u32 default_depth = 0;
    depths.for_each([&](u32 depth) { default_depth = depth; });
    u32 arity_slots = slots_of(m_validator->frame(default_depth).label_types());
    // Without values to carry and with every target at the current height, the branch moves
    // nothing: BrTableJump keeps only the targets.
    bool moves = arity_slots != 0;
    depths.for_each([&](u32 depth) { moves = moves || m_validator->frame(depth).base_slots != m_validator->operands().slots(); });
    emit_with(moves ? Op::BrTable : Op::BrTableJump, depths.count());
    if (moves)
        m_code.emit_value(arity_slots);
    depths.for_each([&](u32 depth) {
        emit_target(depth);
        if (moves)
            m_code.emit_value(destination_height(m_validator->frame(depth)));
    });
}

void InterpreterEmitter::return_from_function() { emit_with(Op::Return, m_function.result_slots); }
void InterpreterEmitter::call(u32 function_index) { emit_with(Op::Call, function_index); }

void InterpreterEmitter::call_indirect(u32 type_index, u32 table_index)
{
    emit_with(Op::CallIndirect, type_index);
    m_code.emit_value(table_index);
}

void InterpreterEmitter::drop(ValueType type) { m_code.emit(slot_count(type) == 2 ? Op::Drop2 : Op::Drop1); }
void InterpreterEmitter::select(ValueType type) { m_code.emit(slot_count(type) == 2 ? Op::Select2 : Op::Select1); }

void InterpreterEmitter::local_get(u32 local_index)
{
    m_code.local_get(m_local_slots[local_index], slot_count(m_validator->local_type(local_index)) == 2);
}

void InterpreterEmitter::local_set(u32 local_index, bool tee)
{
    m_code.local_store(tee, slot_count(m_validator->local_type(local_index)) == 2, m_local_slots[local_index]);
}

void InterpreterEmitter::global_get(u32 global_index, ValueType type)
{
    emit_with(slot_count(type) == 2 ? Op::GlobalGet2 : Op::GlobalGet1, global_index);
}

void InterpreterEmitter::global_set(u32 global_index, ValueType type)
{
    emit_with(slot_count(type) == 2 ? Op::GlobalSet2 : Op::GlobalSet1, global_index);
}

void InterpreterEmitter::table_get(u32 table_index) { emit_with(Op::TableGet, table_index); }
void InterpreterEmitter::table_set(u32 table_index) { emit_with(Op::TableSet, table_index); }

void InterpreterEmitter::load(u8 opcode, u64 offset) { m_code.load(plain_ops.ops[opcode], first_fused_memory_ops.ops[opcode], offset); }
void InterpreterEmitter::store(u8 opcode, u64 offset) { m_code.store(plain_ops.ops[opcode], first_fused_memory_ops.ops[opcode], offset); }
void InterpreterEmitter::memory_size() { m_code.emit(Op::MemorySize); }
void InterpreterEmitter::memory_grow() { m_code.emit(Op::MemoryGrow); }

void InterpreterEmitter::constant(u64 bits) { emit_with(Op::Const1, bits); }
Op interpreter_op_of_numeric(u8 opcode) { return opcode >= 0x45 && opcode <= 0xC4 ? plain_ops.ops[opcode] : Op::Count; }
Op interpreter_op_of_saturating(u32 sub_opcode) { return sub_opcode < 8 ? prefixed_ops.ops[sub_opcode] : Op::Count; }

void InterpreterEmitter::unary(u8 opcode) { m_code.emit(plain_ops.ops[opcode]); }
void InterpreterEmitter::binary(u8 opcode, ValueType operand) { m_code.binary(plain_ops.ops[opcode], operand); }
void InterpreterEmitter::truncate_saturating(u32 sub_opcode) { m_code.emit(prefixed_ops.ops[sub_opcode]); }

void InterpreterEmitter::ref_null(ValueType) { emit_with(Op::Const1, 0); }
void InterpreterEmitter::ref_is_null() { m_code.emit(Op::RefIsNull); }
void InterpreterEmitter::ref_func(u32 function_index) { emit_with(Op::RefFunc, function_index); }

void InterpreterEmitter::memory_init(u32 data_index) { emit_with(Op::MemoryInit, data_index); }
void InterpreterEmitter::data_drop(u32 data_index) { emit_with(Op::DataDrop, data_index); }
void InterpreterEmitter::memory_copy() { m_code.emit(Op::MemoryCopy); }
void InterpreterEmitter::memory_fill() { m_code.emit(Op::MemoryFill); }

void InterpreterEmitter::table_init(u32 table_index, u32 element_index)
{
    emit_with(Op::TableInit, table_index);
    m_code.emit_value(element_index);
}

void InterpreterEmitter::elem_drop(u32 element_index) { emit_with(Op::ElemDrop, element_index); }

void InterpreterEmitter::table_copy(u32 destination_table, u32 source_table)
{
    emit_with(Op::TableCopy, destination_table);
    m_code.emit_value(source_table);
}

void InterpreterEmitter::table_grow(u32 table_index) { emit_with(Op::TableGrow, table_index); }
void InterpreterEmitter::table_size(u32 table_index) { emit_with(Op::TableSize, table_index); }
void InterpreterEmitter::table_fill(u32 table_index) { emit_with(Op::TableFill, table_index); }

void InterpreterEmitter::vector_operation(u32 sub_opcode) { m_code.emit(vector_ops.ops[sub_opcode]); }
void InterpreterEmitter::vector_lane(u32 sub_opcode, u8 lane) { emit_with(vector_ops.ops[sub_opcode], lane); }

void InterpreterEmitter::vector_memory(u32 sub_opcode, u64 offset, Optional<u8> lane)
{
    emit_with(vector_ops.ops[sub_opcode], offset);
    if (lane.has_value())
        m_code.emit_value(lane.value());
}

void InterpreterEmitter::vector_constant(u64 low, u64 high)
{
    emit_with(Op::Const2, low);
    m_code.emit_value(high);
}

void InterpreterEmitter::vector_shuffle(const u8 (&lanes)[16])
{
    emit_with(Op::I8x16Shuffle, load_le<u64>(lanes));
    m_code.emit_value(load_le<u64>(lanes + 8));
}

ErrorOr compile_function(ModuleData& module, u32 function_index)
{
    InterpreterEmitter emitter(module, function_index);
    FunctionDecoder<InterpreterEmitter> validator(module, function_index, emitter);
    return validator.validate();
}

} // namespace ath::wasm
