#!/bin/bash
# abi-gen must refuse a table whose C parameters disagree with the Wasm signature, and accept ours.
set -euo pipefail
python=$1 generator=$2 definition=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$generator" --def "$definition" --output "$work/ok.h"
grep -q 'azoth_status_t azoth_call(azoth_handle_t endpoint, uint64_t w0' "$work/ok.h"
# The process and device imports are in the same table, module "azoth", with their structures.
grep -q 'azoth_status_t azoth_spawn(uint32_t index, uint32_t\* child_out);' "$work/ok.h"
grep -q 'azoth_status_t azoth_wait(uint64_t timeout_ns, azoth_child_exit_t\* event);' "$work/ok.h"
grep -q 'azoth_status_t azoth_console_input(const void\* bytes, uint32_t length);' "$work/ok.h"
grep -q 'import_module("azoth"), import_name("memory_stats")' "$work/ok.h"
grep -q '} azoth_memory_stats_t;' "$work/ok.h"
grep -q '#define AZOTH_EXIT_KILLED 3u' "$work/ok.h"
if grep -q 'azoth_process\|azoth_device' "$work/ok.h"; then echo "a second import module is back"; exit 1; fi
# Drift 1: a 64-bit parameter declared as 32-bit.
sed 's/"iIIIIi:i", "azoth_handle_t endpoint, uint64_t w0/"iIIIIi:i", "azoth_handle_t endpoint, uint32_t w0/' "$definition" > "$work/bad1.def"
if "$python" "$generator" --def "$work/bad1.def" --output "$work/bad1.h" 2>"$work/err1"; then echo "drift 1 accepted"; exit 1; fi
grep -q "not a 64-bit integer" "$work/err1"
# Drift 2: a parameter missing.
sed 's/"ii:i", "azoth_handle_t event, uint32_t bits"/"ii:i", "azoth_handle_t event"/' "$definition" > "$work/bad2.def"
if "$python" "$generator" --def "$work/bad2.def" --output "$work/bad2.h" 2>"$work/err2"; then echo "drift 2 accepted"; exit 1; fi
grep -q "C parameters for signature" "$work/err2"
# Drift 3: a process import's 64-bit timeout declared as 32-bit.
sed 's/"Ii:i", "uint64_t timeout_ns, azoth_child_exit_t\* event"/"Ii:i", "uint32_t timeout_ns, azoth_child_exit_t* event"/' "$definition" > "$work/bad3.def"
if "$python" "$generator" --def "$work/bad3.def" --output "$work/bad3.h" 2>"$work/err3"; then echo "drift 3 accepted"; exit 1; fi
grep -q "wait: .* is not a 64-bit integer" "$work/err3"
# Drift 4: a capability the kernel does not know.
sed 's/"uint32_t index, uint32_t\* child_out", Supervisor, Booted/"uint32_t index, uint32_t* child_out", Root, Booted/' "$definition" > "$work/bad4.def"
if "$python" "$generator" --def "$work/bad4.def" --output "$work/bad4.h" 2>"$work/err4"; then echo "drift 4 accepted"; exit 1; fi
grep -q "unknown capability" "$work/err4"
# Drift 5: a structure field that would need padding (layout must be the same in C and the kernel).
sed 's/AZOTH_FIELD(memory_stats, u64, free_frames)/AZOTH_FIELD(memory_stats, u32, free_frames)/' "$definition" > "$work/bad5.def"
if "$python" "$generator" --def "$work/bad5.def" --output "$work/bad5.h" 2>"$work/err5"; then echo "drift 5 accepted"; exit 1; fi
grep -q "not naturally aligned" "$work/err5"
# Drift 6: a parameter pointing at a structure the table does not define.
sed 's/azoth_memory_stats_t\* stats"/azoth_memory_statistics_t* stats"/' "$definition" > "$work/bad6.def"
if "$python" "$generator" --def "$work/bad6.def" --output "$work/bad6.h" 2>"$work/err6"; then echo "drift 6 accepted"; exit 1; fi
grep -q "unknown C type" "$work/err6"
echo "abi-gen: drift refused, table accepted"
