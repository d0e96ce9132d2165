#pragma once

// A small x86_64 macro-assembler for the Wasm compiler tier (kernel/arch/x86_64/wasm/Compiler.cpp):
// the encodings the compiler uses, into an allocator-backed buffer, with labels and fix-ups.
// Linear time: every fix-up is patched once, when its label is bound (or at once if it already is).
// Freestanding (the kernel will link it); allocation failures are kept and reported by failed().
#include <kernel/lib/Types.h>
#include <kernel/wasm/Vector.h>

namespace ath::x86_64 {

enum class Reg : u8 { Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15 };

// Condition codes (the low nibble of Jcc/SETcc/CMOVcc).
enum class Cond : u8 { O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G };
constexpr Cond negate(Cond cond) { return static_cast<Cond>(static_cast<u8>(cond) ^ 1); }

// [base + index * scale + displacement]; `has_index` false: [base + displacement].
struct Mem {
    Reg base { Reg::Rax };
    Reg index { Reg::Rax };
    u8 scale { 1 };
    bool has_index { false };
    i32 displacement { 0 };

    static Mem at(Reg base, i32 displacement = 0) { return Mem { base, Reg::Rax, 1, false, displacement }; }
    static Mem indexed(Reg base, Reg index, u8 scale, i32 displacement) { return Mem { base, index, scale, true, displacement }; }
};

enum class Width : u8 { W32, W64 };

// Two-operand integer operations: the /digit of opcode 0x81 (the r/m,r opcode is digit * 8 + 1).
enum class AluOp : u8 { Add = 0, Or = 1, And = 4, Sub = 5, Xor = 6, Cmp = 7 };
// Shifts and rotates by CL or an immediate: the /digit of 0xD3 / 0xC1.
enum class ShiftOp : u8 { Rol = 0, Ror = 1, Shl = 4, Shr = 5, Sar = 7 };

class Assembler {
public:
    struct Label {
        u32 id { ~0u };
        bool is_valid() const { return id != ~0u; }
    };

    explicit Assembler(Allocator& allocator) : m_code(allocator), m_labels(allocator), m_fixups(allocator) { }

    bool failed() const { return m_failed; }
    usize size() const { return m_code.size(); }
    const u8* data() const { return m_code.data(); }

    Label new_label();
    void bind(Label);
    bool is_bound(Label label) const { return m_labels[label.id].position >= 0; }
    u32 label_position(Label label) const { return static_cast<u32>(m_labels[label.id].position); }
    // Whether every label with a fix-up has been bound.
    bool all_fixups_resolved() const { return m_pending_fixups == 0; }

    // Data movement.
    void mov(Width, Reg destination, Reg source);
    void mov_imm(Reg destination, u64 value); // the shortest of mov r32, imm32 / mov r64, simm32 / movabs
    void load(Width, Reg destination, Mem);
    void store(Width, Mem, Reg source);
    void store8(Mem, Reg source);
    void store16(Mem, Reg source);
    void store_imm32(Width, Mem, i32 value); // W64: sign-extended
    void store_imm8(Mem, u8 value);
    void load_zero_extend8(Reg destination, Mem);
    void load_zero_extend16(Reg destination, Mem);
    void load_sign_extend8(Width, Reg destination, Mem);
    void load_sign_extend16(Width, Reg destination, Mem);
    void load_sign_extend32(Reg destination, Mem); // movsxd r64, m32
    void sign_extend8(Width, Reg destination, Reg source);
    void sign_extend16(Width, Reg destination, Reg source);
    void sign_extend32(Reg destination, Reg source); // movsxd r64, r32
    void zero_extend8(Reg destination, Reg source);  // movzx r32, r8
    void lea(Reg destination, Mem);
    void lea_rip(Reg destination, Label); // lea r64, [rip + label]
    void push(Reg);
    void pop(Reg);
    void push_mem(Mem);
    void pop_mem(Mem);

    // Arithmetic and logic.
    void alu(AluOp, Width, Reg destination, Reg source);
    void alu_imm(AluOp, Width, Reg destination, i32 value);
    void alu_mem_imm8(AluOp, Mem, u8 value); // byte [m] op imm8 (cmp byte [m], 0)
    void test(Width, Reg a, Reg b);
    void imul(Width, Reg destination, Reg source);
    void div(Width, Reg divisor);  // unsigned rdx:rax / divisor
    void idiv(Width, Reg divisor); // signed
    void sign_extend_rax_into_rdx(Width); // cdq / cqo
    void shift_cl(ShiftOp, Width, Reg destination);
    void shift_imm(ShiftOp, Width, Reg destination, u8 count);
    void bsr(Width, Reg destination, Reg source);
    void bsf(Width, Reg destination, Reg source);
    void popcnt(Width, Reg destination, Reg source);
    void setcc(Cond, Reg destination); // the low byte only
    void cmov(Cond, Width, Reg destination, Reg source);

    // SSE scalar floating point (xmm0-15 by number). `prefix`: 0xF3 single, 0xF2 double, 0x66 or 0
    // as the instruction needs; `w` sets REX.W (64-bit integer operands of cvtsi2ss/sd, movq).
    void sse(u8 prefix, u8 opcode, bool w, u8 destination, u8 source);
    void movq_to_xmm(Width, u8 xmm, Reg source);      // movd/movq xmm, r32/r64
    void movq_from_xmm(Width, Reg destination, u8 xmm); // movd/movq r32/r64, xmm (movd zero-extends)
    void round_scalar(bool is_double, u8 destination, u8 source, u8 mode); // SSE4.1 roundss/roundsd

    // Control.
    void jmp(Label);
    void jcc(Cond, Label);
    void call(Label);
    void call_reg(Reg);
    void jmp_reg(Reg);
    void ret();
    void ud2();
    void rep_stosq();
    // Pads with int3 to a multiple of `alignment` bytes; a raw 64-bit word (data in the code).
    void align(u32 alignment);
    void data64(u64 value);
    // A 32-bit table entry holding `target - table_start` (br_table's jump table; table_start bound).
    void table_entry(Label target, Label table_start);

private:
    struct LabelState {
        i64 position { -1 };
        i64 fixups { -1 }; // head of the chain of unresolved fix-ups (index into m_fixups)
    };
    struct Fixup {
        u32 at;          // the 32-bit field to patch
        u32 relative_to; // the value is target - relative_to
        i64 next;
    };

    void byte(u8);
    void bytes(const u8* data, usize count);
    void u32_at_end(u32);
    void u64_at_end(u64);
    void patch32(u32 at, u32 value);
    void rex(bool w, u8 reg, u8 index, u8 base, bool force = false);
    // REX (when needed) + opcode bytes + ModRM for a register operand.
    void op_reg(bool w, const u8* opcode, usize opcode_length, u8 reg, u8 rm, bool force_rex = false);
    // The same for a memory operand (ModRM, SIB and displacement).
    void op_mem(bool w, const u8* opcode, usize opcode_length, u8 reg, const Mem&, bool force_rex = false);
    void op_reg(bool w, u8 opcode, u8 reg, u8 rm, bool force_rex = false) { op_reg(w, &opcode, 1, reg, rm, force_rex); }
    void op_mem(bool w, u8 opcode, u8 reg, const Mem& mem, bool force_rex = false) { op_mem(w, &opcode, 1, reg, mem, force_rex); }
    void modrm_mem(u8 reg, const Mem&);
    void rel32_to(Label, u32 field_at, u32 relative_to);
    void resolve(u32 label_id);

    wasm::Vector<u8> m_code;
    wasm::Vector<LabelState> m_labels;
    wasm::Vector<Fixup> m_fixups;
    usize m_pending_fixups { 0 };
    bool m_failed { false };
};

constexpr u8 number(Reg reg) { return static_cast<u8>(reg); }

} // namespace ath::x86_64
