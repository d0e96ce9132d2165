#!/usr/bin/env python3
"""boot.<arch>.privacy-reset: instant reset through azoth_reset (tests/privacy, docs/privacy.md).

usage: privacy-boot-test.py --arch ARCH --arch-build DIR [--timeout S]

Boots esp-privacy.img. Its init, privacy-supervisor, resets privacy-victim servers, a sleeper and a
server under a client's call, and prints "privacy: CASE ok" per case (erase, ipc-call,
blocking-call, outgoing-call, errors, no-remnants, no-leak), then "privacy: N cases, 0 failed". Checks every case passed, no
module line says FAIL, the kernel did not panic, the client was refused azoth_reset without
`supervisor`, and power-off status 0. Prints the measured reset times and the frame counts.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py)

CASES = ["erase", "ipc-call", "blocking-call", "outgoing-call", "errors", "no-remnants", "no-leak"]


def main():
    args, booted = azoth_boot.boot_image_test(__doc__, "esp-privacy.img", "privacy")
    if booted is None:
        return 1
    log = booted.log
    extra_failures = []
    azoth_boot.print_lines(log, ("privacy:", "privacy-victim:"))
    expectations = [(f"case {case}", rf"^privacy: {case} ok$") for case in CASES]
    expectations += [
        ("every case passed", rf"^privacy: {len(CASES)} cases, 0 failed$"),
        ("a module without supervisor is refused azoth_reset",
         r"^privacy-victim: client: azoth_reset without supervisor -> \d+ \(E_PERMISSION_DENIED, as expected\)$"),
        ("no module reported a failure", r"\A(?![\s\S]*^privacy(?:-victim)?: FAIL)"),
    ]
    # A reset must end the blocking call or the outgoing IPC call and run _start again: the sleeper
    # runs 4 times (3 resets), the caller 3 times (2 resets).
    for what, line, runs in (("the sleeper", "privacy-victim: sleeper run (pristine at start: 1)", 4),
                             ("the caller", "privacy-victim: caller: calling privacy-b OP_SLEEP (pristine at start: 1)", 3)):
        seen = log.count(line)
        print(f"{'ok' if seen == runs else 'FAIL'}: {what} ran {seen} times, each pristine (expected {runs})")
        if seen != runs:
            extra_failures.append(what)
    failed = azoth_boot.check_expectations(log, expectations)
    failed |= bool(extra_failures)
    failed |= azoth_boot.check_patterns(log, [r"athanor: ready"])
    failed |= azoth_boot.panicked(log)
    failed |= azoth_boot.status_failed(booted.status)
    return azoth_boot.verdict(failed, log, booted.stderr)


if __name__ == "__main__":
    sys.exit(main())
