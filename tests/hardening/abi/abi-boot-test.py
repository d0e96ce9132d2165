#!/usr/bin/env python3
"""Booted regression tests of the ABI findings of the hardening issue (docs/security.md).

usage:
  abi-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
      boots esp-abi.img (init + abi-findings): poll_oneoff with overlapping subscription and event
      buffers answers from the kernel's copy (finding 1), a Read|Map channel handle yields a ring
      region without Write (finding 3), spawn aimed at a read-only mapping is E_FAULT and starts no
      child (finding 5), a region made by a server's handler on the client's thread is charged to
      the server (abi-server's max-regions refuses its third); the kernel never panics,
      abi-findings exits 0, the frame balance is exact
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py)

CASES = ["poll-overlap", "poll-same-buffer", "channel-rights", "spawn-read-only", "server-charges"]
EXPECTATIONS = [(f"case {case}", rf"^abi-findings: {case} ok$") for case in CASES] + [
    ("every case passed", r"^abi-findings: all passed \(0 failed\)$"),
    azoth_boot.exits_zero("abi-findings"),
    azoth_boot.exits_zero("abi-server", "abi-server ends when asked"),
] + azoth_boot.INIT_ENDS_CLEANLY


def main():
    _, run = azoth_boot.boot_image_test(__doc__, "esp-abi.img", "abi")
    if run is None:
        return 1
    azoth_boot.print_lines(run.log, ("abi-findings", "init: ", "athanor: init", "PANIC", "athanor: panic"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    failed = azoth_boot.check_expectations(run.log, EXPECTATIONS)
    failed |= azoth_boot.panicked(run.log)
    failed |= azoth_boot.module_failed(run.log, ("abi-findings",))
    failed |= azoth_boot.status_failed(run.status)
    return azoth_boot.verdict(failed, run.log, run.stderr)


if __name__ == "__main__":
    sys.exit(main())
