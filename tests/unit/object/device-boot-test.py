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
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
QEMU_RUN = os.path.join(ROOT, "tools", "qemu-run")

EXPECTATIONS = [(f"probe case {case}", rf"^device-probe: {re.escape(case)} ok$") for case in ("timer", "uart-irq", "uart-receive", "handle-in-call")] + [
    ("the typed line arrived through the receive interrupt", r'^device-probe: received "azoth" in \d+ interrupts$'),
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
    # The serial console is qemu-run's stdio: read it as it comes and type the line at the prompt.
    command = [QEMU_RUN, "--arch", args.arch, "--image", image, "--headless", "--timeout", str(args.timeout)]
    start = time.monotonic()
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
    chunks = []
    typed = False
    for raw in iter(process.stdout.readline, b""):
        chunks.append(raw)
        if not typed and b"device-probe: type a line" in raw:
            time.sleep(0.2)
            process.stdin.write(b"azoth\r")
            process.stdin.flush()
            typed = True
    returncode = process.wait()
    seconds = time.monotonic() - start
    errors.seek(0)
    stderr = errors.read().decode("utf-8", "replace")
    log = b"".join(chunks).decode("utf-8", "replace")
    log = re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", log).replace("\r", "")
    for line in log.splitlines():
        if line.startswith(("device-", "init: ", "athanor: init")):
            print(line)
    print(f"boot took {seconds:.1f}s, status {returncode}")
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
    if returncode != 0:
        print(f"FAIL: power-off status {returncode}")
        failed = True
    if failed:
        print(log[-6000:])
        print(stderr[-2000:])
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
