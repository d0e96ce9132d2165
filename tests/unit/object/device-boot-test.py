#!/usr/bin/env python3
"""Booted device-object test (QEMU via tools/qemu-run).

usage: device-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
    boots esp-device.img (init + tests/unit/object/booted): device-probe gets the console UART's
    Device and Irq handles from its manifest (published by the kernel), takes the UART's
    transmit-empty interrupt as event bits (masked until irq_ack, no second delivery while
    masked, delivered again after the ack), receives the line this test types into the serial port
    after its prompt through the receive interrupt, runs a 2 ms periodic Timer, and passes an event to
    device-peer with call_with_handle (copy and move); every module exits 0, the frame balance is
    exact and init exits 0.
"""
import argparse
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

EXPECTATIONS = [(f"probe case {case}", rf"^device-probe: {re.escape(case)} ok$") for case in ("timer", "uart-irq", "uart-receive", "handle-in-call")] + [
    ("the typed line arrived through the receive interrupt", r'^device-probe: received "azoth" in \d+ interrupts$'),
    ("probe: every case passed", r"^device-probe: all passed \(0 failed\)$"),
    azoth_boot.exits_zero("device-peer", "device-peer ends cleanly"),
    azoth_boot.exits_zero("device-probe"),
] + azoth_boot.INIT_ENDS_CLEANLY


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--arch-build", required=True)
    parser.add_argument("--timeout", type=int, default=240)
    args = parser.parse_args()
    image = os.path.join(args.arch_build, "esp-device.img")
    if not azoth_boot.image_present(image, args.arch):
        return 1
    # The serial console is qemu-run's stdio: read it as it comes and type the line at the prompt.
    console = azoth_boot.Console(args.arch, image, args.timeout)
    try:
        if console.wait_for(r"device-probe: type a line"):
            time.sleep(0.2)
            console.type("azoth\r")
        returncode = console.wait_exit()
    finally:
        console.close()
    seconds = time.monotonic() - console.start
    log = console.text()
    azoth_boot.print_lines(log, ("device-", "init: ", "athanor: init"))
    print(f"boot took {seconds:.1f}s, status {returncode}")
    failed = azoth_boot.check_expectations(log, EXPECTATIONS)
    failed = azoth_boot.module_failed(log, ("device-",)) or failed
    failed = azoth_boot.status_failed(returncode) or failed
    return azoth_boot.verdict(failed, log, console.stderr())

if __name__ == "__main__":
    sys.exit(main())
