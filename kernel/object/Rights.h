#pragma once

// What a handle allows. Every operation on an object names the one right it needs; a derived
// handle can only narrow the set, never widen it.
#include <kernel/lib/Types.h>

namespace ath::object {

enum class Rights : u32 {
    None = 0,
    Read = 1u << 0,     // read the object's state / wait on an event / receive from a channel
    Write = 1u << 1,    // modify it / signal an event / send on a channel
    Map = 1u << 2,      // map a region into one's linear memory
    Call = 1u << 3,     // make a synchronous call through an endpoint
    Transfer = 1u << 4, // move or copy the handle to another process
    Derive = 1u << 5,   // make a handle with a subset of these rights
    Revoke = 1u << 6,   // invalidate this handle and everything derived from it
    All = (1u << 7) - 1,
};

constexpr Rights operator|(Rights a, Rights b) { return static_cast<Rights>(static_cast<u32>(a) | static_cast<u32>(b)); }
constexpr Rights operator&(Rights a, Rights b) { return static_cast<Rights>(static_cast<u32>(a) & static_cast<u32>(b)); }
constexpr bool has_all(Rights held, Rights wanted) { return (held & wanted) == wanted; }
constexpr bool is_subset(Rights narrower, Rights wider) { return has_all(wider, narrower); }
constexpr bool is_known(Rights rights) { return (static_cast<u32>(rights) & ~static_cast<u32>(Rights::All)) == 0; }

} // namespace ath::object
