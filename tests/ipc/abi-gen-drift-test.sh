#!/bin/bash
# abi-gen must refuse a table whose typed parameters disagree with the Wasm signature (or name
# what the table does not define), and turn ours into the SDK header and the kernel's decoding.
set -euo pipefail
python=$1 generator=$2 definition=$3
wasi_definition=$(dirname "$definition")/wasi_snapshot_preview1.def
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$generator" --def "$definition" --sdk "$work/ok.h" --kernel "$work/AzothImports.h"
grep -q 'azoth_status_t azoth_call(azoth_handle_t endpoint, uint64_t w0' "$work/ok.h"
# The process and device imports are in the same table, module "azoth", with their structures.
grep -q 'azoth_status_t azoth_spawn(uint32_t index, uint32_t\* child_out);' "$work/ok.h"
grep -q 'azoth_status_t azoth_wait(uint64_t timeout_ns, azoth_child_exit_t\* event);' "$work/ok.h"
grep -q 'azoth_status_t azoth_console_input(const void\* bytes, uint32_t length);' "$work/ok.h"
grep -q 'azoth_status_t azoth_module_info(uint32_t index, char\* name, uint32_t capacity, azoth_module_info_t\* info);' "$work/ok.h"
grep -q 'import_module("azoth"), import_name("memory_stats")' "$work/ok.h"
grep -q '} azoth_memory_stats_t;' "$work/ok.h"
grep -q '#define AZOTH_EXIT_KILLED 3u' "$work/ok.h"
if grep -q 'import_module("azoth_process")\|import_module("azoth_device")' "$work/ok.h"; then echo "a second import module is back"; exit 1; fi
# The kernel side: typed handlers, the decoding (guest pointers as views), the capability check
# before the call, the fast path, one translation.
grep -q 'Result<Status> channel_send(AzothContext& context, Handle channel, BytesIn message, u64 timeout_ns);' "$work/AzothImports.h"
grep -q 'Result<Status> spawn(process::Process& process, u32 index, Out<u32> child_out);' "$work/AzothImports.h"
grep -q 'auto message_ = BytesIn(memory, arguments\[1\].as_i32(), arguments\[2\].as_i32());' "$work/AzothImports.h"
grep -q 'if (!holds(context, Capability::Supervisor)) {' "$work/AzothImports.h"
grep -q '{ "call", "iIIIIi:i", &call_import, &call_slots },' "$work/AzothImports.h"
test "$(grep -c 'inline Status status_for(const Error& error)' "$work/AzothImports.h")" = 1
"$python" "$generator" --def "$wasi_definition" --kernel "$work/WasiImports.h"
grep -q 'Result<Errno> fd_write(WasiContext& context, u32 fd, InArray<records::ciovec> iovs, u32 iovs_len, Out<u32> nwritten);' "$work/WasiImports.h"
grep -q 'ErrorOr proc_exit(WasiContext& context, u32 rval);' "$work/WasiImports.h"
grep -q 'status_word<Errno, &errno_from>' "$work/WasiImports.h"
# refuse TABLE SED-EXPRESSION MESSAGE: the table edited by the sed expression must be refused with
# MESSAGE (each case must change the table, or it would test nothing).
refuse() {
    local table=$1 edit=$2 message=$3 case=$((++cases))
    sed "$edit" "$table" > "$work/bad$case.def"
    if cmp -s "$table" "$work/bad$case.def"; then echo "drift $case: the edit matched nothing"; exit 1; fi
    if "$python" "$generator" --def "$work/bad$case.def" --kernel "$work/bad$case.h" 2>"$work/err$case"; then
        echo "drift $case accepted"; exit 1
    fi
    grep -q "$message" "$work/err$case" || { echo "drift $case: $(cat "$work/err$case")"; exit 1; }
}
cases=0
# Drift 1: a 64-bit parameter declared as 32-bit.
refuse "$definition" 's/"iIIIIi:i", "handle endpoint, u64 w0/"iIIIIi:i", "handle endpoint, u32 w0/' "not a 64-bit integer"
# Drift 2: a parameter missing.
refuse "$definition" 's/"ii:i", "handle event, u32 bits"/"ii:i", "handle event"/' "Wasm values in its parameters for signature"
# Drift 3: a process import's 64-bit timeout declared as 32-bit.
refuse "$definition" 's/"Ii:i", "u64 timeout_ns, checked out<child_exit> event"/"Ii:i", "u32 timeout_ns, checked out<child_exit> event"/' "wait: .* is not a 64-bit integer"
# Drift 4: a capability the kernel does not know.
refuse "$definition" 's/"u32 index, checked out<u32> child_out", Supervisor, Booted/"u32 index, checked out<u32> child_out", Root, Booted/' "unknown capability"
# Drift 5: a structure field that would need padding (layout must be the same in C and the kernel).
refuse "$definition" 's/AZOTH_FIELD(memory_stats, u64, free_frames)/AZOTH_FIELD(memory_stats, u32, free_frames)/' "not naturally aligned"
# Drift 6: a parameter pointing at a structure the table does not define.
refuse "$definition" 's/out<memory_stats> stats"/out<memory_statistics> stats"/' "unknown C type"
# Drift 7: a (pointer, length) pair where the signature has one value (WASI table).
refuse "$wasi_definition" 's/"ii:i", "out_bytes buf:buf_len"/"i:i", "out_bytes buf:buf_len"/' "random_get has 2 Wasm values in its parameters"
# Drift 8: a kind the generator does not know.
refuse "$wasi_definition" 's/"fd fd, u32 flags", None, Implemented/"fd fd, flags32 flags", None, Implemented/' "unknown parameter kind"
echo "abi-gen: drift refused, tables accepted"
