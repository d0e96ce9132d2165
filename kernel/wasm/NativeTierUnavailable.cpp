// The compiled tier on an arch without a compiler (aarch64 and riscv64 so far):
// every module runs on the interpreter, and says why (Instance::interpreter_reason).
#include <kernel/wasm/NativeTier.h>

namespace ath::wasm {

const char* compiled_tier_unavailable_reason() { return "no Wasm compiler for this arch"; }

Result<NativeModule*> compile_native_module(ModuleData&, CodeMemoryProvider&)
{
    return Error::from(ErrorCode::Unsupported, compiled_tier_unavailable_reason());
}

void release_native_module(NativeModule*, Allocator&) { }

} // namespace ath::wasm
