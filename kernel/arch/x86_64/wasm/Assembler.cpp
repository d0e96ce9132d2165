// Encodings of the x86_64 instructions the Wasm compiler uses (Intel SDM vol. 2). Every byte goes
// through byte(), which keeps an allocation failure for failed() instead of losing it.
#include "Assembler.h"

namespace ath::x86_64 {

void Assembler::byte(u8 value)
{
    if (m_code.append(value).is_error())
        m_failed = true;
}

void Assembler::bytes(const u8* data, usize count)
{
    for (usize i = 0; i < count; ++i)
        byte(data[i]);
}

void Assembler::u32_at_end(u32 value)
{
    for (int i = 0; i < 4; ++i)
        byte(static_cast<u8>(value >> (8 * i)));
}

void Assembler::u64_at_end(u64 value)
{
    for (int i = 0; i < 8; ++i)
        byte(static_cast<u8>(value >> (8 * i)));
}

void Assembler::patch32(u32 at, u32 value)
{
    if (m_failed || at + 4 > m_code.size())
        return;
    for (int i = 0; i < 4; ++i)
        m_code[at + i] = static_cast<u8>(value >> (8 * i));
}

// ---- labels ---------------------------------------------------------------------------------

Assembler::Label Assembler::new_label()
{
    Label label { static_cast<u32>(m_labels.size()) };
    if (m_labels.append(LabelState {}).is_error()) {
        m_failed = true;
        return Label { 0 }; // harmless: the code is discarded once failed() is seen
    }
    return label;
}

void Assembler::bind(Label label)
{
    if (m_failed)
        return;
    m_labels[label.id].position = static_cast<i64>(m_code.size());
    resolve(label.id);
}

void Assembler::resolve(u32 label_id)
{
    LabelState& state = m_labels[label_id];
    i64 chain = state.fixups;
    while (chain >= 0) {
        Fixup& fixup = m_fixups[static_cast<usize>(chain)];
        patch32(fixup.at, static_cast<u32>(static_cast<i64>(state.position) - fixup.relative_to));
        chain = fixup.next;
        --m_pending_fixups;
    }
    state.fixups = -1;
}

void Assembler::rel32_to(Label label, u32 field_at, u32 relative_to)
{
    if (m_failed)
        return;
    LabelState& state = m_labels[label.id];
    if (state.position >= 0) {
        patch32(field_at, static_cast<u32>(state.position - static_cast<i64>(relative_to)));
        return;
    }
    if (m_fixups.append(Fixup { field_at, relative_to, state.fixups }).is_error()) {
        m_failed = true;
        return;
    }
    m_labels[label.id].fixups = static_cast<i64>(m_fixups.size() - 1);
    ++m_pending_fixups;
}

// ---- encoding helpers -----------------------------------------------------------------------

void Assembler::rex(bool w, u8 reg, u8 index, u8 base, bool force)
{
    u8 value = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) | ((base & 8) ? 1 : 0);
    if (value != 0x40 || force)
        byte(value);
}

void Assembler::op_reg(bool w, const u8* opcode, usize opcode_length, u8 reg, u8 rm, bool force_rex)
{
    // Mandatory prefixes (0x66, 0xF3) come before REX.
    usize prefix = 0;
    while (prefix < opcode_length && (opcode[prefix] == 0x66 || opcode[prefix] == 0xF3 || opcode[prefix] == 0xF2))
        byte(opcode[prefix++]);
    rex(w, reg, 0, rm, force_rex);
    bytes(opcode + prefix, opcode_length - prefix);
    byte(static_cast<u8>(0xC0 | ((reg & 7) << 3) | (rm & 7)));
}

void Assembler::op_mem(bool w, const u8* opcode, usize opcode_length, u8 reg, const Mem& mem, bool force_rex)
{
    usize prefix = 0;
    while (prefix < opcode_length && (opcode[prefix] == 0x66 || opcode[prefix] == 0xF3))
        byte(opcode[prefix++]);
    rex(w, reg, mem.has_index ? number(mem.index) : 0, number(mem.base), force_rex);
    bytes(opcode + prefix, opcode_length - prefix);
    modrm_mem(reg, mem);
}

void Assembler::modrm_mem(u8 reg, const Mem& mem)
{
    u8 base = number(mem.base) & 7;
    // mod 00 with base 101 means rip/disp32, so rbp and r13 always take a displacement.
    u8 mod = (mem.displacement == 0 && base != 5) ? 0 : (mem.displacement >= -128 && mem.displacement <= 127) ? 1 : 2;
    bool needs_sib = mem.has_index || base == 4; // rsp and r12 as a base need a SIB byte
    byte(static_cast<u8>((mod << 6) | ((reg & 7) << 3) | (needs_sib ? 4 : base)));
    if (needs_sib) {
        u8 scale_bits = mem.scale == 8 ? 3 : mem.scale == 4 ? 2 : mem.scale == 2 ? 1 : 0;
        u8 index = mem.has_index ? (number(mem.index) & 7) : 4; // 100: no index
        byte(static_cast<u8>((scale_bits << 6) | (index << 3) | base));
    }
    if (mod == 1)
        byte(static_cast<u8>(static_cast<i8>(mem.displacement)));
    else if (mod == 2)
        u32_at_end(static_cast<u32>(mem.displacement));
}

// ---- data movement --------------------------------------------------------------------------

void Assembler::mov(Width width, Reg destination, Reg source) { op_reg(width == Width::W64, 0x89, number(source), number(destination)); }

void Assembler::mov_imm(Reg destination, u64 value)
{
    u8 d = number(destination);
    if (value <= 0xFFFFFFFFull) { // mov r32, imm32 zero-extends
        rex(false, 0, 0, d);
        byte(static_cast<u8>(0xB8 + (d & 7)));
        u32_at_end(static_cast<u32>(value));
    } else if (static_cast<i64>(value) >= -0x80000000ll && static_cast<i64>(value) <= 0x7FFFFFFFll) {
        op_reg(true, 0xC7, 0, d); // mov r/m64, simm32
        u32_at_end(static_cast<u32>(value));
    } else {
        rex(true, 0, 0, d);
        byte(static_cast<u8>(0xB8 + (d & 7)));
        u64_at_end(value);
    }
}

void Assembler::load(Width width, Reg destination, Mem mem) { op_mem(width == Width::W64, 0x8B, number(destination), mem); }
void Assembler::store(Width width, Mem mem, Reg source) { op_mem(width == Width::W64, 0x89, number(source), mem); }
// A byte store of sil/dil/spl/bpl needs a REX prefix (without one they would be dh/bh/ah/ch).
void Assembler::store8(Mem mem, Reg source) { op_mem(false, 0x88, number(source), mem, number(source) >= 4); }
void Assembler::store16(Mem mem, Reg source)
{
    static constexpr u8 opcode[] = { 0x66, 0x89 };
    op_mem(false, opcode, 2, number(source), mem);
}
void Assembler::store_imm32(Width width, Mem mem, i32 value)
{
    op_mem(width == Width::W64, 0xC7, 0, mem);
    u32_at_end(static_cast<u32>(value));
}
void Assembler::store_imm8(Mem mem, u8 value)
{
    op_mem(false, 0xC6, 0, mem);
    byte(value);
}

void Assembler::load_zero_extend8(Reg destination, Mem mem)
{
    static constexpr u8 opcode[] = { 0x0F, 0xB6 };
    op_mem(false, opcode, 2, number(destination), mem);
}
void Assembler::load_zero_extend16(Reg destination, Mem mem)
{
    static constexpr u8 opcode[] = { 0x0F, 0xB7 };
    op_mem(false, opcode, 2, number(destination), mem);
}
void Assembler::load_sign_extend8(Width width, Reg destination, Mem mem)
{
    static constexpr u8 opcode[] = { 0x0F, 0xBE };
    op_mem(width == Width::W64, opcode, 2, number(destination), mem);
}
void Assembler::load_sign_extend16(Width width, Reg destination, Mem mem)
{
    static constexpr u8 opcode[] = { 0x0F, 0xBF };
    op_mem(width == Width::W64, opcode, 2, number(destination), mem);
}
void Assembler::load_sign_extend32(Reg destination, Mem mem) { op_mem(true, 0x63, number(destination), mem); }
void Assembler::sign_extend8(Width width, Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0x0F, 0xBE };
    op_reg(width == Width::W64, opcode, 2, number(destination), number(source), number(source) >= 4);
}
void Assembler::sign_extend16(Width width, Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0x0F, 0xBF };
    op_reg(width == Width::W64, opcode, 2, number(destination), number(source));
}
void Assembler::sign_extend32(Reg destination, Reg source) { op_reg(true, 0x63, number(destination), number(source)); }
void Assembler::zero_extend8(Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0x0F, 0xB6 };
    op_reg(false, opcode, 2, number(destination), number(source), number(source) >= 4);
}

void Assembler::lea(Reg destination, Mem mem) { op_mem(true, 0x8D, number(destination), mem); }

void Assembler::lea_rip(Reg destination, Label label)
{
    rex(true, number(destination), 0, 0);
    byte(0x8D);
    byte(static_cast<u8>(((number(destination) & 7) << 3) | 5)); // mod 00, rm 101: [rip + disp32]
    u32 field = static_cast<u32>(m_code.size());
    u32_at_end(0);
    rel32_to(label, field, field + 4);
}

void Assembler::push(Reg reg)
{
    rex(false, 0, 0, number(reg));
    byte(static_cast<u8>(0x50 + (number(reg) & 7)));
}
void Assembler::pop(Reg reg)
{
    rex(false, 0, 0, number(reg));
    byte(static_cast<u8>(0x58 + (number(reg) & 7)));
}
void Assembler::push_mem(Mem mem) { op_mem(false, 0xFF, 6, mem); }
void Assembler::pop_mem(Mem mem) { op_mem(false, 0x8F, 0, mem); }

// ---- arithmetic -----------------------------------------------------------------------------

void Assembler::alu(AluOp op, Width width, Reg destination, Reg source)
{
    op_reg(width == Width::W64, static_cast<u8>(static_cast<u8>(op) * 8 + 1), number(source), number(destination));
}

void Assembler::alu_imm(AluOp op, Width width, Reg destination, i32 value)
{
    if (value >= -128 && value <= 127) {
        op_reg(width == Width::W64, 0x83, static_cast<u8>(op), number(destination));
        byte(static_cast<u8>(static_cast<i8>(value)));
    } else {
        op_reg(width == Width::W64, 0x81, static_cast<u8>(op), number(destination));
        u32_at_end(static_cast<u32>(value));
    }
}

void Assembler::alu_mem_imm8(AluOp op, Mem mem, u8 value)
{
    op_mem(false, 0x80, static_cast<u8>(op), mem);
    byte(value);
}

void Assembler::test(Width width, Reg a, Reg b) { op_reg(width == Width::W64, 0x85, number(b), number(a)); }

void Assembler::imul(Width width, Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0x0F, 0xAF };
    op_reg(width == Width::W64, opcode, 2, number(destination), number(source));
}

void Assembler::div(Width width, Reg divisor) { op_reg(width == Width::W64, 0xF7, 6, number(divisor)); }
void Assembler::idiv(Width width, Reg divisor) { op_reg(width == Width::W64, 0xF7, 7, number(divisor)); }

void Assembler::sign_extend_rax_into_rdx(Width width)
{
    if (width == Width::W64)
        byte(0x48);
    byte(0x99);
}

void Assembler::shift_cl(ShiftOp op, Width width, Reg destination) { op_reg(width == Width::W64, 0xD3, static_cast<u8>(op), number(destination)); }

void Assembler::shift_imm(ShiftOp op, Width width, Reg destination, u8 count)
{
    op_reg(width == Width::W64, 0xC1, static_cast<u8>(op), number(destination));
    byte(count);
}

void Assembler::bsr(Width width, Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0x0F, 0xBD };
    op_reg(width == Width::W64, opcode, 2, number(destination), number(source));
}
void Assembler::bsf(Width width, Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0x0F, 0xBC };
    op_reg(width == Width::W64, opcode, 2, number(destination), number(source));
}
void Assembler::popcnt(Width width, Reg destination, Reg source)
{
    static constexpr u8 opcode[] = { 0xF3, 0x0F, 0xB8 };
    op_reg(width == Width::W64, opcode, 3, number(destination), number(source));
}

void Assembler::setcc(Cond cond, Reg destination)
{
    const u8 opcode[] = { 0x0F, static_cast<u8>(0x90 + static_cast<u8>(cond)) };
    op_reg(false, opcode, 2, 0, number(destination), number(destination) >= 4);
}

void Assembler::cmov(Cond cond, Width width, Reg destination, Reg source)
{
    const u8 opcode[] = { 0x0F, static_cast<u8>(0x40 + static_cast<u8>(cond)) };
    op_reg(width == Width::W64, opcode, 2, number(destination), number(source));
}

// ---- SSE ------------------------------------------------------------------------------------

void Assembler::sse(u8 prefix, u8 opcode, bool w, u8 destination, u8 source)
{
    const u8 with_prefix[] = { prefix, 0x0F, opcode };
    if (prefix)
        op_reg(w, with_prefix, 3, destination, source);
    else
        op_reg(w, with_prefix + 1, 2, destination, source);
}

void Assembler::movq_to_xmm(Width width, u8 xmm, Reg source) { sse(0x66, 0x6E, width == Width::W64, xmm, number(source)); }
void Assembler::movq_from_xmm(Width width, Reg destination, u8 xmm) { sse(0x66, 0x7E, width == Width::W64, xmm, number(destination)); }

void Assembler::round_scalar(bool is_double, u8 destination, u8 source, u8 mode)
{
    const u8 opcode[] = { 0x66, 0x0F, 0x3A, static_cast<u8>(is_double ? 0x0B : 0x0A) };
    op_reg(false, opcode, 4, destination, source);
    byte(mode);
}

// ---- control --------------------------------------------------------------------------------

void Assembler::jmp(Label label)
{
    byte(0xE9);
    u32 field = static_cast<u32>(m_code.size());
    u32_at_end(0);
    rel32_to(label, field, field + 4);
}

void Assembler::jcc(Cond cond, Label label)
{
    byte(0x0F);
    byte(static_cast<u8>(0x80 + static_cast<u8>(cond)));
    u32 field = static_cast<u32>(m_code.size());
    u32_at_end(0);
    rel32_to(label, field, field + 4);
}

void Assembler::call(Label label)
{
    byte(0xE8);
    u32 field = static_cast<u32>(m_code.size());
    u32_at_end(0);
    rel32_to(label, field, field + 4);
}

void Assembler::call_reg(Reg reg) { op_reg(false, 0xFF, 2, number(reg)); }
void Assembler::jmp_reg(Reg reg) { op_reg(false, 0xFF, 4, number(reg)); }
void Assembler::ret() { byte(0xC3); }
void Assembler::ud2()
{
    byte(0x0F);
    byte(0x0B);
}
void Assembler::rep_stosq()
{
    byte(0xF3);
    byte(0x48);
    byte(0xAB);
}

void Assembler::align(u32 alignment)
{
    while (m_code.size() % alignment && !m_failed)
        byte(0xCC);
}

void Assembler::data64(u64 value) { u64_at_end(value); }

void Assembler::table_entry(Label target, Label table_start)
{
    u32 field = static_cast<u32>(m_code.size());
    u32_at_end(0);
    if (m_failed)
        return;
    VERIFY(is_bound(table_start));
    rel32_to(target, field, label_position(table_start));
}

} // namespace ath::x86_64
