#pragma once

// Which engine tier runs the booted processes (kernel/wasm/README.md "Compiled tier"): chosen once
// at boot from the kernel command line (`tier=compiled` or `tier=interp`; `./azoth run --tier`).
// The compiled tier is used only where the arch has a compiler
// (wasm::compiled_tier_unavailable_reason); elsewhere every process runs on the interpreter and the
// boot log says why. Within the compiled tier a module the compiler does not cover runs on the
// interpreter too (its process says so once: `athanor: NAME: interpreter: reason`).
#include <kernel/object/Manifest.h>
#include <kernel/wasm/Runtime.h>

namespace ath::process {

// Without either word: the interpreter (docs/architecture.md "Engine tiers" says why).
inline constexpr bool compiled_tier_by_default = false;

// Sets the tier from the command line's words and logs the choice (`athanor: tier: ...`).
void choose_execution_tier(bool compiled_asked, bool interp_asked);
bool compiled_tier_chosen();

// What a process's StoreConfig needs for its tier (the kernel's, or the one its manifest pins:
// `tier = compiled|interp`): the code memory (none on the interpreter) and the native stack floor
// of the calling kernel thread. A pin to compiled on an arch without a compiler runs the
// interpreter (the instance says why).
void configure_execution_tier(wasm::StoreConfig&, object::ManifestTier pinned = object::ManifestTier::Default);

} // namespace ath::process
