#!/usr/bin/env bash
# Runs one WASI module with azoth-exec and checks its exit status and output.
#   run-wasi-test.sh EXEC [--status N] [--stdout-has TEXT]... [--stdout-lacks TEXT]...
#                    [--stderr-has TEXT]... -- [EXEC-FLAGS...] MODULE.wasm [ARGS...]
set -u
exec_binary=$1
shift
expected_status=0
declare -a stdout_has=() stdout_lacks=() stderr_has=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
    --status) expected_status=$2; shift ;;
    --stdout-has) stdout_has+=("$2"); shift ;;
    --stdout-lacks) stdout_lacks+=("$2"); shift ;;
    --stderr-has) stderr_has+=("$2"); shift ;;
    *) echo "run-wasi-test: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
shift # --
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$exec_binary" "$@" >"$out" 2>"$err" </dev/null
status=$?
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
[ "$status" -eq "$expected_status" ] || fail "exit status $status, expected $expected_status"
for text in "${stdout_has[@]}"; do grep -qF -- "$text" "$out" || fail "stdout lacks: $text"; done
for text in "${stdout_lacks[@]}"; do grep -qF -- "$text" "$out" && fail "stdout has: $text"; done
for text in "${stderr_has[@]}"; do grep -qF -- "$text" "$err" || fail "stderr lacks: $text"; done
if [ "$failures" -gt 0 ]; then
    echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"
    exit 1
fi
echo "ok ($(wc -l <"$out") lines of output, status $status)"
