#pragma once

// The few Linux system calls the usermode port stands on, made directly (the kernel links no libc):
// the x86_64 `syscall` instruction, numbers and structures from the Linux x86_64 ABI. A negative
// return is -errno.
#include <kernel/lib/Types.h>

namespace ath::usermode::linux_abi {

enum Number : long {
    sys_read = 0,
    sys_write = 1,
    sys_close = 3,
    sys_fstat = 5,
    sys_poll = 7,
    sys_mmap = 9,
    sys_mprotect = 10,
    sys_rt_sigaction = 13,
    sys_rt_sigprocmask = 14,
    sys_ioctl = 16,
    sys_setitimer = 38,
    sys_exit_group = 231,
    sys_rt_sigsuspend = 130,
    sys_sigaltstack = 131,
    sys_clock_gettime = 228,
    sys_openat = 257,
    sys_getrandom = 318,
    sys_memfd_create = 319,
    sys_ftruncate = 77,
};

inline long syscall6(long number, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0)
{
    long result;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    register long r9 asm("r9") = f;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return result;
}

inline bool failed(long result) { return result < 0 && result > -4096; }

// mmap
inline constexpr long prot_none = 0, prot_read = 1, prot_write = 2, prot_exec = 4;
inline constexpr long map_shared = 0x01, map_private = 0x02, map_fixed = 0x10, map_anonymous = 0x20,
                      map_noreserve = 0x4000, map_fixed_noreplace = 0x100000;

// signals
inline constexpr int sigill = 4, sigtrap = 5, sigbus = 7, sigfpe = 8, sigsegv = 11, sigalrm = 14;
inline constexpr unsigned long sa_siginfo = 0x4, sa_onstack = 0x08000000, sa_restorer = 0x04000000,
                               sa_restart = 0x10000000;
inline constexpr int sig_block = 0, sig_unblock = 1, sig_setmask = 2;
inline constexpr u64 signal_bit(int signal) { return u64(1) << (signal - 1); }

struct KernelSigaction {
    void (*handler)(int, void*, void*);
    unsigned long flags;
    void (*restorer)();
    u64 mask;
};

struct StackT {
    void* sp;
    int flags;
    usize size;
};

struct Timespec {
    long seconds;
    long nanoseconds;
};
struct Timeval {
    long seconds;
    long microseconds;
};
struct Itimer {
    Timeval interval;
    Timeval value;
};
inline constexpr int itimer_real = 0;
inline constexpr int clock_realtime = 0, clock_monotonic = 1;

struct PollFd {
    int fd;
    short events;
    short revents;
};
inline constexpr short pollin = 1, pollhup = 0x10, pollerr = 0x8;

// The parts of siginfo_t and ucontext_t a fault handler reads (x86_64 layouts).
struct SigInfo {
    int signo;
    int errno_value;
    int code;
    int pad;
    u64 address; // si_addr for SIGSEGV/SIGBUS/SIGILL/SIGFPE
};
// mcontext gregs indices (sys/ucontext.h REG_*)
enum Greg : int {
    reg_r8 = 0, reg_r9, reg_r10, reg_r11, reg_r12, reg_r13, reg_r14, reg_r15, reg_rdi, reg_rsi, reg_rbp, reg_rbx,
    reg_rdx, reg_rax, reg_rcx, reg_rsp, reg_rip, reg_efl, reg_csgsfs, reg_err, reg_trapno, reg_oldmask, reg_cr2,
    greg_count
};
struct UContext {
    unsigned long flags;
    UContext* link;
    StackT stack;
    u64 gregs[greg_count];
    // fpregs pointer and the rest follow; not read here.
};

} // namespace ath::usermode::linux_abi
