#!/usr/bin/env python3
"""Packs Wasm modules and their manifests into an initrd (ustar).

usage: make-initrd.py --output initrd.tar NAME=MODULE.wasm:MANIFEST [...] [@PATH=FILE ...]

Each module becomes modules/NAME.wasm and modules/NAME.manifest (kernel/process/Manifest.h);
@PATH=FILE adds FILE as PATH (e.g. bench/ipc-echo.wasm, which init does not start).
Entries are written in argument order with fixed owner and time, so the tar is reproducible.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from initrd_tar import write_tar  # noqa: E402  (modules/build/initrd_tar.py)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("modules", nargs="*")
    args = parser.parse_args()
    entries = []
    for entry in args.modules:
        if entry.startswith("@"):
            path, _, file = entry[1:].partition("=")
            if not path or not os.path.isfile(file):
                print(f"make-initrd: bad file entry '{entry}'", file=sys.stderr)
                return 1
            entries.append((file, path))
            continue
        name, _, files = entry.partition("=")
        wasm, _, manifest = files.partition(":")
        if not name or not os.path.isfile(wasm) or not os.path.isfile(manifest):
            print(f"make-initrd: bad module entry '{entry}'", file=sys.stderr)
            return 1
        entries += [(wasm, f"modules/{name}.wasm"), (manifest, f"modules/{name}.manifest")]
    write_tar(args.output, entries, mode=0o644)
    return 0


if __name__ == "__main__":
    sys.exit(main())
