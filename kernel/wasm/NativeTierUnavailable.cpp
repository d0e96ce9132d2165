// The compiled tier on an arch without a compiler (and in the booted kernel until it links one):
// every module runs on the interpreter, and says why (Instance::interpreter_reason).
#include <kernel/wasm/NativeTier.h>

namespace ath::wasm {

Result<NativeModule*> compile_native_module(ModuleData&, CodeMemoryProvider&)
{
    return Error::from(ErrorCode::Unsupported, "no Wasm compiler for this arch");
}

void release_native_module(NativeModule*, Allocator&) { }

} // namespace ath::wasm
