// The compiled tier (kernel/wasm/NativeTier.h, kernel/arch/x86_64/wasm): the assembler's encodings,
// compiled code against the interpreter on the same calls, traps, polls, hostile compile inputs,
// W^X, and the honest fallback. Labels `unit` and `compiler`; x86_64 hosts only.
#include "WasmBytes.h"

#include <kernel/arch/x86_64/wasm/Assembler.h>
#include <kernel/platform/hosted/HostedCodeMemory.h>
#include <kernel/platform/hosted/HostedLinearMemory.h>
#include <kernel/wasm/NativeTier.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace ath;
using namespace ath::wasm;
using namespace ath::wasm::test;
using ath::x86_64::AluOp;
using ath::x86_64::Assembler;
using ath::x86_64::Cond;
using ath::x86_64::Mem;
using ath::x86_64::Reg;
using ath::x86_64::ShiftOp;
using ath::x86_64::Width;

namespace {

// ---- assembler ------------------------------------------------------------------------------

using Bytes = std::vector<u8>;

template<typename Emit>
Bytes assemble(Emit emit)
{
    wasm::hosted::MallocAllocator allocator;
    Assembler a(allocator);
    emit(a);
    EXPECT_FALSE(a.failed());
    return Bytes(a.data(), a.data() + a.size());
}

struct Encoding {
    const char* text; // AT&T, as given to llvm-mc
    Bytes bytes;      // from `llvm-mc-19 -triple=x86_64 -show-encoding`
    void (*emit)(Assembler&);
};

TEST(WasmCompilerAssembler, EncodesLikeLlvmMc)
{
    const Encoding encodings[] = {
        { "mov %rsi, %rbx", { 0x48, 0x89, 0xf3 }, [](Assembler& a) { a.mov(Width::W64, Reg::Rbx, Reg::Rsi); } },
        { "mov %r8d, %eax", { 0x44, 0x89, 0xc0 }, [](Assembler& a) { a.mov(Width::W32, Reg::Rax, Reg::R8); } },
        { "movl $0x12345678, %r9d", { 0x41, 0xb9, 0x78, 0x56, 0x34, 0x12 }, [](Assembler& a) { a.mov_imm(Reg::R9, 0x12345678); } },
        { "movq $-5, %rcx", { 0x48, 0xc7, 0xc1, 0xfb, 0xff, 0xff, 0xff }, [](Assembler& a) { a.mov_imm(Reg::Rcx, static_cast<u64>(-5)); } },
        { "movabsq $0x123456789abcdef0, %r10", { 0x49, 0xba, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12 },
            [](Assembler& a) { a.mov_imm(Reg::R10, 0x123456789abcdef0ull); } },
        { "mov 8(%r14), %rax", { 0x49, 0x8b, 0x46, 0x08 }, [](Assembler& a) { a.load(Width::W64, Reg::Rax, Mem::at(Reg::R14, 8)); } },
        { "mov -16(%r13), %r12d", { 0x45, 0x8b, 0x65, 0xf0 }, [](Assembler& a) { a.load(Width::W32, Reg::R12, Mem::at(Reg::R13, -16)); } },
        { "mov 0x1000(%r15,%rsi,1), %rdi", { 0x49, 0x8b, 0xbc, 0x37, 0x00, 0x10, 0x00, 0x00 },
            [](Assembler& a) { a.load(Width::W64, Reg::Rdi, Mem::indexed(Reg::R15, Reg::Rsi, 1, 0x1000)); } },
        { "mov %rbx, 0(%r14)", { 0x49, 0x89, 0x1e }, [](Assembler& a) { a.store(Width::W64, Mem::at(Reg::R14, 0), Reg::Rbx); } },
        { "mov %sil, 3(%r15,%rdi,1)", { 0x41, 0x88, 0x74, 0x3f, 0x03 },
            [](Assembler& a) { a.store8(Mem::indexed(Reg::R15, Reg::Rdi, 1, 3), Reg::Rsi); } },
        { "mov %r8w, 0x7fffffff(%r15,%rbx,1)", { 0x66, 0x45, 0x89, 0x84, 0x1f, 0xff, 0xff, 0xff, 0x7f },
            [](Assembler& a) { a.store16(Mem::indexed(Reg::R15, Reg::Rbx, 1, 0x7fffffff), Reg::R8); } },
        { "movq $-1, 24(%r14)", { 0x49, 0xc7, 0x46, 0x18, 0xff, 0xff, 0xff, 0xff },
            [](Assembler& a) { a.store_imm32(Width::W64, Mem::at(Reg::R14, 24), -1); } },
        { "movb $1, 5(%r13)", { 0x41, 0xc6, 0x45, 0x05, 0x01 }, [](Assembler& a) { a.store_imm8(Mem::at(Reg::R13, 5), 1); } },
        { "movzbl 1(%rsp), %ebx", { 0x0f, 0xb6, 0x5c, 0x24, 0x01 }, [](Assembler& a) { a.load_zero_extend8(Reg::Rbx, Mem::at(Reg::Rsp, 1)); } },
        { "movsbq (%rbp), %r11", { 0x4c, 0x0f, 0xbe, 0x5d, 0x00 },
            [](Assembler& a) { a.load_sign_extend8(Width::W64, Reg::R11, Mem::at(Reg::Rbp, 0)); } },
        { "movswl 2(%r12), %esi", { 0x41, 0x0f, 0xbf, 0x74, 0x24, 0x02 },
            [](Assembler& a) { a.load_sign_extend16(Width::W32, Reg::Rsi, Mem::at(Reg::R12, 2)); } },
        { "movslq (%r15,%rax,1), %rdx", { 0x49, 0x63, 0x14, 0x07 },
            [](Assembler& a) { a.load_sign_extend32(Reg::Rdx, Mem::indexed(Reg::R15, Reg::Rax, 1, 0)); } },
        { "movsbl %sil, %edi", { 0x40, 0x0f, 0xbe, 0xfe }, [](Assembler& a) { a.sign_extend8(Width::W32, Reg::Rdi, Reg::Rsi); } },
        { "movzbl %dil, %edi", { 0x40, 0x0f, 0xb6, 0xff }, [](Assembler& a) { a.zero_extend8(Reg::Rdi, Reg::Rdi); } },
        { "movslq %ebx, %rbx", { 0x48, 0x63, 0xdb }, [](Assembler& a) { a.sign_extend32(Reg::Rbx, Reg::Rbx); } },
        { "lea 0x40(%r14), %r14", { 0x4d, 0x8d, 0x76, 0x40 }, [](Assembler& a) { a.lea(Reg::R14, Mem::at(Reg::R14, 0x40)); } },
        { "add %rsi, %rbx", { 0x48, 0x01, 0xf3 }, [](Assembler& a) { a.alu(AluOp::Add, Width::W64, Reg::Rbx, Reg::Rsi); } },
        { "sub $1, %r9d", { 0x41, 0x83, 0xe9, 0x01 }, [](Assembler& a) { a.alu_imm(AluOp::Sub, Width::W32, Reg::R9, 1); } },
        { "and $0x100, %r9d", { 0x41, 0x81, 0xe1, 0x00, 0x01, 0x00, 0x00 }, [](Assembler& a) { a.alu_imm(AluOp::And, Width::W32, Reg::R9, 0x100); } },
        { "xor $63, %rbx", { 0x48, 0x83, 0xf3, 0x3f }, [](Assembler& a) { a.alu_imm(AluOp::Xor, Width::W64, Reg::Rbx, 63); } },
        { "cmp $-1, %rcx", { 0x48, 0x83, 0xf9, 0xff }, [](Assembler& a) { a.alu_imm(AluOp::Cmp, Width::W64, Reg::Rcx, -1); } },
        { "cmpb $0, 0x30(%r13)", { 0x41, 0x80, 0x7d, 0x30, 0x00 }, [](Assembler& a) { a.alu_mem_imm8(AluOp::Cmp, Mem::at(Reg::R13, 0x30), 0); } },
        { "test %ecx, %ecx", { 0x85, 0xc9 }, [](Assembler& a) { a.test(Width::W32, Reg::Rcx, Reg::Rcx); } },
        { "imul %r8, %rdi", { 0x49, 0x0f, 0xaf, 0xf8 }, [](Assembler& a) { a.imul(Width::W64, Reg::Rdi, Reg::R8); } },
        { "idiv %rcx", { 0x48, 0xf7, 0xf9 }, [](Assembler& a) { a.idiv(Width::W64, Reg::Rcx); } },
        { "div %ecx", { 0xf7, 0xf1 }, [](Assembler& a) { a.div(Width::W32, Reg::Rcx); } },
        { "cqto", { 0x48, 0x99 }, [](Assembler& a) { a.sign_extend_rax_into_rdx(Width::W64); } },
        { "cltd", { 0x99 }, [](Assembler& a) { a.sign_extend_rax_into_rdx(Width::W32); } },
        { "shl %cl, %r11d", { 0x41, 0xd3, 0xe3 }, [](Assembler& a) { a.shift_cl(ShiftOp::Shl, Width::W32, Reg::R11); } },
        { "sar $3, %rbx", { 0x48, 0xc1, 0xfb, 0x03 }, [](Assembler& a) { a.shift_imm(ShiftOp::Sar, Width::W64, Reg::Rbx, 3); } },
        { "rol %cl, %rdi", { 0x48, 0xd3, 0xc7 }, [](Assembler& a) { a.shift_cl(ShiftOp::Rol, Width::W64, Reg::Rdi); } },
        { "bsr %r9, %r9", { 0x4d, 0x0f, 0xbd, 0xc9 }, [](Assembler& a) { a.bsr(Width::W64, Reg::R9, Reg::R9); } },
        { "popcnt %esi, %esi", { 0xf3, 0x0f, 0xb8, 0xf6 }, [](Assembler& a) { a.popcnt(Width::W32, Reg::Rsi, Reg::Rsi); } },
        { "sete %sil", { 0x40, 0x0f, 0x94, 0xc6 }, [](Assembler& a) { a.setcc(Cond::E, Reg::Rsi); } },
        { "cmovne %rax, %r12", { 0x4c, 0x0f, 0x45, 0xe0 }, [](Assembler& a) { a.cmov(Cond::NE, Width::W64, Reg::R12, Reg::Rax); } },
        { "push %r15", { 0x41, 0x57 }, [](Assembler& a) { a.push(Reg::R15); } },
        { "pop %rbp", { 0x5d }, [](Assembler& a) { a.pop(Reg::Rbp); } },
        { "pushq 0x40(%r13)", { 0x41, 0xff, 0x75, 0x40 }, [](Assembler& a) { a.push_mem(Mem::at(Reg::R13, 0x40)); } },
        { "popq 0x40(%r13)", { 0x41, 0x8f, 0x45, 0x40 }, [](Assembler& a) { a.pop_mem(Mem::at(Reg::R13, 0x40)); } },
        { "mov 0x10(%r13), %rsp", { 0x49, 0x8b, 0x65, 0x10 }, [](Assembler& a) { a.load(Width::W64, Reg::Rsp, Mem::at(Reg::R13, 0x10)); } },
        { "call *%rax", { 0xff, 0xd0 }, [](Assembler& a) { a.call_reg(Reg::Rax); } },
        { "jmp *%rax", { 0xff, 0xe0 }, [](Assembler& a) { a.jmp_reg(Reg::Rax); } },
        { "ret", { 0xc3 }, [](Assembler& a) { a.ret(); } },
        { "rep stosq", { 0xf3, 0x48, 0xab }, [](Assembler& a) { a.rep_stosq(); } },
        { "movq %rbx, %xmm0", { 0x66, 0x48, 0x0f, 0x6e, 0xc3 }, [](Assembler& a) { a.movq_to_xmm(Width::W64, 0, Reg::Rbx); } },
        { "movq %xmm0, %r12", { 0x66, 0x49, 0x0f, 0x7e, 0xc4 }, [](Assembler& a) { a.movq_from_xmm(Width::W64, Reg::R12, 0); } },
        { "movd %esi, %xmm1", { 0x66, 0x0f, 0x6e, 0xce }, [](Assembler& a) { a.movq_to_xmm(Width::W32, 1, Reg::Rsi); } },
        { "movd %xmm0, %edi", { 0x66, 0x0f, 0x7e, 0xc7 }, [](Assembler& a) { a.movq_from_xmm(Width::W32, Reg::Rdi, 0); } },
        { "addsd %xmm1, %xmm0", { 0xf2, 0x0f, 0x58, 0xc1 }, [](Assembler& a) { a.sse(0xF2, 0x58, false, 0, 1); } },
        { "divss %xmm1, %xmm0", { 0xf3, 0x0f, 0x5e, 0xc1 }, [](Assembler& a) { a.sse(0xF3, 0x5E, false, 0, 1); } },
        { "sqrtsd %xmm0, %xmm0", { 0xf2, 0x0f, 0x51, 0xc0 }, [](Assembler& a) { a.sse(0xF2, 0x51, false, 0, 0); } },
        { "ucomiss %xmm1, %xmm0", { 0x0f, 0x2e, 0xc1 }, [](Assembler& a) { a.sse(0, 0x2E, false, 0, 1); } },
        { "ucomisd %xmm0, %xmm1", { 0x66, 0x0f, 0x2e, 0xc8 }, [](Assembler& a) { a.sse(0x66, 0x2E, false, 1, 0); } },
        { "cvtsi2sdq %r9, %xmm0", { 0xf2, 0x49, 0x0f, 0x2a, 0xc1 }, [](Assembler& a) { a.sse(0xF2, 0x2A, true, 0, 9); } },
        { "cvtsi2ssl %ebx, %xmm0", { 0xf3, 0x0f, 0x2a, 0xc3 }, [](Assembler& a) { a.sse(0xF3, 0x2A, false, 0, 3); } },
        { "cvtsd2ss %xmm0, %xmm0", { 0xf2, 0x0f, 0x5a, 0xc0 }, [](Assembler& a) { a.sse(0xF2, 0x5A, false, 0, 0); } },
        { "roundsd $2, %xmm0, %xmm0", { 0x66, 0x0f, 0x3a, 0x0b, 0xc0, 0x02 }, [](Assembler& a) { a.round_scalar(true, 0, 0, 2); } },
        { "roundss $0, %xmm0, %xmm0", { 0x66, 0x0f, 0x3a, 0x0a, 0xc0, 0x00 }, [](Assembler& a) { a.round_scalar(false, 0, 0, 0); } },
    };
    for (const auto& encoding : encodings)
        EXPECT_EQ(assemble(encoding.emit), encoding.bytes) << encoding.text;
}

TEST(WasmCompilerAssembler, LabelsPatchForwardAndBackward)
{
    Bytes code = assemble([](Assembler& a) {
        auto top = a.new_label();
        auto bottom = a.new_label();
        a.bind(top);
        a.jcc(Cond::NE, bottom); // 0: 0f 85 rel32 -> 11
        a.jmp(top);              // 6: e9 rel32 -> 0
        a.bind(bottom);          // 11
        a.call(top);             // 11: e8 rel32 -> 0
        EXPECT_TRUE(a.all_fixups_resolved());
    });
    Bytes expected = { 0x0f, 0x85, 0x05, 0x00, 0x00, 0x00, 0xe9, 0xf5, 0xff, 0xff, 0xff, 0xe8, 0xf0, 0xff, 0xff, 0xff };
    EXPECT_EQ(code, expected);
}

TEST(WasmCompilerAssembler, JumpTableEntriesAreRelativeToTheTable)
{
    Bytes code = assemble([](Assembler& a) {
        auto table = a.new_label();
        auto first = a.new_label();
        auto second = a.new_label();
        a.lea_rip(Reg::Rax, table); // 0: 48 8d 05 rel32 -> 7
        a.bind(table);              // 7
        a.table_entry(second, table);
        a.table_entry(first, table);
        a.bind(first); // 15
        a.ret();
        a.bind(second); // 16
        a.ret();
        EXPECT_TRUE(a.all_fixups_resolved());
    });
    Bytes expected = { 0x48, 0x8d, 0x05, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0xc3, 0xc3 };
    EXPECT_EQ(code, expected);
}

TEST(WasmCompilerAssembler, UnboundLabelsAreReported)
{
    wasm::hosted::MallocAllocator allocator;
    Assembler a(allocator);
    auto nowhere = a.new_label();
    a.jmp(nowhere);
    EXPECT_FALSE(a.all_fixups_resolved());
    a.bind(nowhere);
    EXPECT_TRUE(a.all_fixups_resolved());
}

// ---- engine tiers ---------------------------------------------------------------------------

std::string module_path(const std::string& name) { return std::string(AZOTH_COMPILER_TEST_MODULES) + "/" + name + ".wasm"; }

ByteList read_module(const std::string& name)
{
    std::ifstream file(module_path(name), std::ios::binary);
    EXPECT_TRUE(file.good()) << module_path(name);
    std::stringstream content;
    content << file.rdbuf();
    std::string text = content.str();
    return ByteList(text.begin(), text.end());
}

ErrorOr add3(HostCall&, Span<const Value> arguments, Span<Value> results)
{
    results[0] = Value::from_i32(arguments[0].as_i32() + arguments[1].as_i32() + arguments[2].as_i32());
    return {};
}

// A Store on one tier: with `compiled`, memories that guard every wasm32 access and code memory.
struct Tier {
    wasm::hosted::MallocAllocator allocator;
    ath::hosted::HostedLinearMemoryProvider memories;
    ath::hosted::HostedCodeMemory code_memory;
    Store store;
    std::vector<Module> modules;

    explicit Tier(bool compiled, u32 max_call_depth = StoreConfig {}.max_call_depth)
        : store(allocator, config(compiled, max_call_depth))
    {
    }

    StoreConfig config(bool compiled, u32 max_call_depth)
    {
        StoreConfig result;
        result.max_call_depth = max_call_depth;
        result.memory_provider = &memories;
        if (compiled)
            result.code_memory = &code_memory;
        return result;
    }

    Instance* instantiate(const ByteList& bytes, Span<const Extern> imports = {})
    {
        auto module = make_module(allocator, bytes);
        EXPECT_FALSE(module.is_error()) << (module.is_error() ? module.error().reason : "");
        if (module.is_error())
            return nullptr;
        modules.push_back(module.release_value());
        auto instance = store.instantiate(modules.back(), imports);
        EXPECT_FALSE(instance.is_error()) << (instance.is_error() ? instance.error().reason : "");
        return instance.is_error() ? nullptr : instance.value();
    }

    Instance* instantiate_agree()
    {
        static const ValueType three_i32[] = { ValueType::I32, ValueType::I32, ValueType::I32 };
        static const ValueType one_i32[] = { ValueType::I32 };
        auto host = store.create_host_function({ three_i32, one_i32 }, add3, nullptr);
        EXPECT_FALSE(host.is_error());
        Extern imports[] = { Extern::from(host.value()) };
        return instantiate(read_module("agree"), imports);
    }
};

Function& exported(Instance* instance, const char* name)
{
    auto found = instance->find_export(StringView(name));
    VERIFY(found.has_value() && found->as_function());
    return *found->as_function();
}

std::string outcome_text(const ErrorOr& outcome, const Value* results, usize count)
{
    if (outcome.is_error())
        return std::string("trap: ") + outcome.error().reason;
    std::string text;
    for (usize i = 0; i < count; ++i)
        text += std::to_string(results[i].as_i64()) + " ";
    return text;
}

Value argument(ValueType type, u64 bits) { return type == ValueType::I64 ? Value::from_i64(bits) : Value::from_i32(static_cast<u32>(bits)); }

TEST(WasmCompiler, TiersAgree)
{
    Tier interpreted(false), compiled(true);
    Instance* slow = interpreted.instantiate_agree();
    Instance* fast = compiled.instantiate_agree();
    ASSERT_TRUE(slow && fast);
    EXPECT_EQ(slow->tier(), ExecutionTier::Interpreter);
    ASSERT_EQ(fast->tier(), ExecutionTier::Compiled) << fast->interpreter_reason();

    const u64 values[] = { 0, 1, 2, 3, 5, 31, 32, 33, 100, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0xdeadbeef, 0xfff0,
        0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull, 0x100000000ull, 0x123456789abcdef0ull, 0xfffffffffffffffbull };
    const ModuleData& module = *interpreted.modules.back().data();
    usize calls = 0;
    for (usize e = 0; e < module.exports.size(); ++e) {
        const ExportData& entry = module.exports[e];
        if (entry.kind != ExternKind::Function)
            continue;
        std::string name(entry.name.characters(), entry.name.length());
        Function& slow_function = exported(slow, name.c_str());
        Function& fast_function = exported(fast, name.c_str());
        FunctionType type = slow_function.type();
        ASSERT_TRUE(type.parameters.size() == 1 || type.parameters.size() == 2) << name;
        bool binary = type.parameters.size() == 2;
        for (u64 a : values) {
            for (u64 b : values) {
                if (!binary && b != values[0])
                    continue;
                Value arguments[] = { argument(type.parameters[0], a), binary ? argument(type.parameters[1], b) : Value() };
                Value slow_results[1], fast_results[1];
                Span<const Value> given(arguments, type.parameters.size());
                auto slow_outcome = interpreted.store.invoke(slow_function, given, Span<Value>(slow_results, type.results.size()));
                auto fast_outcome = compiled.store.invoke(fast_function, given, Span<Value>(fast_results, type.results.size()));
                ASSERT_EQ(outcome_text(fast_outcome, fast_results, type.results.size()),
                    outcome_text(slow_outcome, slow_results, type.results.size()))
                    << name << "(" << a << ", " << b << ")";
                ++calls;
            }
        }
    }
    EXPECT_GT(calls, 10000u);
}

TrapKind trap_of(Tier& tier, Instance* instance, const char* name, Value a, Value b)
{
    Value arguments[] = { a, b };
    Value results[1];
    auto outcome = tier.store.invoke(exported(instance, name), arguments, results);
    EXPECT_TRUE(outcome.is_error()) << name;
    EXPECT_EQ(outcome.is_error() ? outcome.error().code : ErrorCode::InvalidArgument, ErrorCode::Trap) << name;
    return outcome.is_error() ? trap_kind(outcome.error()) : TrapKind::HostTrap;
}

TEST(WasmCompiler, TrapsAreTheInterpretersTraps)
{
    Tier compiled(true);
    Instance* instance = compiled.instantiate_agree();
    ASSERT_TRUE(instance);
    ASSERT_EQ(instance->tier(), ExecutionTier::Compiled);
    auto i32 = [](u32 value) { return Value::from_i32(value); };
    EXPECT_EQ(trap_of(compiled, instance, "trap_unreachable", i32(4), i32(4)), TrapKind::Unreachable);
    EXPECT_EQ(trap_of(compiled, instance, "i32_div_u", i32(4), i32(0)), TrapKind::IntegerDivideByZero);
    EXPECT_EQ(trap_of(compiled, instance, "i32_div_s", i32(0x80000000), i32(0xffffffff)), TrapKind::IntegerOverflow);
    EXPECT_EQ(trap_of(compiled, instance, "i64_rem_s", Value::from_i64(1), Value::from_i64(0)), TrapKind::IntegerDivideByZero);
    u64 faults = ath::hosted::HostedCodeMemory::faults_mapped();
    EXPECT_EQ(trap_of(compiled, instance, "memory_oob", i32(0), i32(1)), TrapKind::OutOfBoundsMemoryAccess);
    EXPECT_EQ(trap_of(compiled, instance, "memory_oob", i32(0xffffffff), i32(1)), TrapKind::OutOfBoundsMemoryAccess);
    EXPECT_EQ(ath::hosted::HostedCodeMemory::faults_mapped(), faults + 2); // from the guard, not a check
    EXPECT_EQ(trap_of(compiled, instance, "indirect", i32(3), i32(1)), TrapKind::IndirectCallTypeMismatch);
    EXPECT_EQ(trap_of(compiled, instance, "indirect", i32(4), i32(1)), TrapKind::UninitializedElement);
    EXPECT_EQ(trap_of(compiled, instance, "indirect", i32(6), i32(1)), TrapKind::UndefinedElement);
    EXPECT_EQ(trap_of(compiled, instance, "runaway", i32(0), i32(0)), TrapKind::CallStackExhausted);
    // The Store is still usable after every trap, and its native stack bookkeeping is back to rest.
    Value arguments[] = { i32(7), i32(5) };
    Value results[1];
    ASSERT_FALSE(compiled.store.invoke(exported(instance, "i32_div_u"), arguments, results).is_error());
    EXPECT_EQ(results[0].as_i32(), 1u);
    EXPECT_EQ(compiled.store.internals().machine.native_stack_limit, 0u);
}

TEST(WasmCompiler, PollsFuelAndInterrupts)
{
    Tier compiled(true);
    Instance* instance = compiled.instantiate(read_module("poll"));
    ASSERT_TRUE(instance);
    ASSERT_EQ(instance->tier(), ExecutionTier::Compiled);
    Function& spin = exported(instance, "spin");
    compiled.store.set_fuel(10000);
    auto outcome = compiled.store.invoke(spin, {}, {});
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfFuel);

    // One unit per call too: 100 nested calls need more than 50 units.
    compiled.store.set_fuel(50);
    Value arguments[] = { Value::from_i32(100) };
    Value results[1];
    outcome = compiled.store.invoke(exported(instance, "calls"), arguments, results);
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::OutOfFuel);
    compiled.store.set_fuel({});
    ASSERT_FALSE(compiled.store.invoke(exported(instance, "calls"), arguments, results).is_error());

    volatile u32 interrupt = 1;
    compiled.store.set_interrupt_flag(&interrupt);
    outcome = compiled.store.invoke(spin, {}, {});
    ASSERT_TRUE(outcome.is_error());
    EXPECT_EQ(trap_kind(outcome.error()), TrapKind::Interrupted);
}

TEST(WasmCompiler, StackExhaustionAtTheInterpretersDepth)
{
    // `calls(n)` nests n + 2 frames; both tiers must draw the line at the same n.
    constexpr u32 depth = 60;
    Tier interpreted(false, depth), compiled(true, depth);
    Instance* slow = interpreted.instantiate(read_module("poll"));
    Instance* fast = compiled.instantiate(read_module("poll"));
    ASSERT_TRUE(slow && fast);
    ASSERT_EQ(fast->tier(), ExecutionTier::Compiled);
    usize traps = 0;
    for (u32 n = depth - 10; n < depth + 10; ++n) {
        Value arguments[] = { Value::from_i32(n) };
        Value slow_results[1], fast_results[1];
        auto slow_outcome = interpreted.store.invoke(exported(slow, "calls"), arguments, slow_results);
        auto fast_outcome = compiled.store.invoke(exported(fast, "calls"), arguments, fast_results);
        EXPECT_EQ(outcome_text(fast_outcome, fast_results, 1), outcome_text(slow_outcome, slow_results, 1)) << "n = " << n;
        traps += slow_outcome.is_error() ? 1 : 0;
    }
    EXPECT_GT(traps, 0u);
    EXPECT_LT(traps, 20u);
}

// host.reenter(x) = inner(x) through Store::invoke on the calling instance (user_data: its Tier).
struct Reentry {
    Store* store { nullptr };
    Instance* instance { nullptr };
};

ErrorOr reenter(HostCall& call, Span<const Value> arguments, Span<Value> results)
{
    auto* reentry = static_cast<Reentry*>(call.user_data);
    Value inner_arguments[] = { arguments[0] };
    return reentry->store->invoke(exported(reentry->instance, "inner"), inner_arguments, results);
}

TEST(WasmCompiler, HostFunctionsReenterCompiledCode)
{
    for (bool compiled : { false, true }) {
        Tier tier(compiled);
        Reentry reentry { &tier.store, nullptr };
        static const ValueType one_i32[] = { ValueType::I32 };
        auto host = tier.store.create_host_function({ one_i32, one_i32 }, reenter, &reentry);
        ASSERT_FALSE(host.is_error());
        Extern imports[] = { Extern::from(host.value()) };
        reentry.instance = tier.instantiate(read_module("reenter"), imports);
        ASSERT_TRUE(reentry.instance);
        EXPECT_EQ(reentry.instance->tier(), compiled ? ExecutionTier::Compiled : ExecutionTier::Interpreter);
        Value arguments[] = { Value::from_i32(5) };
        Value results[1];
        ASSERT_FALSE(tier.store.invoke(exported(reentry.instance, "outer"), arguments, results).is_error());
        EXPECT_EQ(results[0].as_i32(), 16u);
        // inner traps inside the nested call: the host passes the trap on, the outer call traps.
        arguments[0] = Value::from_i32(0);
        auto outcome = tier.store.invoke(exported(reentry.instance, "outer"), arguments, results);
        ASSERT_TRUE(outcome.is_error());
        EXPECT_STREQ(outcome.error().reason, "unreachable") << (compiled ? "compiled" : "interpreted");
        // And the Store works afterwards.
        arguments[0] = Value::from_i32(7);
        ASSERT_FALSE(tier.store.invoke(exported(reentry.instance, "outer"), arguments, results).is_error());
        EXPECT_EQ(results[0].as_i32(), 22u);
        EXPECT_EQ(tier.store.internals().machine.native_stack_limit, 0u);
    }
}

TEST(WasmCompiler, UncoveredModulesRunOnTheInterpreterAndSaySo)
{
    Tier compiled(true);
    Instance* callee = compiled.instantiate_agree();
    ASSERT_TRUE(callee);
    Extern imports[] = { callee->find_export("i32_ops").value() };
    Instance* caller = compiled.instantiate(read_module("mixed"), imports);
    ASSERT_TRUE(caller);
    EXPECT_EQ(callee->tier(), ExecutionTier::Compiled);
    EXPECT_EQ(caller->tier(), ExecutionTier::Interpreter);
    ASSERT_NE(caller->interpreter_reason(), nullptr);
    EXPECT_STREQ(caller->interpreter_reason(), "SIMD");

    // The interpreted caller calls the compiled callee; same result as both interpreted.
    Tier interpreted(false);
    Instance* slow_callee = interpreted.instantiate_agree();
    Extern slow_imports[] = { slow_callee->find_export("i32_ops").value() };
    Instance* slow_caller = interpreted.instantiate(read_module("mixed"), slow_imports);
    Value arguments[] = { Value::from_i32(12345), Value::from_i32(678) };
    Value fast_result[1], slow_result[1];
    ASSERT_FALSE(compiled.store.invoke(exported(caller, "f"), arguments, fast_result).is_error());
    ASSERT_FALSE(interpreted.store.invoke(exported(slow_caller, "f"), arguments, slow_result).is_error());
    EXPECT_EQ(fast_result[0].as_i32(), slow_result[0].as_i32());

    // Memories that do not guard every wasm32 access keep a compilable module on the interpreter.
    wasm::hosted::MallocAllocator allocator;
    ath::hosted::HostedCodeMemory code_memory;
    StoreConfig config;
    config.code_memory = &code_memory; // no memory_provider: allocator-backed memories
    Store store(allocator, config);
    auto module = make_module(allocator, read_module("agree"));
    ASSERT_FALSE(module.is_error());
    static const ValueType three_i32[] = { ValueType::I32, ValueType::I32, ValueType::I32 };
    static const ValueType one_i32[] = { ValueType::I32 };
    Extern host[] = { Extern::from(store.create_host_function({ three_i32, one_i32 }, add3, nullptr).value()) };
    auto instance = store.instantiate(module.value(), host);
    ASSERT_FALSE(instance.is_error());
    EXPECT_EQ(instance.value()->tier(), ExecutionTier::Interpreter);
    EXPECT_STREQ(instance.value()->interpreter_reason(), "memory without the 8 GiB guard reservation");
}

// The permissions of the mapping holding `address`, from /proc/self/maps ("r-xp", ...).
std::string permissions_of(const void* address)
{
    std::ifstream maps("/proc/self/maps");
    std::string line;
    uptr target = reinterpret_cast<uptr>(address);
    while (std::getline(maps, line)) {
        unsigned long begin = 0, end = 0;
        char permissions[5] = {};
        if (sscanf(line.c_str(), "%lx-%lx %4s", &begin, &end, permissions) == 3 && target >= begin && target < end)
            return permissions;
    }
    return "unmapped";
}

TEST(WasmCompiler, CodeIsNeverWritableAndExecutable)
{
    ath::hosted::HostedCodeMemory provider;
    auto pages = provider.allocate(100);
    ASSERT_FALSE(pages.is_error());
    EXPECT_EQ(permissions_of(pages.value()), "rw-p"); // written while not executable
    pages.value()[0] = 0xC3;
    ASSERT_FALSE(provider.make_executable(pages.value(), 100, pages.value()).is_error());
    EXPECT_EQ(permissions_of(pages.value()), "r-xp"); // then executable, no longer writable
    provider.release(pages.value(), 100);

    Tier compiled(true);
    Instance* instance = compiled.instantiate_agree();
    ASSERT_TRUE(instance);
    const NativeModule* native = compiled.modules.back().data()->native;
    ASSERT_NE(native, nullptr);
    EXPECT_EQ(permissions_of(native->code), "r-xp");
    EXPECT_EQ(permissions_of(native->code + native->size - 1), "r-xp");
}

// ---- hostile inputs: compile time stays linear --------------------------------------------

ByteList nested_blocks(usize depth)
{
    ByteList code;
    for (usize i = 0; i < depth; ++i) {
        code.push_back(0x02); // block
        code.push_back(0x40);
    }
    code.push_back(0x41); // i32.const 1
    code.push_back(0x01);
    code.push_back(0x0D); // br_if to the outermost block
    auto outer = uleb(depth - 1);
    code.insert(code.end(), outer.begin(), outer.end());
    for (usize i = 0; i < depth; ++i)
        code.push_back(0x0B);
    code.push_back(0x41); // i32.const 7
    code.push_back(0x07);
    return single_function_module({}, { I32 }, code);
}

ByteList huge_branch_table(usize entries)
{
    // block $a (block $b (br_table $a $b $a $b ... (local.get 0))) return 20) return 10
    ByteList code = { 0x02, 0x40, 0x02, 0x40, 0x20, 0x00, 0x0E };
    auto count = uleb(entries);
    code.insert(code.end(), count.begin(), count.end());
    for (usize i = 0; i < entries; ++i)
        code.push_back(static_cast<u8>(i % 2));
    code.push_back(0x01); // default: $b
    code.insert(code.end(), { 0x0B, 0x41, 0x14, 0x0F, 0x0B, 0x41, 0x0A });
    return single_function_module({ I32 }, { I32 }, code);
}

ByteList many_locals(usize count)
{
    ByteList locals = cat({ uleb(1), uleb(count), ByteList { I64 } });
    ByteList code = { 0x20 }; // local.get (count - 1): zero
    auto last = uleb(count - 1);
    code.insert(code.end(), last.begin(), last.end());
    code.insert(code.end(), { 0x42, 0x05, 0x7C }); // i64.const 5; i64.add
    return single_function_module({}, { I64 }, code, locals);
}

ByteList long_operand_stack(usize depth)
{
    ByteList code;
    for (usize i = 0; i < depth; ++i)
        code.insert(code.end(), { 0x41, 0x03 }); // i32.const 3
    for (usize i = 1; i < depth; ++i)
        code.push_back(0x6A); // i32.add
    return single_function_module({}, { I32 }, code);
}

// Instantiates on the compiled tier (asserting that it is compiled), calls f, returns seconds spent.
double compile_and_run(const ByteList& bytes, ValueType parameter, u64 input, u64 expected)
{
    auto start = std::chrono::steady_clock::now();
    Tier compiled(true);
    Instance* instance = compiled.instantiate(bytes);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(instance);
    if (!instance)
        return seconds;
    EXPECT_EQ(instance->tier(), ExecutionTier::Compiled) << instance->interpreter_reason();
    Function& f = exported(instance, "f");
    Value results[1];
    Value arguments[] = { argument(parameter, input) };
    auto outcome = compiled.store.invoke(f, Span<const Value>(arguments, f.type().parameters.size()), results);
    EXPECT_FALSE(outcome.is_error()) << (outcome.is_error() ? outcome.error().reason : "");
    EXPECT_EQ(results[0].as_i64(), expected);
    // The interpreter agrees.
    Tier interpreted(false);
    Instance* reference = interpreted.instantiate(bytes);
    Value reference_results[1];
    EXPECT_FALSE(interpreted.store.invoke(exported(reference, "f"), Span<const Value>(arguments, f.type().parameters.size()), reference_results).is_error());
    EXPECT_EQ(reference_results[0].as_i64(), results[0].as_i64());
    return seconds;
}

TEST(WasmCompiler, HostileInputsCompileInLinearTime)
{
    // Each input at two sizes, 8x apart: linear work takes about 8x as long, quadratic 64x. The
    // bound leaves room for a loaded machine; each size is timed as its best of three.
    struct Case {
        const char* name;
        ByteList (*make)(usize);
        usize size;
        ValueType parameter;
        u64 argument;
        u64 expected;
    };
    const Case cases[] = {
        { "nested blocks", nested_blocks, 4000, ValueType::I32, 0, 7 },
        { "br_table entries", huge_branch_table, 20000, ValueType::I32, 1, 10 }, // entry 1 leaves the outer block
        { "locals", many_locals, 4000, ValueType::I32, 0, 5 },
        { "operand stack depth", long_operand_stack, 4000, ValueType::I32, 0, 0 },
    };
    for (const auto& c : cases) {
        u64 expected = c.expected;
        auto best = [&](usize size) {
            u64 want = c.make == long_operand_stack ? 3 * size : expected;
            double fastest = 1e9;
            for (int i = 0; i < 3; ++i)
                fastest = std::min(fastest, compile_and_run(c.make(size), c.parameter, c.argument, want));
            return fastest;
        };
        double small = best(c.size);
        double large = best(c.size * 8);
        EXPECT_LT(large, small * 24 + 0.05) << c.name << ": " << small << " s at " << c.size << ", " << large << " s at 8x";
    }
}

} // namespace
