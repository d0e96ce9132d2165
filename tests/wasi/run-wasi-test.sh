#!/usr/bin/env bash
# Runs one WASI module with azoth-exec and checks its exit status and output.
#   run-wasi-test.sh EXEC [--status N] [--stdin FILE] [--stdout-is FILE] [--stdout-has TEXT]...
#                    [--stdout-lacks TEXT]... [--stderr-has TEXT]... [--stderr-lacks TEXT]... [--scratch]
#                    -- [EXEC-FLAGS...] MODULE.wasm [ARGS...]
# --scratch: a fresh folder holding root/ (empty) and outside.txt ("secret"); @SCRATCH@ in the
# arguments names it (e.g. --dir @SCRATCH@/root). After the run, outside.txt must be unchanged and
# nothing else may have appeared beside root/.
# stdin is /dev/null unless --stdin names a file; --stdout-is: stdout must equal that file's bytes.
set -u
exec_binary=$1
shift
expected_status=0 input=/dev/null stdout_is='' scratch=''
declare -a stdout_has=() stdout_lacks=() stderr_has=() stderr_lacks=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case "$1" in
    --status) expected_status=$2; shift ;;
    --stdout-has) stdout_has+=("$2"); shift ;;
    --stdout-lacks) stdout_lacks+=("$2"); shift ;;
    --stderr-has) stderr_has+=("$2"); shift ;;
    --stderr-lacks) stderr_lacks+=("$2"); shift ;;
    --stdin) input=$2; shift ;;
    --stdout-is) stdout_is=$2; shift ;;
    --scratch) scratch=$(mktemp -d); mkdir "$scratch/root"; printf secret >"$scratch/outside.txt" ;;
    *) echo "run-wasi-test: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
shift # --
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"; [ -z "$scratch" ] || rm -rf "$scratch"' EXIT
declare -a arguments=()
for argument in "$@"; do arguments+=("${argument//@SCRATCH@/$scratch}"); done
"$exec_binary" "${arguments[@]}" >"$out" 2>"$err" <"$input"
status=$?
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
if [ -n "$scratch" ]; then
    [ "$(cat "$scratch/outside.txt")" = secret ] || fail "outside.txt changed"
    [ "$(ls -A "$scratch" | tr '\n' ' ')" = "outside.txt root " ] || fail "beside root/: $(ls -A "$scratch" | tr '\n' ' ')"
fi
[ "$status" -eq "$expected_status" ] || fail "exit status $status, expected $expected_status"
for text in "${stdout_has[@]}"; do grep -qF -- "$text" "$out" || fail "stdout lacks: $text"; done
for text in "${stdout_lacks[@]}"; do grep -qF -- "$text" "$out" && fail "stdout has: $text"; done
for text in "${stderr_has[@]}"; do grep -qF -- "$text" "$err" || fail "stderr lacks: $text"; done
for text in "${stderr_lacks[@]}"; do grep -qF -- "$text" "$err" && fail "stderr has: $text"; done
[ -z "$stdout_is" ] || cmp -s "$stdout_is" "$out" || fail "stdout is not exactly $stdout_is"
if [ "$failures" -gt 0 ]; then
    echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"
    exit 1
fi
echo "ok ($(wc -l <"$out") lines of output, status $status)"
