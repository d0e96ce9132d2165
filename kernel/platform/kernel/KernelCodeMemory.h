#pragma once

// Executable memory for the compiled tier in the booted kernel (wasm::CodeMemoryProvider): each
// module's code gets its own run of the compiled-code window (mm/MemoryLayout.h) with an unmapped
// guard page after it. Its pages are mapped read-write and not executable while the compiler's
// output is copied in, then make_executable switches them to read-execute (not writable): no page
// of the window is ever writable and executable at once (the self-test compiled_code_w_xor_x
// checks it through the MMU). release() unmaps the pages and frees their frames when the module
// goes (a process's module goes when the process ends).
//
// make_executable also enters the range in a CompiledCodeRanges table and installs the fault hook
// (kernel/arch/common/CodeFaultHook.h): a page fault at an instruction in that range on an address
// in the linear-memory window resumes at the code's out-of-bounds trap stub.
#include <kernel/wasm/Runtime.h>

namespace ath::sys {

class KernelCodeMemory final : public wasm::CodeMemoryProvider {
public:
    Result<u8*> allocate(usize bytes) override;
    ErrorOr make_executable(u8* code, usize bytes, const u8* fault_landing) override;
    void release(u8* code, usize bytes) override;

    static KernelCodeMemory& instance();
    // Frames holding compiled code now (all modules), and the faults in compiled code turned into
    // out-of-bounds traps since boot.
    static u64 code_frames();
    static u64 faults_mapped();
};

} // namespace ath::sys
