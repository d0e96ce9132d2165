#pragma once

// VERIFY states an invariant that holds whatever a module or a device does; when it fails the
// kernel itself is wrong, so it panics with the location. Input from outside the kernel never
// reaches a VERIFY: it is checked and answered with an Error instead.
#include "Types.h"

namespace ath {

// Provided once per environment: the kernel prints a register dump and halts; the hosted build
// prints and aborts (death tests rely on that).
[[noreturn]] void panic_at(const char* file, int line, const char* message);

} // namespace ath

#define ATH_STRINGIFY_IMPL(x) #x
#define ATH_STRINGIFY(x) ATH_STRINGIFY_IMPL(x)

#define PANIC(message) ::ath::panic_at(__FILE__, __LINE__, message)

#define VERIFY(condition)                                                                \
    do {                                                                                 \
        if (__builtin_expect(!(condition), 0))                                           \
            ::ath::panic_at(__FILE__, __LINE__, "VERIFY(" ATH_STRINGIFY(condition) ") failed"); \
    } while (0)

#define VERIFY_NOT_REACHED() ::ath::panic_at(__FILE__, __LINE__, "VERIFY_NOT_REACHED()")
