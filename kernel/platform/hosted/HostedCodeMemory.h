#pragma once

// Executable memory for the compiled tier on Linux (wasm::CodeMemoryProvider): code is written into
// private read-write pages, then mprotect makes them read-execute; no page is ever writable and
// executable at once. make_executable also enters the range in a fixed table that a SIGSEGV handler
// (installed on first use, chaining to the handler before it) consults: a fault whose instruction
// pointer lies in compiled code (an out-of-bounds access into a linear memory's guard) resumes at
// that code's out-of-bounds trap path, so it becomes the same Trap the interpreter reports. Any
// other fault goes to the previous handler (ASan's report, or the default: the process dies).
#include <kernel/platform/CompiledCodeRanges.h>
#include <kernel/wasm/Runtime.h>

namespace ath::hosted {

class HostedCodeMemory final : public wasm::CodeMemoryProvider {
public:
    Result<u8*> allocate(usize bytes) override;
    ErrorOr make_executable(u8* code, usize bytes, const u8* fault_landing) override;
    void release(u8* code, usize bytes) override;

    // Compiled code ranges that can exist at once (all providers of the process).
    static constexpr usize max_code_ranges = wasm::CompiledCodeRanges::capacity;
    // Faults in compiled code turned into out-of-bounds traps since the process started.
    static u64 faults_mapped();
};

} // namespace ath::hosted
