#include "Error.h"

namespace ath {

const char* error_code_name(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::OutOfRange: return "out of range";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::AlreadyExists: return "already exists";
    case ErrorCode::PermissionDenied: return "permission denied";
    case ErrorCode::BadHandle: return "bad handle";
    case ErrorCode::Malformed: return "malformed";
    case ErrorCode::Invalid: return "invalid";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Overflow: return "overflow";
    case ErrorCode::Busy: return "busy";
    case ErrorCode::TimedOut: return "timed out";
    case ErrorCode::Trap: return "trap";
    case ErrorCode::Unlinkable: return "unlinkable";
    case ErrorCode::Exhausted: return "exhausted";
    }
    return "unknown error";
}

} // namespace ath
