// The compiled tier in the booted kernel: its code memory keeps W^X through the MMU (on every
// port: the provider is generic), and where the arch has a compiler, a module's faults in compiled
// code become the interpreter's traps while the kernel runs on (kernel/arch/common/CodeFaultHook.h);
// where it has none, the module runs on the interpreter, which says why, with the same traps.
#include <kernel/arch/Arch.h>
#include <kernel/platform/kernel/KernelAllocator.h>
#include <kernel/platform/kernel/KernelCodeMemory.h>
#include <kernel/platform/kernel/KernelLinearMemory.h>
#include <kernel/selftest/SelfTest.h>

namespace ath {

namespace {

void write_u64(void* address) { *static_cast<volatile u64*>(address) = 0x5A5A5A5A5A5A5A5AULL; }
void call_code(void* address) { reinterpret_cast<void (*)()>(address)(); }

// (module
//   (memory 1)
//   (func (export "load") (param i32) (result i32) local.get 0 i32.load)
//   (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
//   (func (export "trap") unreachable)
//   (func $rec (export "rec") call $rec)
//   (func (export "spin") loop br 0 end))
constexpr u8 trap_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // types: (i32)->i32, (i32 i32)->i32, ()->()
    0x01, 0x0f, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00,
    0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x02, 0x02, // functions
    0x05, 0x03, 0x01, 0x00, 0x01,                   // memory: 1 page
    0x07, 0x22, 0x05,                               // exports
    0x04, 'l', 'o', 'a', 'd', 0x00, 0x00,
    0x03, 'd', 'i', 'v', 0x00, 0x01,
    0x04, 't', 'r', 'a', 'p', 0x00, 0x02,
    0x03, 'r', 'e', 'c', 0x00, 0x03,
    0x04, 's', 'p', 'i', 'n', 0x00, 0x04,
    0x0a, 0x22, 0x05,                               // code
    0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6e, 0x0b,
    0x03, 0x00, 0x00, 0x0b,
    0x04, 0x00, 0x10, 0x03, 0x0b,
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
};

// (module (memory 0) (func (export "load0") (result i32) i32.const 0 i32.load)): a memory without
// pages has no base until compiled code needs one (it once faulted at address 0: a kernel fault).
constexpr u8 empty_memory_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00,
    0x05, 0x03, 0x01, 0x00, 0x00,
    0x07, 0x09, 0x01, 0x05, 'l', 'o', 'a', 'd', '0', 0x00, 0x00,
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0b,
};

// Calls export `name` with `arguments`; the trap kind it ended with, or none when it returned.
Result<Optional<wasm::TrapKind>> call(wasm::Store& store, wasm::Instance& instance, StringView name,
                                      Span<const wasm::Value> arguments, Span<wasm::Value> results)
{
    auto exported = instance.find_export(name);
    if (!exported.has_value() || !exported->as_function())
        return selftest::failure("no export {}", name);
    auto outcome = store.invoke(*exported->as_function(), arguments, results);
    if (!outcome.is_error())
        return Optional<wasm::TrapKind>();
    if (outcome.error().code != ErrorCode::Trap)
        return outcome.release_error();
    return Optional<wasm::TrapKind>(wasm::trap_kind(outcome.error()));
}

bool traps(const Optional<wasm::TrapKind>& outcome, wasm::TrapKind kind) { return outcome.has_value() && *outcome == kind; }

} // namespace

ATH_SELFTEST(compiled_code_w_xor_x)
{
    auto& memory = sys::KernelCodeMemory::instance();
    u64 frames_before = sys::KernelCodeMemory::code_frames();
    u8* code = TRY(memory.allocate(16));
    // Written while writable, and not executable yet.
    EXPECT(!Arch::run_catching_faults(write_u64, code).has_value());
    Arch::return_instruction().copy_to(Bytes(code, 16));
    auto fetch = Arch::run_catching_faults(call_code, code);
    bool fetch_refused = fetch.has_value() && fetch->kind == FaultKind::PageFault && fetch->was_execute;
    TRY(memory.make_executable(code, 16, code));
    // Now executable, and no longer writable.
    auto write = Arch::run_catching_faults(write_u64, code);
    // (was_present is not asked: the usermode port's host maps pages lazily, so its first write
    // to a page reports "not present"; the translation below says the page is mapped.)
    bool write_refused = write.has_value() && write->kind == FaultKind::PageFault && write->was_write
        && write->fault_address == reinterpret_cast<u64>(code) && Arch::Mmu::translate(VirtualAddress(reinterpret_cast<u64>(code))).has_value();
    bool runs = !Arch::run_catching_faults(call_code, code).has_value();
    memory.release(code, 16);
    EXPECT(fetch_refused);
    EXPECT(write_refused);
    EXPECT(runs);
    EXPECT(sys::KernelCodeMemory::code_frames() == frames_before);
    EXPECT(!Arch::Mmu::translate(VirtualAddress(reinterpret_cast<u64>(code))).has_value());
    return {};
}

ATH_SELFTEST(compiled_code_traps_like_the_interpreter)
{
    // An arch without a compiler runs the module on the interpreter, says why, and traps the same.
    const char* unavailable = wasm::compiled_tier_unavailable_reason();
    auto& allocator = sys::KernelAllocator::instance();
    u64 code_frames_before = sys::KernelCodeMemory::code_frames();
    u64 faults_before = sys::KernelCodeMemory::faults_mapped();
    {
        auto module = TRY(wasm::Module::create(allocator, ReadonlyBytes(trap_module, sizeof(trap_module))));
        auto empty = TRY(wasm::Module::create(allocator, ReadonlyBytes(empty_memory_module, sizeof(empty_memory_module))));
        wasm::StoreConfig config;
        config.memory_provider = &sys::KernelLinearMemory::instance();
        config.code_memory = &sys::KernelCodeMemory::instance();
        config.max_call_depth = 500; // the boot stack holds 500 compiled frames easily
        wasm::Store store(allocator, config);
        auto* instance = TRY(store.instantiate(module, {}));
        if (unavailable) {
            EXPECT(instance->tier() == wasm::ExecutionTier::Interpreter);
            EXPECT(instance->interpreter_reason() && StringView(instance->interpreter_reason()) == StringView(unavailable));
        } else {
            EXPECT(instance->tier() == wasm::ExecutionTier::Compiled);
        }

        wasm::Value result[1];
        wasm::Value in_bounds[] = { wasm::Value::from_i32(65532) };
        EXPECT(!TRY(call(store, *instance, StringView("load"), in_bounds, result)).has_value() && result[0].as_i32() == 0);
        wasm::Value past_end[] = { wasm::Value::from_i32(65533) };
        EXPECT(traps(TRY(call(store, *instance, StringView("load"), past_end, result)), wasm::TrapKind::OutOfBoundsMemoryAccess));
        wasm::Value top[] = { wasm::Value::from_i32(0xFFFFFFFFu) };
        EXPECT(traps(TRY(call(store, *instance, StringView("load"), top, result)), wasm::TrapKind::OutOfBoundsMemoryAccess));
        // Compiled, both were page faults turned into traps.
        EXPECT(sys::KernelCodeMemory::faults_mapped() == faults_before + (unavailable ? 0 : 2));

        wasm::Value by_zero[] = { wasm::Value::from_i32(7), wasm::Value::from_i32(0) };
        EXPECT(traps(TRY(call(store, *instance, StringView("div"), by_zero, result)), wasm::TrapKind::IntegerDivideByZero));
        wasm::Value by_two[] = { wasm::Value::from_i32(7), wasm::Value::from_i32(2) };
        EXPECT(!TRY(call(store, *instance, StringView("div"), by_two, result)).has_value() && result[0].as_i32() == 3);
        EXPECT(traps(TRY(call(store, *instance, StringView("trap"), {}, {})), wasm::TrapKind::Unreachable));
        EXPECT(traps(TRY(call(store, *instance, StringView("rec"), {}, {})), wasm::TrapKind::CallStackExhausted));
        // The loop's back-edge polls: fuel runs out in it.
        store.set_fuel(1000);
        EXPECT(traps(TRY(call(store, *instance, StringView("spin"), {}, {})), wasm::TrapKind::OutOfFuel));
        store.set_fuel(Optional<u64>());
        // The same word the interpreter polls: a raised interrupt word stops it.
        volatile u32 interrupt = 1;
        store.set_interrupt_flag(&interrupt);
        EXPECT(traps(TRY(call(store, *instance, StringView("spin"), {}, {})), wasm::TrapKind::Interrupted));
        store.set_interrupt_flag(nullptr);
        // And it still works after all that.
        EXPECT(!TRY(call(store, *instance, StringView("load"), in_bounds, result)).has_value());
        EXPECT((sys::KernelCodeMemory::code_frames() > code_frames_before) == !unavailable);

        auto* empty_instance = TRY(store.instantiate(empty, {}));
        EXPECT(traps(TRY(call(store, *empty_instance, StringView("load0"), {}, result)), wasm::TrapKind::OutOfBoundsMemoryAccess));
    }
    // The module's code and memory are given back with it.
    EXPECT(sys::KernelCodeMemory::code_frames() == code_frames_before);
    return {};
}

} // namespace ath
