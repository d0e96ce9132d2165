#pragma once

#include "Types.h"

namespace ath {

// Why an operation failed. The codes are kernel-wide; the module ABI translates them once
// into WASI errno values (see kernel/sys).
enum class ErrorCode : u16 {
    InvalidArgument,
    OutOfMemory,
    OutOfRange,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    BadHandle,
    Malformed, // bytes that do not follow a format (binary Wasm, ELF, DTB, tar...)
    Invalid,   // well-formed input that breaks a rule (Wasm validation, a bad state)
    Unsupported,
    Overflow,
    Busy,
    TimedOut,
    Trap,
    Unlinkable,
    Exhausted,
};

const char* error_code_name(ErrorCode code);

// An error is a value: a code, a static reason and, for parsers, the byte offset it refers to.
// It owns no memory so it can be made anywhere, including in a panic path.
struct Error {
    static constexpr u64 no_offset = ~static_cast<u64>(0);

    ErrorCode code;
    const char* reason;
    u64 offset { no_offset };

    static constexpr Error from(ErrorCode code, const char* reason) { return Error { code, reason, no_offset }; }
    static constexpr Error at(ErrorCode code, u64 offset, const char* reason) { return Error { code, reason, offset }; }

    constexpr bool has_offset() const { return offset != no_offset; }
};

} // namespace ath
