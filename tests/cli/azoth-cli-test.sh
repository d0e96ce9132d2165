#!/usr/bin/env bash
# Checks the azoth command's contract: help lists every subcommand, and unknown subcommands or
# flags print usage and exit non-zero. Nothing here builds or installs anything.
set -u
azoth=${1:?usage: azoth-cli-test.sh PATH/TO/azoth}
failures=0
check() {
    local description=$1
    shift
    if "$@"; then
        echo "ok: $description"
    else
        echo "FAIL: $description"
        failures=$((failures + 1))
    fi
}

help=$("$azoth" --help 2>&1)
help_status=$?
check "--help exits 0" test "$help_status" -eq 0
for command in run test setup build bench exec; do
    check "--help lists '$command'" grep -q "^  $command " <<<"$help"
    out=$("$azoth" "$command" --help 2>&1)
    check "'$command --help' exits 0 and prints usage" test $? -eq 0 -a -n "$(grep "usage: ./azoth $command" <<<"$out")"
done

out=$("$azoth" no-such-command 2>&1)
status=$?
check "unknown subcommand exits non-zero" test "$status" -ne 0
check "unknown subcommand prints usage" grep -q "usage:" <<<"$out"

for command in run test build bench setup; do
    out=$("$azoth" "$command" --no-such-flag 2>&1)
    status=$?
    check "'$command --no-such-flag' exits non-zero" test "$status" -ne 0
    check "'$command --no-such-flag' prints usage" grep -q "usage: ./azoth $command" <<<"$out"
done

out=$("$azoth" build --arch sparc 2>&1)
check "'build --arch sparc' is refused" test $? -ne 0
out=$("$azoth" run --arch sparc 2>&1)
check "'run --arch sparc' is refused" test $? -ne 0

out=$("$azoth" 2>&1)
check "no subcommand exits non-zero" test $? -ne 0

[ "$failures" -eq 0 ]
