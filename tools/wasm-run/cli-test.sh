#!/bin/sh
# wasm-run's command-line contract on a small module: outputs, traps, errors, exit codes.
set -u
run=$1 work=$2
command -v wat2wasm >/dev/null 2>&1 || { echo "SKIPPED: wat2wasm (wabt) is not installed"; exit 77; }
mkdir -p "$work"
cat > "$work/cli.wat" <<'WAT'
(module
  (import "spectest" "global_i32" (global i32))
  (func (export "answer") (result i32) (global.get 0))
  (func (export "add") (param i32 i64) (result i64) (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "spin") (loop (br 0)))
  (func (export "pair") (result f32 f64) (f32.const -0) (f64.const 1)))
WAT
wat2wasm "$work/cli.wat" -o "$work/cli.wasm" || exit 1
failures=0
expect() { # expect NAME STATUS OUTPUT -- ARGS...
    name=$1 status=$2 want=$3
    shift 4
    got=$("$run" "$@" 2>&1)
    code=$?
    if [ "$code" != "$status" ] || [ "$got" != "$want" ]; then
        printf 'FAIL %s: status %s (want %s)\n--- got\n%s\n--- want\n%s\n' "$name" "$code" "$status" "$got" "$want"
        failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
}
expect no-spectest 1 "error: instantiate: unknown import spectest.global_i32" -- "$work/cli.wasm"
expect add 0 "call add
result i64 0x0000000000000004" -- "$work/cli.wasm" --spectest --invoke add -1 5
expect trap 0 "call div
trap integer divide by zero" -- "$work/cli.wasm" --spectest --invoke div 1 0
expect fuel 0 "call spin
trap out of fuel" -- "$work/cli.wasm" --spectest --invoke spin --fuel 1000
expect bad-argument 2 "error: argument 1 ('x') is not a valid i32" -- "$work/cli.wasm" --spectest --invoke div x 0
expect no-export 1 "error: no exported function 'nope'" -- "$work/cli.wasm" --spectest --invoke nope
expect all-without-params 0 "call answer
result i32 0x0000029a
call spin
trap out of fuel
call pair
result f32 0x80000000
result f64 0x3ff0000000000000" -- "$work/cli.wasm" --spectest --fuel 100000
printf '\0asm\2\0\0\0' > "$work/bad.wasm"
"$run" "$work/bad.wasm" > "$work/bad.out" 2>&1
code=$?
if [ $code != 1 ] || ! grep -q "^error: module: malformed at offset 0x4" "$work/bad.out"; then
    echo "FAIL malformed: status $code"; cat "$work/bad.out"; failures=$((failures + 1))
else
    echo "ok   malformed"
fi
[ $failures = 0 ]
