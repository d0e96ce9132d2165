#pragma once

// Physical ranges a device tree tells the OS to keep away from: the /memreserve/ block and every
// region under /reserved-memory, with or without `no-map` (SBI firmware such as OpenSBI protects
// its own region with PMP and may describe it without no-map, and UEFI implementations then hand
// it out as ordinary boot-services memory).
#include <kernel/firmware/DeviceTree.h>

namespace ath::firmware {

// Writes up to out.size() ranges (blob = the whole validated DTB `tree` was created from) and
// returns how many it found in total (more than out.size() means some did not fit).
usize device_tree_reserved_ranges(ReadonlyBytes blob, const DeviceTree& tree, Span<RegEntry> out);

} // namespace ath::firmware
