#!/usr/bin/env python3
"""Builds the initrd of the `spectest` boot image: the Wasm spec suite converted for the kernel.

usage: make-spec-initrd.py --suite DIR --expected FILE --work DIR --output initrd-spectest.tar

For every DIR/NAME.wast: wast2json into WORK/NAME/, then each text-format module file (.wat) the
script names is given to wat2wasm --no-check; the ones it rejects are listed in NAME/text-rejected
(the kernel has no text parser, so this decision is made here, exactly as the hosted driver makes
it at test time). The tar (ustar) holds spec/NAME/{NAME.json, *.wasm, *.wat, text-rejected} and
spec/expected-failures.txt. Exit status 1 when a script cannot be converted.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from initrd_tar import write_tar  # noqa: E402  (modules/build/initrd_tar.py)


def convert(wast, work):
    name = os.path.splitext(os.path.basename(wast))[0]
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.unlink(os.path.join(folder, old))
    json_path = os.path.join(folder, name + ".json")
    done = subprocess.run(["wast2json", wast, "-o", json_path], capture_output=True, text=True)
    if done.returncode != 0:
        return name, f"wast2json failed: {done.stderr.strip()[:300]}"
    with open(json_path) as file:
        script = json.load(file)
    rejected = []
    for command in script.get("commands", []):
        filename = command.get("filename", "")
        if command.get("module_type") == "text" and filename.endswith(".wat"):
            check = subprocess.run(["wat2wasm", "--no-check", os.path.join(folder, filename), "-o", os.devnull],
                                   capture_output=True)
            if check.returncode != 0:
                rejected.append(filename)
    with open(os.path.join(folder, "text-rejected"), "w") as file:
        file.write("".join(f"{entry}\n" for entry in rejected))
    return name, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    wasts = sorted(os.path.join(args.suite, f) for f in os.listdir(args.suite) if f.endswith(".wast"))
    if not wasts:
        print(f"make-spec-initrd: no .wast files in {args.suite}", file=sys.stderr)
        return 1
    os.makedirs(args.work, exist_ok=True)
    failed = False
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, problem in pool.map(lambda wast: convert(wast, args.work), wasts):
            if problem:
                print(f"make-spec-initrd: {name}: {problem}", file=sys.stderr)
                failed = True
    if failed:
        return 1

    entries = [(args.expected, "spec/expected-failures.txt")]
    for wast in wasts:
        name = os.path.splitext(os.path.basename(wast))[0]
        folder = os.path.join(args.work, name)
        for entry in sorted(os.listdir(folder)):
            arcname = f"spec/{name}/{entry}"
            if len(arcname) > 99:
                print(f"make-spec-initrd: path too long for ustar without prefix: {arcname}", file=sys.stderr)
                return 1
            entries.append((os.path.join(folder, entry), arcname))
    write_tar(args.output, entries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
