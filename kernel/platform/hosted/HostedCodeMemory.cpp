#include "HostedCodeMemory.h"
#include "HostedLinearMemory.h"

#include <kernel/lib/Address.h>
#include <kernel/lib/Bits.h>
#include <kernel/platform/CompiledCodeRanges.h>

#include <mutex>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

namespace ath::hosted {

namespace {

// The ranges the SIGSEGV handler reads (lock-free); g_lock guards installing the handler.
wasm::CompiledCodeRanges g_ranges;
std::mutex g_lock;
bool g_installed = false;
struct sigaction g_previous;
u64 g_faults = 0;

void on_segv(int signal_number, siginfo_t* info, void* context)
{
    if (resolve_linear_memory_write_fault(info))
        return; // a tracked page or a read-only mapping's copy: the store runs again
    auto* machine = static_cast<ucontext_t*>(context);
    uptr pc = static_cast<uptr>(machine->uc_mcontext.gregs[REG_RIP]);
    if (uptr landing = g_ranges.landing_for(pc)) {
        __atomic_add_fetch(&g_faults, 1, __ATOMIC_RELAXED);
        machine->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(landing);
        return;
    }
    if (g_previous.sa_flags & SA_SIGINFO) {
        g_previous.sa_sigaction(signal_number, info, context);
        return;
    }
    if (g_previous.sa_handler == SIG_DFL || g_previous.sa_handler == SIG_IGN) {
        signal(SIGSEGV, SIG_DFL); // returning re-runs the faulting instruction, which kills us
        return;
    }
    g_previous.sa_handler(signal_number);
}

// Under g_lock.
void install_handler()
{
    if (g_installed)
        return;
    struct sigaction action {};
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    VERIFY(sigaction(SIGSEGV, &action, &g_previous) == 0);
    g_installed = true;
}

usize rounded(usize bytes) { return align_up<usize>(bytes ? bytes : 1, page_size); }

} // namespace

Result<u8*> HostedCodeMemory::allocate(usize bytes)
{
    void* pages = mmap(nullptr, rounded(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED)
        return Error::from(ErrorCode::OutOfMemory, "cannot map pages for compiled code");
    return static_cast<u8*>(pages);
}

ErrorOr HostedCodeMemory::make_executable(u8* code, usize bytes, const u8* fault_landing)
{
    if (mprotect(code, rounded(bytes), PROT_READ | PROT_EXEC) != 0)
        return Error::from(ErrorCode::OutOfMemory, "cannot make compiled code executable");
    {
        std::lock_guard guard(g_lock);
        install_handler();
    }
    return g_ranges.add(reinterpret_cast<uptr>(code), reinterpret_cast<uptr>(code) + bytes, reinterpret_cast<uptr>(fault_landing));
}

void HostedCodeMemory::release(u8* code, usize bytes)
{
    g_ranges.remove(reinterpret_cast<uptr>(code));
    munmap(code, rounded(bytes));
}

u64 HostedCodeMemory::faults_mapped() { return __atomic_load_n(&g_faults, __ATOMIC_RELAXED); }

} // namespace ath::hosted
