#!/usr/bin/env python3
"""virtio-console echo through a host chardev (issue #18, modules/virtio-console): boots the default
image with a virtio console port named org.azoth.echo whose host side is a Unix socket
(tools/qemu-run --port), waits for the driver to name the port, connects, and requires every byte
sent to come back in order: a text line, all 256 byte values, and a 4 KiB burst (more than the
driver's receive buffers hold at once). Then disconnects and connects again: the driver sees the
host go and come (PORT_OPEN events) and echoes on the new connection too.

usage: console-echo-test.py --arch A --arch-build DIR [--timeout S]
"""
import os
import re
import socket
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boot"))
import azoth_boot  # noqa: E402

PORT = "org.azoth.echo"


def connect(path, deadline):
    while time.monotonic() < deadline:
        try:
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.connect(path)
            return client
        except OSError:
            client.close()
            time.sleep(0.2)
    return None


def echo(client, payload, seconds):
    """Sends payload, reads until as many bytes came back (or the time is up); what came back."""
    client.sendall(payload)
    got = bytearray()
    client.settimeout(1.0)
    deadline = time.monotonic() + seconds
    while len(got) < len(payload) and time.monotonic() < deadline:
        try:
            chunk = client.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        got.extend(chunk)
    return bytes(got)


def main():
    args = azoth_boot.image_test_arguments(__doc__, timeout=300)
    if args.arch == azoth_boot.USERMODE:
        print("SKIP: the usermode port has no PCI devices")
        return 77
    failed = False
    with tempfile.TemporaryDirectory(prefix="azoth-echo-") as work:
        path = os.path.join(work, "echo.sock")
        console = azoth_boot.console_image(args, "esp.img", extra=["--port", f"{PORT}={path}"])
        if console is None:
            return 1
        per_step = 120 if args.arch != "x86_64" else 60
        try:
            if not console.wait_for(rf'^virtio-console: port \d+ is "{re.escape(PORT)}"$'):
                print("FAIL: the driver never named the echo port")
                failed = True
            else:
                for round_number in (1, 2):
                    client = connect(path, time.monotonic() + per_step)
                    if client is None:
                        print("FAIL: cannot connect to the port's socket")
                        failed = True
                        break
                    if not console.wait_for(rf"virtio-console: port \d+ \({re.escape(PORT)}\): host connected$",
                                            time.monotonic() + per_step):
                        print(f"FAIL: round {round_number}: the driver did not see the host connect")
                        failed = True
                    payloads = [b"ping from the host\n", bytes(range(256)), os.urandom(4096)]
                    for payload in payloads:
                        got = echo(client, payload, per_step)
                        if got != payload:
                            print(f"FAIL: round {round_number}: sent {len(payload)} bytes, {len(got)} came back"
                                  f"{' (different bytes)' if len(got) == len(payload) else ''}")
                            failed = True
                        else:
                            print(f"ok: round {round_number}: {len(payload)} bytes echoed")
                    client.close()
                    if round_number == 1 and not console.wait_for(
                            rf"virtio-console: port \d+ \({re.escape(PORT)}\): host disconnected$", time.monotonic() + per_step):
                        print("FAIL: the driver did not see the host disconnect")
                        failed = True
        finally:
            console.close()
        log = console.text()
    print("\n".join(line for line in log.splitlines() if line.startswith(("virtio-console:", "init: virtio-console"))))
    if azoth_boot.panicked(log) or re.search(r"^virtio-console: FAIL|^init: virtio-console (trapped|failed)", log, re.M):
        print("FAIL: the driver or the kernel failed")
        failed = True
    return azoth_boot.verdict(failed, log)


if __name__ == "__main__":
    sys.exit(main())
