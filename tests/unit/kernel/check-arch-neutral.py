#!/usr/bin/env python3
"""Fails when generic kernel code tests an architecture macro.

The arch interface (kernel/arch/Arch.h) is the only way generic code may differ between
architectures; files under kernel/arch/ are the arch implementations and are exempt.
usage: check-arch-neutral.py KERNEL_DIR
"""
import os
import re
import sys

ARCH_MACROS = re.compile(r"__x86_64__|__amd64__|__i386__|__aarch64__|__arm__|__riscv")


def main():
    kernel = sys.argv[1]
    offenders = []
    for directory, _, files in os.walk(kernel):
        relative = os.path.relpath(directory, kernel)
        if relative == "arch" or relative.startswith("arch" + os.sep):
            continue
        for name in files:
            if not name.endswith((".h", ".cpp", ".S", ".c")):
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8", errors="replace") as source:
                for number, line in enumerate(source, 1):
                    if ARCH_MACROS.search(line):
                        offenders.append(f"{os.path.relpath(path, kernel)}:{number}: {line.strip()}")
    for offender in offenders:
        print(f"arch macro in generic kernel code: kernel/{offender}")
    if offenders:
        print("use the arch interface (kernel/arch/Arch.h) instead")
        return 1
    print("generic kernel code is arch-neutral")
    return 0


if __name__ == "__main__":
    sys.exit(main())
