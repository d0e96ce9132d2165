#pragma once

// Validates a BootInfo before the kernel follows any pointer in it: the loader is ours, but a
// corrupt or mismatched hand-off must end in a clear "boot failed" line, not in a fault somewhere
// inside memory setup. Generic and hosted-testable: readability is asked of a callback.
#include <boot/BootInfo.h>
#include <kernel/lib/Result.h>

namespace ath {

// Where [physical, physical + size) can be read (the direct map in the kernel), or null when it
// cannot be read at all.
using PhysicalAccess = const void* (*)(u64 physical, u64 size);

inline constexpr u64 max_memory_map_entries = 4096;
inline constexpr u64 max_cmdline_bytes = 4096;

ErrorOr check_boot_info(const boot::BootInfo& info, PhysicalAccess access);

} // namespace ath
