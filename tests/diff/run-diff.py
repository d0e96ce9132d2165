#!/usr/bin/env python3
"""Differential test: binaryen -ttf modules run in our engine (wasm-run --fuzz) and in V8 (node
run-v8.js); every line they print must agree once trap messages are mapped to their spec meaning.
Fixed seeds make each run reproducible. Known divergences (each explained in README.md) are a
ratchet like the spec suite's: a new one fails, a listed one that now agrees fails too."""
import argparse
import collections
import concurrent.futures
import os
import random
import subprocess
import threading
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The Wasm 2.0 features V8 in node runs without flags. Not reference-types: binaryen 108's
# generator then emits typed function references (ref $t), which are not Wasm 2.0.
FEATURES = [
    "--enable-sign-ext", "--enable-mutable-globals", "--enable-nontrapping-float-to-int",
    "--enable-simd", "--enable-bulk-memory", "--enable-multivalue",
]
FUEL = 200_000_000  # a safety net only: binaryen's hang limit already bounds loops and recursion

# Trap messages -> what they mean. Ours are the spec's wording; V8's are its own. Where V8 uses
# one message for several spec traps (table index / null or signature mismatch), the class is the
# union of those traps.
TRAP_CLASSES = [
    ("unreachable", ["unreachable", "RuntimeError: unreachable"]),
    ("memory", ["out of bounds memory access", "RuntimeError: memory access out of bounds",
                "RuntimeError: data segment out of bounds"]),
    ("divide", ["integer divide by zero", "RuntimeError: divide by zero", "RuntimeError: remainder by zero"]),
    # The spec says "integer overflow" for both i32.div_s(INT_MIN, -1) and an out-of-range
    # trunc, and "invalid conversion to integer" for trunc(NaN); V8 splits by instruction instead.
    ("overflow/conversion", ["integer overflow", "invalid conversion to integer",
                             "RuntimeError: divide result unrepresentable",
                             "RuntimeError: float unrepresentable in integer range"]),
    ("table", ["undefined element", "uninitialized element", "indirect call type mismatch", "out of bounds table access",
               "RuntimeError: table index is out of bounds", "RuntimeError: null function or function signature mismatch",
               "RuntimeError: element segment out of bounds", "RuntimeError: table access out of bounds"]),
    ("stack", ["call stack exhausted", "RangeError: Maximum call stack size exceeded"]),
    ("host-v128", ["host: v128 at the JS boundary", "TypeError: type incompatibility when transforming from/to JS"]),
]


def trap_class(message):
    for name, messages in TRAP_CLASSES:
        for known in messages:
            if message == known or message.startswith(known):
                return name
    return "unknown(" + message + ")"


def normalize(output):
    lines = []
    for line in output.splitlines():
        if line.startswith("trap "):
            lines.append("trap " + trap_class(line[5:]))
        elif line.startswith("instantiate trap "):
            lines.append("instantiate trap " + trap_class(line[17:]))
        elif line.startswith("error: module"):
            lines.append("error: module")
        elif line.startswith("log v128"):
            continue  # never printed by V8: the TypeError comes first
        else:
            lines.append(line)
    return lines


def generate(seed, folder, wasm_opt, features=None):
    rng = random.Random(seed)
    size = rng.choice([512, 2048, 8192, 20000])
    data_path = os.path.join(folder, "%d.dat" % seed)
    wasm_path = os.path.join(folder, "%d.wasm" % seed)
    with open(data_path, "wb") as data:
        data.write(bytes(rng.getrandbits(8) for _ in range(size)))
    subprocess.run([wasm_opt, data_path, "-ttf", *(features or FEATURES), "-o", wasm_path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    os.unlink(data_path)
    return wasm_path


TIERS = collections.Counter()  # --tier compiled: which tier wasm-run says each module ran on
TIERS_LOCK = threading.Lock()


def run(command, timeout, stderr_lines=None):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if stderr_lines is not None:
            stderr_lines.extend(done.stderr.splitlines())
        text = done.stdout
        if done.returncode not in (0, 1):
            text += "exit status %d\n%s" % (done.returncode, done.stderr[-2000:])
        return text
    except subprocess.TimeoutExpired:
        return "timeout after %ds\n" % timeout


def compare(key, wasm_path, options):
    ours_stderr = []
    ours = run([options.wasm_run, "--fuzz", "--fuel", str(FUEL), "--tier", options.tier, wasm_path], options.timeout,
               ours_stderr)
    if options.tier == "compiled":
        tier = next((line[len("wasm-run: tier "):] for line in ours_stderr if line.startswith("wasm-run: tier ")), "not instantiated")
        with TIERS_LOCK:
            TIERS[tier] += 1
    theirs = run([options.node, "--experimental-wasm-type-reflection", os.path.join(HERE, "run-v8.js"), wasm_path],
                 options.timeout)
    ours_lines, theirs_lines = normalize(ours), normalize(theirs)
    if ours_lines == theirs_lines:
        if not options.keep:
            os.unlink(wasm_path)
        return key, None, len(ours_lines), None
    for index in range(max(len(ours_lines), len(theirs_lines))):
        a = ours_lines[index] if index < len(ours_lines) else "<end>"
        b = theirs_lines[index] if index < len(theirs_lines) else "<end>"
        if a != b:
            context = ours_lines[max(0, index - 3):index]
            where = " / ".join(line for line in context if line.startswith("call ")) or "start"
            detail = "line %d (after %s): engine '%s', V8 '%s'" % (index + 1, where, a, b)
            return key, detail, len(ours_lines), wasm_path
    return key, "outputs differ", len(ours_lines), wasm_path


def check_seed(seed, options):
    try:
        features = [f for f in FEATURES if f != "--enable-simd"] if options.no_simd else FEATURES
        wasm_path = generate(seed, options.work, options.wasm_opt, features)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        return str(seed), "generator failed: %s" % error, None, None
    return compare(str(seed), wasm_path, options)


def check_case(path, options):
    name = os.path.basename(path)
    wasm_path = os.path.join(options.work, name[:-4] + ".wasm")
    converted = subprocess.run(["wat2wasm", path, "-o", wasm_path], capture_output=True, text=True)
    if converted.returncode != 0:
        return name, "wat2wasm failed: " + converted.stderr.strip()[:200], None, None
    return compare(name, wasm_path, options)


def sort_key(key):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def load_known(path):
    known = {}
    if not os.path.exists(path):
        return known
    with open(path) as listing:
        for line in listing:
            text = line.split("#", 1)[0].strip()
            if text:
                known[text] = line.split("#", 1)[1].strip() if "#" in line else ""
    return known


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wasm-run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--cases", default=os.path.join(HERE, "cases"), help="folder of hand-written .wat cases")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--known", default=os.path.join(HERE, "known-divergences.txt"))
    parser.add_argument("--update-known", action="store_true", help="rewrite the known-divergences list")
    parser.add_argument("--keep", action="store_true", help="keep every generated module, not only divergent ones")
    parser.add_argument("--wasm-opt", default="wasm-opt")
    parser.add_argument("--node", default="node")
    parser.add_argument("--no-simd", action="store_true", help="generate modules without SIMD")
    parser.add_argument("--tier", default="interp", choices=["interp", "compiled"],
                        help="the engine tier wasm-run uses (compiled: modules it does not cover run interpreted)")
    options = parser.parse_args()

    for tool in (options.wasm_opt, options.node):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode != 0:
            print("SKIPPED: %s is not installed (./azoth setup installs binaryen and node)" % tool)
            return 77
    os.makedirs(options.work, exist_ok=True)
    seeds = range(options.first_seed, options.first_seed + options.count)
    cases = sorted(os.path.join(options.cases, name) for name in os.listdir(options.cases)
                   if name.endswith(".wat")) if os.path.isdir(options.cases) else []
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        jobs = [pool.submit(check_case, case, options) for case in cases]
        jobs += [pool.submit(check_seed, seed, options) for seed in seeds]
        for job in jobs:
            key, problem, line_count, wasm_path = job.result()
            results[key] = (problem, line_count, wasm_path)

    divergent = {seed: result for seed, result in results.items() if result[0] is not None}
    compared_lines = sum(result[1] or 0 for result in results.values())
    known = load_known(options.known)
    if options.update_known:
        with open(options.known, "w") as listing:
            listing.write("# Seeds of tests/diff whose engine and V8 outputs diverge today (see README.md).\n"
                          "# Regenerate: run-diff.py ... --update-known. Format: <seed or case.wat>  # first difference\n")
            for key in sorted(divergent, key=sort_key):
                listing.write("%s  # %s\n" % (key, divergent[key][0][:200]))
        print("wrote %s: %d divergent modules" % (options.known, len(divergent)))

    in_range = {seed for seed in known if seed in results}
    new = sorted((key for key in divergent if key not in known), key=sort_key)
    fixed = sorted((key for key in in_range if key not in divergent), key=sort_key)
    for key in sorted(divergent, key=sort_key):
        marker = "KNOWN" if key in known else "DIVERGENCE"
        print("%s %s: %s (module kept: %s)" % (marker, key, divergent[key][0], divergent[key][2]))
    for key in fixed:
        print("NOW AGREES %s (listed in %s; remove it or rerun with --update-known)" % (key, options.known))
    print("diff: %d/%d modules agree (%d seeds from %d, %d hand-written cases; %d lines compared), "
          "%d divergent (%d known, %d new), %d known now agree"
          % (len(results) - len(divergent), len(results), len(seeds), options.first_seed, len(cases), compared_lines,
             len(divergent), len(divergent) - len(new), len(new), len(fixed)))
    if options.tier == "compiled":
        print("tiers: " + ", ".join("%d %s" % (count, tier) for tier, count in TIERS.most_common()))
    if options.update_known:
        return 0
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
