#!/bin/bash
# abi-gen must refuse a table whose C parameters disagree with the Wasm signature, and accept ours.
set -euo pipefail
python=$1 generator=$2 definition=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$generator" --def "$definition" --output "$work/ok.h"
grep -q 'azoth_status_t azoth_call(azoth_handle_t endpoint, uint64_t w0' "$work/ok.h"
# Drift 1: a 64-bit parameter declared as 32-bit.
sed 's/"iIIIIi:i", "azoth_handle_t endpoint, uint64_t w0/"iIIIIi:i", "azoth_handle_t endpoint, uint32_t w0/' "$definition" > "$work/bad1.def"
if "$python" "$generator" --def "$work/bad1.def" --output "$work/bad1.h" 2>"$work/err1"; then echo "drift 1 accepted"; exit 1; fi
grep -q "not a 64-bit integer" "$work/err1"
# Drift 2: a parameter missing.
sed 's/"ii:i", "azoth_handle_t event, uint32_t bits"/"ii:i", "azoth_handle_t event"/' "$definition" > "$work/bad2.def"
if "$python" "$generator" --def "$work/bad2.def" --output "$work/bad2.h" 2>"$work/err2"; then echo "drift 2 accepted"; exit 1; fi
grep -q "C parameters for signature" "$work/err2"
echo "abi-gen: drift refused, table accepted"
