#!/bin/sh
# run-fuzz.sh regressions FUZZER REGRESSION_DIR WORK_DIR
#   replays every committed crash input once (each must now run cleanly)
# run-fuzz.sh bounded FUZZER SPEC_SUITE_DIR WORK_DIR SECONDS
#   converts the spec suite's .wast files to .wasm seeds (when the suite is there) and fuzzes for
#   SECONDS from a fresh corpus with libFuzzer seed 1; a crash leaves its input in
#   WORK_DIR/crashes/ and fails the run.
set -eu
mode=$1 fuzzer=$2
case "$mode" in
regressions)
    # Each input must run cleanly, except those named in known-crashes.txt (engine bugs reported
    # in tests/spec/API-REQUESTS.md), which must still fail: once one passes, delist it.
    inputs=$3 work=$4 known="$3/../known-crashes.txt"
    # Every input the list names must exist: a missing file would make its check pass unseen.
    for name in $(grep -v '^#' "$known" 2>/dev/null | awk 'NF { print $1 }'); do
        if [ ! -e "$inputs/$name" ]; then
            echo "fuzz.regressions: known-crashes.txt names $name, which is not in $inputs"
            exit 1
        fi
    done
    set -- "$inputs"/*
    if [ ! -e "$1" ]; then
        echo "fuzz.regressions: no committed crash inputs in $inputs"
        exit 1
    fi
    mkdir -p "$work"
    status=0 clean=0 known_failing=0
    for input in "$@"; do
        name=$(basename "$input")
        listed=0
        grep -q "^$name\b" "$known" 2>/dev/null && listed=1
        if "$fuzzer" -runs=1 -timeout=20 -rss_limit_mb=2048 "$input" > "$work/replay-$name.log" 2>&1; then
            if [ $listed = 1 ]; then
                echo "NOW PASSES $name (listed in known-crashes.txt: remove the line)"
                status=1
            else
                clean=$((clean + 1))
            fi
        else
            if [ $listed = 1 ]; then
                echo "KNOWN CRASH $name: $(grep -m1 -E 'ERROR|SUMMARY' "$work/replay-$name.log")"
                known_failing=$((known_failing + 1))
            else
                echo "CRASH $name:"
                grep -E 'ERROR|SUMMARY|^    #[0-3] ' "$work/replay-$name.log" | head -8
                status=1
            fi
        fi
    done
    echo "fuzz.regressions: $# inputs, $clean run cleanly, $known_failing known crashes still failing"
    exit $status
    ;;
bounded)
    suite=$3 work=$4 seconds=$5
    seeds="$work/seeds" corpus="$work/corpus" crashes="$work/crashes"
    # A fresh corpus and a fixed libFuzzer seed: the CI run is bounded and reproducible.
    rm -rf "$seeds" "$corpus" && mkdir -p "$seeds" "$corpus" "$crashes"
    if [ -d "$suite" ] && command -v wast2json >/dev/null 2>&1; then
        for wast in "$suite"/*.wast; do
            name=$(basename "$wast" .wast)
            mkdir -p "$work/json/$name"
            wast2json "$wast" -o "$work/json/$name/$name.json" >/dev/null 2>&1 || true
            for wasm in "$work/json/$name"/*.wasm; do
                [ -e "$wasm" ] && cp "$wasm" "$seeds/"
            done
        done
        echo "fuzz.engine: $(ls "$seeds" | wc -l) seed modules from $suite"
    else
        echo "fuzz.engine: no spec suite at $suite; fuzzing from an empty corpus"
    fi
    [ "$seconds" = 0 ] && exit 0 # only the seeds were wanted
    exec "$fuzzer" -seed=1 -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "$seeds"
    ;;
*)
    echo "usage: run-fuzz.sh regressions|bounded ..." >&2
    exit 2
    ;;
esac
