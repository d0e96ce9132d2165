// The hosted platform's runtime environment: the kernel core runs as a Linux process, the kernel log is
// standard output and a panic prints its location and aborts (so GoogleTest death tests observe it).
#include <stdio.h>
#include <stdlib.h>

#include <kernel/lib/Assert.h>
#include <kernel/lib/Format.h>

namespace ath {

void console_write(StringView text)
{
    fwrite(text.characters(), 1, text.length(), stdout);
}

[[noreturn]] void panic_at(const char* file, int line, const char* message)
{
    fflush(stdout);
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, message);
    abort();
}

} // namespace ath
