// The peephole fusion of the interpreter's code (Fusion.h). Only instructions after the last
// branch target may be absorbed, so no jump can land inside a fused sequence.
#include <kernel/lib/Bits.h>
#include <kernel/wasm/Fusion.h>

namespace ath::wasm {

namespace {

// NOLINTBEGIN(bugprone-macro-parentheses): each row is one `+1` term of the sum; parentheses would make `0 (+1)` a call
#define ATH_COUNT_ONE(...) +1
#define ATH_COUNT_OPERATION(...) +1
// NOLINTEND(bugprone-macro-parentheses)
constexpr u32 compare_operation_count = 0 ATH_WASM_COMPARE_OPS(ATH_COUNT_OPERATION);
constexpr u32 binary_operation_count = 0 ATH_WASM_COMPARE_OPS(ATH_COUNT_OPERATION) ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_COUNT_OPERATION);
#undef ATH_COUNT_OPERATION
#define ATH_OPERAND_TYPE(code, Name, Result, Operand, ...) ValueType::Operand,
constexpr ValueType arithmetic_operand_types[] = { ATH_WASM_BINARY_ARITHMETIC_OPS(ATH_OPERAND_TYPE) };
#undef ATH_OPERAND_TYPE
static_assert(static_cast<u32>(Op::FusedEnd) == static_cast<u32>(Op::FirstFused) + 1 + binary_operation_count * fused_forms);
// The plain binary operations sit back to back, compare list first, as the fused groups do.
static_assert(static_cast<u32>(Op::F64CopysignLL) == static_cast<u32>(Op::FirstFused) + 1 + (binary_operation_count - 1) * fused_forms);
static_assert(static_cast<u32>(Op::F64Copysign) == static_cast<u32>(Op::I32Eq) + binary_operation_count - 1);
static_assert(static_cast<u32>(Op::I64AddLC) == static_cast<u32>(Op::FirstFused) + 1 + (static_cast<u32>(Op::I64Add) - static_cast<u32>(Op::I32Eq)) * fused_forms + static_cast<u32>(FusedForm::LC));

// A binary operation's fused form (its group of forms is in the order of the plain operations).
Op fused_operation(Op plain, FusedForm form)
{
    return static_cast<Op>(static_cast<u32>(Op::FirstFused) + 1 + (static_cast<u32>(plain) - static_cast<u32>(Op::I32Eq)) * fused_forms
        + static_cast<u32>(form));
}

} // namespace

void FusingCodeWriter::emit(Op op)
{
    if (!live())
        return;
    m_recent[1] = m_recent[0];
    m_recent[0] = EmittedInstruction { op, m_code.size() };
    // Branches, calls and returns use absolute stack heights: no stack entry pushed before one
    // may be taken out of the stack afterwards.
    if (static_cast<u32>(op) <= static_cast<u32>(Op::CallIndirect))
        m_fence = m_code.size();
    m_error = m_error.is_error() ? m_error : m_code.append(Instr { .handler = handler_of(op) });
}

// Peephole for binary operations: operands that the previous one or two instructions pushed from
// a local or a constant are folded into the operation. Only instructions after the last branch
// target may be absorbed, so no jump can land inside the fused sequence.
void FusingCodeWriter::binary(Op plain, ValueType operand)
{
    if (!live() || m_error.is_error())
        return;
    const EmittedInstruction last = m_recent[0];
    const EmittedInstruction before = m_recent[1];
    usize end = m_code.size();
    bool last_is_local = absorbable(last, Op::LocalGet1, 2, end);
    bool last_is_constant = absorbable(last, Op::Const1, 2, end);
    // `x - c` is `x + (-c)` in wrapping integer arithmetic: subtracting a constant becomes an add,
    // so every add fusion (address forms, loop steps) applies to it too.
    if (last_is_constant && (plain == Op::I32Sub || plain == Op::I64Sub)) {
        u64 constant = m_code[last.position + 1].value;
        bool wide = plain == Op::I64Sub;
        m_code[last.position + 1].value = wide ? 0 - constant : static_cast<u32>(0u - static_cast<u32>(constant));
        plain = wide ? Op::I64Add : Op::I32Add;
    }
    Op first_fused = fused_operation(plain, FusedForm::LL);
    auto form = [first_fused](FusedForm form) { return static_cast<Op>(static_cast<u32>(first_fused) + static_cast<u32>(form)); };
    if (!last_is_local && !last_is_constant) {
        // b is `local.get x; i32.const c; i32.<shift>` (its LC form, just before): a barrel-shifter
        // operand, the same immediates. Not when a is a removable local.get or tee: LS does as
        // well then, and an add in LS form may still become a scaled-index load.
        if (auto shifted = shifted_operand_form(plain, last, end); shifted.has_value() && !origin_removable(0)) {
            rewrite_newest(shifted.value());
            return;
        }
        // b is on the stack. SM: b is the newest instruction, a full-width load of the operand
        // type from a local address; LS: a came from a removable local.get or tee.
        Op load = operand == ValueType::I32 ? Op::I32LoadL
            : operand == ValueType::I64     ? Op::I64LoadL
            : operand == ValueType::F32     ? Op::F32LoadL
                                            : Op::F64LoadL;
        if (last.op == load && last.position >= m_barrier && last.position + 3 == end) {
            u64 address_slot = m_code[last.position + 1].value;
            u64 offset = m_code[last.position + 2].value;
            m_code.shrink(last.position);
            m_recent[0] = m_recent[1];
            m_recent[1] = EmittedInstruction {};
            emit(form(FusedForm::SM));
            emit_value(address_slot);
            emit_value(offset);
            return;
        }
        if (origin_removable(0)) {
            u64 slot = remove_origin(0);
            emit(form(FusedForm::LS));
            emit_value(slot);
            return;
        }
        emit(plain);
        return;
    }
    u64 last_immediate = m_code[last.position + 1].value;
    bool before_is_local = absorbable(before, Op::LocalGet1, 2, last.position);
    if (before_is_local) {
        m_recent[0] = m_recent[1] = EmittedInstruction {};
        u64 first_slot = m_code[before.position + 1].value;
        m_code.shrink(before.position);
        emit(form(last_is_local ? FusedForm::LL : FusedForm::LC));
        emit_value(first_slot);
        emit_value(last_immediate);
        return;
    }
    // a from a removable local.get further back (see OperandOrigin): both operands come from
    // locals or constants after all. (A tee is left alone: turning it into a set saves nothing
    // and would hide a loop step's add from emit_loop_step.)
    if (m_operands->popped_origin(0).kind == OriginGet && origin_removable(0)) {
        u64 first_slot = remove_origin(0); // may move `last` down
        const EmittedInstruction moved = m_recent[0];
        m_code.shrink(moved.position);
        m_recent[0] = m_recent[1];
        m_recent[1] = EmittedInstruction {};
        emit(form(last_is_local ? FusedForm::LL : FusedForm::LC));
        emit_value(first_slot);
        emit_value(last_immediate);
        return;
    }
    // `before` stays the instruction just before the fused one (a scaled-index load looks at it).
    m_recent[0] = before;
    m_recent[1] = EmittedInstruction {};
    m_code.shrink(last.position);
    emit(form(last_is_local ? FusedForm::SL : FusedForm::SC));
    emit_value(last_immediate);
}

// remove_origin relies on the shifted-operand T forms being the last operations.
static_assert(static_cast<u32>(Op::I32XorWithRotrT) + 1 == static_cast<u32>(Op::Count));

// The NameWith<Shift> operation for `plain` if `last` is a shift or rotate in LC form that ends
// at `end` after the last branch target.
Optional<Op> FusingCodeWriter::shifted_operand_form(Op plain, const EmittedInstruction& last, usize end) const
{
    constexpr Op shifts[] = { Op::I32ShlLC, Op::I32ShrULC, Op::I32RotlLC, Op::I32RotrLC };
    constexpr Op operations[] = {
#define ATH_SHIFTED_OPERATION(Name, Operator) Op::Name,
        ATH_WASM_SHIFTED_OPERAND_OPS(ATH_SHIFTED_OPERATION)
#undef ATH_SHIFTED_OPERATION
    };
    if (last.position < m_barrier || last.position + 3 != end)
        return {};
    for (u32 operation = 0; operation < sizeof(operations) / sizeof(operations[0]); ++operation) {
        if (operations[operation] != plain)
            continue;
        for (u32 shift = 0; shift < 4; ++shift) {
            if (last.op == shifts[shift])
                return static_cast<Op>(static_cast<u32>(Op::I32AddWithShl) + operation * 4 + shift);
        }
    }
    return {};
}


// If the newest instruction is a fused binary operation in its push form, ends the code, and no
// branch lands after its start, returns it so a following local.set/tee/br_if can join it.
Optional<Op> FusingCodeWriter::joinable_fused_operation() const
{
    const EmittedInstruction last = m_recent[0];
    auto first = static_cast<u32>(Op::FirstFused) + 1;
    auto value = static_cast<u32>(last.op);
    if (!live() || last.position < m_barrier)
        return {};
    // A plain binary operation (both operands on the stack) joins as its SS form. The plain ones
    // are consecutive in Op (compare list, then arithmetic list), in the fused groups' order.
    auto first_plain = static_cast<u32>(Op::I32Eq);
    if (value >= first_plain && value < first_plain + binary_operation_count) {
        if (last.position + 1 != m_code.size())
            return {};
        return static_cast<Op>(first + (value - first_plain) * fused_forms + 4);
    }
    if (value < first || value >= static_cast<u32>(Op::FusedEnd))
        return {};
    u32 form = (value - first) % fused_forms;
    if (form >= fused_forms_per_group)
        return {};
    usize words = 1 + fused_operand_words[form];
    if (last.position + words != m_code.size())
        return {};
    return last.op;
}

void FusingCodeWriter::rewrite_newest(Op op)
{
    m_code[m_recent[0].position].handler = handler_of(op);
    m_recent[0].op = op;
}

// Loads (`from_local` is NameL, the first of the fused load forms): `local.get a; load` ->
// NameL {a, offset}; an address the newest instruction computes with i32.add -> NameA<form>, the
// add's handler word becoming the load's (same operand immediates), then the offset; a scaled
// index (the add's stack operand is `local.get i; i32.const k; i32.shl`) -> NameIL / NameIC.
void FusingCodeWriter::load(Op plain, Op from_local, u64 offset)
{
    if (!live() || m_error.is_error())
        return;
    const EmittedInstruction last = m_recent[0];
    const EmittedInstruction before = m_recent[1];
    auto form = [from_local](u32 index) { return static_cast<Op>(static_cast<u32>(from_local) + index); };
    if (absorbable(last, Op::LocalGet1, 2, m_code.size())) {
        u64 slot = m_code[last.position + 1].value;
        // `before` stays the instruction just before the new one (a multiply-add looks at it).
        m_recent[0] = before;
        m_recent[1] = EmittedInstruction {};
        m_code.shrink(last.position);
        emit(from_local);
        emit_value(slot);
        emit_value(offset);
        return;
    }
    auto add = address_add_form(last, m_code.size());
    if (!add.has_value()) {
        emit(plain);
        emit_value(offset);
        return;
    }
    auto add_form = static_cast<FusedForm>(add.value());
    bool one_on_stack = add_form == FusedForm::SL || add_form == FusedForm::SC || add_form == FusedForm::LS;
    if (one_on_stack && absorbable(before, Op::I32ShlLC, 3, last.position)) {
        u64 index_slot = m_code[before.position + 1].value;
        u64 shift = m_code[before.position + 2].value;
        u64 base = m_code[last.position + 1].value;
        m_code.shrink(before.position);
        m_recent[0] = m_recent[1] = EmittedInstruction {};
        emit(form(add_form == FusedForm::SC ? 8 : 7));
        emit_value(index_slot);
        emit_value(shift);
        emit_value(base);
        emit_value(offset);
        return;
    }
    rewrite_newest(form(1 + add.value()));
    emit_value(offset);
}

// The operand form (FusedForm, SM excluded) of `instruction` if it is an i32.add in push form that
// ends at `end` after the last branch target.
Optional<u32> FusingCodeWriter::address_add_form(const EmittedInstruction& instruction, usize end) const
{
    if (instruction.position < m_barrier)
        return {};
    u32 first_add = static_cast<u32>(Op::I32AddLL);
    u32 value = static_cast<u32>(instruction.op);
    Optional<u32> form;
    if (instruction.op == Op::I32Add)
        form = static_cast<u32>(FusedForm::SS);
    else if (value >= first_add && value < first_add + fused_forms_per_group && value != first_add + static_cast<u32>(FusedForm::SM))
        form = value - first_add;
    if (!form.has_value() || instruction.position + 1 + fused_operand_words[form.value()] != end)
        return {};
    return form;
}

// Stores (`fused` is NameLL, the first of the fused store forms): the value from a local or a
// constant pushed just before joins the store, and so does an address from a local.get or an
// i32.add just before that; an address from a removable local.get or tee (see OperandOrigin) joins
// a value computed on the stack.
void FusingCodeWriter::store(Op plain, Op fused, u64 offset)
{
    if (!live() || m_error.is_error())
        return;
    auto form = [fused](StoreForm base, u32 index = 0) { return static_cast<Op>(static_cast<u32>(fused) + static_cast<u32>(base) + index); };
    const EmittedInstruction last = m_recent[0];
    const EmittedInstruction before = m_recent[1];
    bool joinable = last.position >= m_barrier && last.position + 2 == m_code.size();
    bool value_local = joinable && last.op == Op::LocalGet1;
    bool value_constant = joinable && last.op == Op::Const1;
    if (!value_local && !value_constant) {
        if (origin_removable(0)) {
            u64 slot = remove_origin(0);
            // `local.get p ... local.get p; T.load o; T.op; T.store o` with the full-width T: the
            // operation's SM form becomes its in-place update of that memory.
            const EmittedInstruction newest = m_recent[0];
            u32 first_fused = static_cast<u32>(Op::FirstFused) + 1;
            u32 value = static_cast<u32>(newest.op);
            ValueType stored = plain == Op::I32Store ? ValueType::I32
                : plain == Op::I64Store             ? ValueType::I64
                : plain == Op::F32Store             ? ValueType::F32
                : plain == Op::F64Store             ? ValueType::F64
                                                    : UnknownType;
            if (stored != UnknownType && newest.position >= m_barrier && newest.position + 3 == m_code.size() && value >= first_fused
                && value < static_cast<u32>(Op::FusedEnd) && (value - first_fused) % fused_forms == static_cast<u32>(FusedForm::SM)) {
                u32 operation = (value - first_fused) / fused_forms;
                if (operation >= compare_operation_count && arithmetic_operand_types[operation - compare_operation_count] == stored
                    && m_code[newest.position + 1].value == slot && m_code[newest.position + 2].value == offset) {
                    rewrite_newest(static_cast<Op>(static_cast<u32>(Op::FusedEnd) + 1 + operation - compare_operation_count));
                    join_multiply_add();
                    return;
                }
            }
            emit(form(StoreForm::LS));
            emit_value(slot);
            emit_value(offset);
            return;
        }
        emit(plain);
        emit_value(offset);
        return;
    }
    u64 value = m_code[last.position + 1].value;
    m_code.shrink(last.position);
    m_recent[0] = before;
    m_recent[1] = EmittedInstruction {};
    if (before.op == Op::LocalGet1 && before.position >= m_barrier && before.position + 2 == last.position) {
        u64 address_slot = m_code[before.position + 1].value;
        m_code.shrink(before.position);
        m_recent[0] = EmittedInstruction {};
        emit(form(value_local ? StoreForm::LL : StoreForm::LC));
        emit_value(address_slot);
        emit_value(value);
        emit_value(offset);
        return;
    }
    if (auto add = address_add_form(before, last.position); add.has_value()) {
        rewrite_newest(form(value_local ? StoreForm::AddedLocal : StoreForm::AddedConstant, add.value()));
        emit_value(value);
        emit_value(offset);
        return;
    }
    emit(form(value_local ? StoreForm::SL : StoreForm::SC));
    emit_value(value);
    emit_value(offset);
}

// `x[i] += a * b` in floats: an in-place add (F32AddSMW / F64AddSMW, the newest instruction) whose
// pushed operand is the product the instruction just before computes (a multiply in any operand
// form but SM) becomes one multiply-add update: <T>MulAdd<form>W {the multiply's operands, slot,
// offset}. Both roundings stay (the product is rounded before the add: no fused multiply-add).
void FusingCodeWriter::join_multiply_add()
{
    const EmittedInstruction update = m_recent[0];
    const EmittedInstruction product = m_recent[1];
    Op first;
    Op multiply;
    if (update.op == Op::F64AddSMW) {
        first = Op::F64MulAddLLW;
        multiply = Op::F64Mul;
    } else if (update.op == Op::F32AddSMW) {
        first = Op::F32MulAddLLW;
        multiply = Op::F32Mul;
    } else {
        return;
    }
    if (product.position < m_barrier)
        return;
    u32 first_fused = static_cast<u32>(Op::FirstFused) + 1;
    u32 group = first_fused + (static_cast<u32>(multiply) - static_cast<u32>(Op::I32Eq)) * fused_forms;
    u32 value = static_cast<u32>(product.op);
    Optional<u32> form;
    if (product.op == multiply)
        form = static_cast<u32>(FusedForm::SS);
    else if (value >= group && value < group + fused_forms_per_group && value != group + static_cast<u32>(FusedForm::SM))
        form = value - group;
    if (!form.has_value() || product.position + 1 + fused_operand_words[form.value()] != update.position)
        return;
    // Drop the update's handler word: its {slot, offset} follow the multiply's operands.
    m_code[update.position] = m_code[update.position + 1];
    m_code[update.position + 1] = m_code[update.position + 2];
    m_code.shrink(update.position + 2);
    m_code[product.position].handler = handler_of(static_cast<Op>(static_cast<u32>(first) + form.value()));
    m_recent[0] = EmittedInstruction { static_cast<Op>(static_cast<u32>(first) + form.value()), product.position };
    m_recent[1] = EmittedInstruction {};
}

void FusingCodeWriter::note_local_write(u64 slot, bool wide)
{
    if (!live() || slot >= m_last_write.size())
        return;
    m_last_write[slot] = m_recent[0].position;
    if (wide && slot + 1 < m_last_write.size())
        m_last_write[slot + 1] = m_recent[0].position;
}

void FusingCodeWriter::set_top_origin(u8 kind, u64 slot)
{
    if (!live())
        return;
    m_operands->set_top_origin(OperandOrigin { kind, static_cast<u16>(m_recent[0].op), m_recent[0].position, slot });
}

// Whether the entry popped `popped_index` pops ago (0: the newest) may be read from its local
// instead: its local.get / tee is still in the code after every branch, call, block start and
// branch target, and nothing wrote the local since.
bool FusingCodeWriter::origin_removable(usize popped_index) const
{
    const OperandOrigin& origin = m_operands->popped_origin(popped_index);
    if (!live() || origin.kind == OriginNone || origin.position < m_fence || origin.position < m_barrier)
        return false;
    if (origin.slot >= m_last_write.size() || m_last_write[origin.slot] > origin.position)
        return false;
    return origin.position < m_code.size() && m_code[origin.position].handler == handler_of(static_cast<Op>(origin.code));
}

// Takes a removable entry out of the stack: deletes its local.get (moving the later code down) or
// turns its tee into a plain store to the local. Returns the local's slot. After a deletion, the
// recorded write positions of the moved code are 2 words too high; that only ever errs on the safe
// side: for entries below (pushed before the deleted local.get) such a write still counts as later,
// and every entry pushed from now on starts beyond all of them.
u64 FusingCodeWriter::remove_origin(usize popped_index)
{
    const OperandOrigin origin = m_operands->popped_origin(popped_index);
    m_operands->popped_origin(popped_index) = OperandOrigin {};
    usize at = origin.position;
    if (origin.kind == OriginGet) {
        usize size = m_code.size();
        for (usize i = at + 2; i < size; ++i)
            m_code[i - 2] = m_code[i];
        m_code.shrink(size - 2);
        for (auto& recent : m_recent) {
            if (recent.position == at && recent.op == Op::LocalGet1)
                recent = EmittedInstruction {};
            else if (recent.position > at)
                recent.position -= 2;
        }
        return origin.slot;
    }
    // The tee forms: LocalTee1, a shifted-operand T form (16 after its S form) or a fused T form.
    u32 tee_op = origin.code;
    Op stored = static_cast<Op>(origin.code) == Op::LocalTee1           ? Op::LocalSet1
        : tee_op >= static_cast<u32>(Op::I32AddWithShlT) ? static_cast<Op>(tee_op - (static_cast<u32>(Op::I32AddWithShlT) - static_cast<u32>(Op::I32AddWithShlS)))
                                                        : static_cast<Op>(tee_op - static_cast<u32>(FusedGroup::Tee) + static_cast<u32>(FusedGroup::Store));
    m_code[at].handler = handler_of(stored);
    for (auto& recent : m_recent) {
        if (recent.position == at)
            recent.op = stored;
    }
    return origin.slot;
}

// Returns how the value a tee leaves on the stack may be found later (OperandOrigin kind).
u8 FusingCodeWriter::emit_local_store(bool tee, bool wide, u64 slot)
{
    if (!wide && live()) {
        // `i32.const c; local.set x` and `local.get y; local.set x` become one instruction. A tee
        // of them is that plus `i32.const c` again or a fresh `local.get x`, which later consumers
        // can fold into their operands.
        const EmittedInstruction last = m_recent[0];
        bool joinable = last.position >= m_barrier && last.position + 2 == m_code.size();
        if (joinable && (last.op == Op::Const1 || last.op == Op::LocalGet1)) {
            u64 immediate = m_code[last.position + 1].value;
            bool constant = last.op == Op::Const1;
            if (tee && !constant && immediate == slot)
                return OriginGet; // the local already holds the value
            m_code.shrink(last.position);
            m_recent[0] = m_recent[1];
            m_recent[1] = EmittedInstruction {};
            emit(constant ? Op::LocalSetConstant : Op::LocalCopy);
            emit_value(constant ? slot : immediate);
            emit_value(constant ? immediate : slot);
            note_local_write(slot, false);
            if (!tee)
                return OriginNone;
            emit(last.op);
            emit_value(constant ? immediate : slot);
            return constant ? OriginNone : OriginGet;
        }
    }
    emit_local_store_code(tee, wide, slot);
    note_local_write(slot, wide);
    return tee && !wide ? OriginTee : OriginNone;
}

void FusingCodeWriter::emit_local_store_code(bool tee, bool wide, u64 slot)
{
    if (!wide) {
        if (auto fused = joinable_fused_operation(); fused.has_value()) {
            auto group = tee ? FusedGroup::Tee : FusedGroup::Store;
            rewrite_newest(static_cast<Op>(static_cast<u32>(fused.value()) + static_cast<u32>(group)));
            emit_value(slot);
            return;
        }
        // A shifted-operand operation (push form, just before) stores or tees its result itself.
        constexpr u32 shifted_forms = 4 * (0 ATH_WASM_SHIFTED_OPERAND_OPS(ATH_COUNT_ONE));
        const EmittedInstruction last = m_recent[0];
        u32 value = static_cast<u32>(last.op) - static_cast<u32>(Op::I32AddWithShl);
        if (live() && value < shifted_forms && last.position >= m_barrier && last.position + 3 == m_code.size()) {
            rewrite_newest(static_cast<Op>(static_cast<u32>(last.op) + (tee ? 2 : 1) * shifted_forms));
            emit_value(slot);
            return;
        }
    }
    emit(tee ? (wide ? Op::LocalTee2 : Op::LocalTee1) : (wide ? Op::LocalSet2 : Op::LocalSet1));
    emit_value(slot);
}

// `local.get i; (i32.const c | local.get c); i32.add; local.tee t; (i32.const n | local.get n);
// i32.<compare>; br_if`: the add (teed) and the compare (pushed, SC or SL form, as `compare`; or
// LS when `local.get n` came first) are the two newest instructions; they become one loop step
// (its target word follows).
bool FusingCodeWriter::emit_loop_step(Op compare)
{
    u32 first_fused = static_cast<u32>(Op::FirstFused) + 1;
    u32 value = static_cast<u32>(compare) - first_fused;
    u32 operation = value / fused_forms, form = value % fused_forms;
    constexpr u32 i32_compare_count = 0 ATH_WASM_I32_COMPARE_OPS(ATH_COUNT_ONE);
    // LS: the bound is the compare's first operand (`n < i + c`): the same test with the operands
    // swapped (eq, ne stay; lt <-> gt, le <-> ge, in the opcode order eq ne lt_s lt_u gt_s gt_u
    // le_s le_u ge_s ge_u).
    constexpr u32 swapped[] = { 0, 1, 4, 5, 2, 3, 8, 9, 6, 7 };
    static_assert(sizeof(swapped) / sizeof(swapped[0]) == i32_compare_count);
    bool reversed = form == static_cast<u32>(FusedForm::LS);
    if (operation >= i32_compare_count
        || (form != static_cast<u32>(FusedForm::SC) && form != static_cast<u32>(FusedForm::SL) && !reversed))
        return false;
    const EmittedInstruction step = m_recent[1];
    const EmittedInstruction test = m_recent[0];
    if ((step.op != Op::I32AddLCT && step.op != Op::I32AddLLT) || step.position < m_barrier || step.position + 4 != test.position
        || test.position + 2 != m_code.size())
        return false;
    u64 index = m_code[step.position + 1].value;
    u64 increment = m_code[step.position + 2].value;
    u64 tee = m_code[step.position + 3].value;
    u64 bound = m_code[test.position + 1].value;
    m_code.shrink(step.position);
    m_recent[0] = m_recent[1] = EmittedInstruction {};
    u32 variant = (step.op == Op::I32AddLLT ? 2 : 0) + (form == static_cast<u32>(FusedForm::SC) ? 0 : 1);
    if (reversed)
        operation = swapped[operation];
    emit(static_cast<Op>(static_cast<u32>(Op::I32EqStepLCC) + operation * 4 + variant));
    emit_value(index);
    emit_value(increment);
    emit_value(tee);
    emit_value(bound);
    m_fence = step.position;
    return true;
}

// A conditional jump; the condition's producer joins it when it can: a fused comparison becomes
// its branch form, and `i32.eqz` flips the sense of the jump.
void FusingCodeWriter::conditional_jump(bool jump_if_true)
{
    if (jump_if_true) {
        if (auto fused = joinable_fused_operation(); fused.has_value()) {
            if (emit_loop_step(fused.value()))
                return;
            rewrite_newest(static_cast<Op>(static_cast<u32>(fused.value()) + static_cast<u32>(FusedGroup::Branch)));
            m_fence = m_recent[0].position;
            return;
        }
        // `i + c; local.tee t; br_if` (also `i - c`, emitted as an add): store and branch on the
        // new value.
        const EmittedInstruction newest = m_recent[0];
        if (live() && newest.op == Op::I32AddLCT && newest.position >= m_barrier && newest.position + 4 == m_code.size()) {
            rewrite_newest(Op::I32AddLCSB);
            m_fence = newest.position;
            return;
        }
    }
    const EmittedInstruction last = m_recent[0];
    if (live() && last.op == Op::I32Eqz && last.position >= m_barrier && last.position + 1 == m_code.size()) {
        m_code.shrink(last.position);
        m_recent[0] = m_recent[1];
        m_recent[1] = EmittedInstruction {};
        jump_if_true = !jump_if_true;
    }
    // A condition straight from a local: `local.get x; br_if` (or `if`, or with i32.eqz between).
    const EmittedInstruction newest = m_recent[0];
    if (live() && newest.op == Op::LocalGet1 && newest.position >= m_barrier && newest.position + 2 == m_code.size()) {
        u64 slot = m_code[newest.position + 1].value;
        m_code.shrink(newest.position);
        m_recent[0] = m_recent[1];
        m_recent[1] = EmittedInstruction {};
        emit(jump_if_true ? Op::BrIfLocal : Op::BrUnlessLocal);
        emit_value(slot);
        return;
    }
    emit(jump_if_true ? Op::BrIf : Op::BrUnless);
}
void FusingCodeWriter::emit_value(u64 value)
{
    if (live()) {
        Instr word;
        word.value = value;
        m_error = m_error.is_error() ? m_error : m_code.append(word);
    }
}

void FusingCodeWriter::emit_offset_to(usize position)
{
    emit_value(static_cast<u64>(static_cast<i64>(position) - static_cast<i64>(m_code.size())));
}

ErrorOr FusingCodeWriter::begin(FunctionValidator& validator, u32 local_slots)
{
    m_validator = &validator;
    m_operands = &validator.operands();
    TRY(m_last_write.resize(local_slots, 0));
    m_fence = m_code.size();
    m_barrier = m_code.size();
    return {};
}

bool FusingCodeWriter::absorbable(const EmittedInstruction& instruction, Op op, usize words, usize end) const
{
    return instruction.op == op && instruction.position >= m_barrier && instruction.position + words == end;
}

// The local.get / tee origins the operand stack carries (OperandOrigin) for this writer.
void FusingCodeWriter::local_get(u64 slot, bool wide)
{
    emit(wide ? Op::LocalGet2 : Op::LocalGet1);
    emit_value(slot);
    if (!wide)
        set_top_origin(OriginGet, slot);
}

void FusingCodeWriter::local_store(bool tee, bool wide, u64 slot)
{
    u8 origin = emit_local_store(tee, wide, slot);
    if (tee && origin != OriginNone)
        set_top_origin(origin, slot);
}

} // namespace ath::wasm
