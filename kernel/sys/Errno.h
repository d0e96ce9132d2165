#pragma once

// WASI preview1 errno values, and the one place kernel errors become them (the ABI boundary).
#include <kernel/lib/Error.h>

namespace ath::sys {

enum class Errno : u16 {
    Success = 0,
    TooBig = 1,
    Access = 2,
    Again = 6,
    BadFileDescriptor = 8,
    Busy = 10,
    Exists = 20,
    Fault = 21,
    FileTooBig = 22,
    IllegalSequence = 25,
    Interrupted = 27,
    Invalid = 28,
    Io = 29,
    IsDirectory = 31,
    Loop = 32,
    TooManyFiles = 33,
    TooManyLinks = 34,
    NameTooLong = 37,
    NoDevice = 43,
    NoEntry = 44,
    NoMemory = 48,
    NoSpace = 51,
    NoSys = 52,
    NotDirectory = 54,
    NotEmpty = 55,
    NotSocket = 57,
    NotSupported = 58,
    NoTty = 59,
    Overflow = 61,
    Permission = 63,
    Pipe = 64,
    Range = 68,
    ReadOnlyFileSystem = 69,
    SeekPipe = 70,
    TimedOut = 73,
    TextBusy = 74,
    CrossDevice = 75,
    NotCapable = 76,
};

constexpr Errno errno_from(const Error& error)
{
    switch (error.code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::Malformed:
    case ErrorCode::Invalid: return Errno::Invalid;
    case ErrorCode::OutOfMemory: return Errno::NoMemory;
    case ErrorCode::OutOfRange: return Errno::Fault;
    case ErrorCode::NotFound: return Errno::NoEntry;
    case ErrorCode::AlreadyExists: return Errno::Busy;
    case ErrorCode::PermissionDenied: return Errno::NotCapable;
    case ErrorCode::BadHandle: return Errno::BadFileDescriptor;
    case ErrorCode::Unsupported: return Errno::NoSys;
    case ErrorCode::Overflow: return Errno::Overflow;
    case ErrorCode::Busy: return Errno::Again;
    case ErrorCode::TimedOut: return Errno::TimedOut;
    case ErrorCode::Trap: return Errno::Fault;
    case ErrorCode::Unlinkable: return Errno::NoSys;
    case ErrorCode::Exhausted: return Errno::NoSpace;
    }
    return Errno::Io;
}

} // namespace ath::sys
