#include "HostedCodeMemory.h"
#include "HostedLinearMemory.h"

#include <kernel/lib/Address.h>
#include <kernel/lib/Bits.h>

#include <mutex>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

namespace ath::hosted {

namespace {

// Writers take g_lock; the signal handler reads without locking: an entry is filled, then
// published with a release store of `live`, and unpublished before its pages are unmapped.
struct CodeRange {
    uptr begin { 0 };
    uptr end { 0 };
    uptr landing { 0 };
    u32 live { 0 };
};

CodeRange g_ranges[HostedCodeMemory::max_code_ranges];
std::mutex g_lock;
bool g_installed = false;
struct sigaction g_previous;
u64 g_faults = 0;

uptr landing_for(uptr pc)
{
    for (auto& range : g_ranges) {
        if (__atomic_load_n(&range.live, __ATOMIC_ACQUIRE) == 0)
            continue;
        if (pc >= range.begin && pc < range.end)
            return range.landing;
    }
    return 0;
}

void on_segv(int signal_number, siginfo_t* info, void* context)
{
    if (resolve_linear_memory_write_fault(info))
        return; // a tracked page or a read-only mapping's copy: the store runs again
    auto* machine = static_cast<ucontext_t*>(context);
    uptr pc = static_cast<uptr>(machine->uc_mcontext.gregs[REG_RIP]);
    if (uptr landing = landing_for(pc)) {
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
    std::lock_guard guard(g_lock);
    CodeRange* entry = nullptr;
    for (auto& range : g_ranges) {
        if (range.live == 0) {
            entry = &range;
            break;
        }
    }
    if (!entry)
        return Error::from(ErrorCode::Exhausted, "too many compiled code ranges");
    if (mprotect(code, rounded(bytes), PROT_READ | PROT_EXEC) != 0)
        return Error::from(ErrorCode::OutOfMemory, "cannot make compiled code executable");
    install_handler();
    entry->begin = reinterpret_cast<uptr>(code);
    entry->end = entry->begin + bytes;
    entry->landing = reinterpret_cast<uptr>(fault_landing);
    __atomic_store_n(&entry->live, 1u, __ATOMIC_RELEASE);
    return {};
}

void HostedCodeMemory::release(u8* code, usize bytes)
{
    {
        std::lock_guard guard(g_lock);
        for (auto& range : g_ranges) {
            if (range.live != 0 && range.begin == reinterpret_cast<uptr>(code))
                __atomic_store_n(&range.live, 0u, __ATOMIC_RELEASE);
        }
    }
    munmap(code, rounded(bytes));
}

u64 HostedCodeMemory::faults_mapped() { return __atomic_load_n(&g_faults, __ATOMIC_RELAXED); }

} // namespace ath::hosted
