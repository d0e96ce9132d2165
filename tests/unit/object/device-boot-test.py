#!/usr/bin/env python3
"""Booted device-object test (QEMU via tools/qemu-run).

usage: device-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
    boots esp-device.img (init + tests/unit/object/booted): device-probe gets the console UART's
    Device and Irq handles from its manifest (published by the kernel), takes the UART's
    transmit-empty interrupt as event bits (masked until irq_ack, no second delivery while
    masked, delivered again after the ack), runs a 2 ms periodic Timer, and passes an event to
    device-peer with call_with_handle (copy and move); every module exits 0, the frame balance is
    exact and init exits 0.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
QEMU_RUN = os.path.join(ROOT, "tools", "qemu-run")

EXPECTATIONS = [(f"probe case {case}", rf"^device-probe: {re.escape(case)} ok$") for case in ("timer", "uart-irq", "handle-in-call")] + [
    ("probe: every case passed", r"^device-probe: all passed \(0 failed\)$"),
    ("device-peer ends cleanly", r"^init: device-peer exited \(code 0\); not restarted$"),
    ("device-probe exits 0", r"^init: device-probe exited \(code 0\); not restarted$"),
    ("free frames back to the baseline", r"^init: frame balance ok; \d+ restarts in total$"),
    ("init exits 0", r"^athanor: init exited \(code 0\)"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--arch-build", required=True)
    parser.add_argument("--timeout", type=int, default=240)
    args = parser.parse_args()
    image = os.path.join(args.arch_build, "esp-device.img")
    if not os.path.isfile(image):
        print(f"FAIL: {image} is missing (./azoth build --arch {args.arch})")
        return 1
    with tempfile.TemporaryDirectory() as work:
        log_path = os.path.join(work, "device.log")
        command = [QEMU_RUN, "--arch", args.arch, "--image", image, "--headless", "--timeout", str(args.timeout),
                   "--serial-log", log_path]
        start = time.monotonic()
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds = time.monotonic() - start
        log = ""
        if os.path.exists(log_path):
            with open(log_path, "rb") as file:
                log = file.read().decode("utf-8", "replace")
    log = re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", log).replace("\r", "")
    for line in log.splitlines():
        if line.startswith(("device-", "init: ", "athanor: init")):
            print(line)
    print(f"boot took {seconds:.1f}s, status {done.returncode}")
    failed = False
    for what, pattern in EXPECTATIONS:
        if re.search(pattern, log, re.M):
            print(f"ok: {what}")
        else:
            print(f"FAIL: {what} (no line matching {pattern})")
            failed = True
    if "FAIL" in "\n".join(line for line in log.splitlines() if line.startswith("device-")):
        print("FAIL: a module reported a failure")
        failed = True
    if done.returncode != 0:
        print(f"FAIL: power-off status {done.returncode}")
        failed = True
    if failed:
        print(log[-6000:])
        print(done.stderr.decode("utf-8", "replace")[-2000:])
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
