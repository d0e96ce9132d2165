#!/usr/bin/env python3
"""Booted IPC tests (QEMU via tools/qemu-run).

usage:
  ipc-boot-test.py ipc --arch ARCH --arch-build DIR [--timeout S]
      boots esp-ipc.img (init + tests/ipc/booted): ipc-echo serves `echo`, ipc-client passes every
      case (calls, rights, derive, forged/stale handles, trapping server, zero-copy between two
      processes, revoke unmaps the other process's mapping, channel wrap-around, timeouts, server
      exit, server restart: handle_find reaches the new instance), a call to a busy server waits
      its turn and calls are served in arrival order (ipc-queue-first/-second/-third), a call cycle is refused on one side only (ipc-peer-x/-y),
      ipc-intruder (no handles)
      reaches nothing, ipc-spinner is killed by its watchdog inside a call that never returns and
      ipc-echo stays callable, ipc-reader maps a region read-only and reads what ipc-echo wrote,
      ipc-echo's store into its own read-only mapping traps only its call, ipc-reader's store into
      its read-only window traps ipc-reader, every module ends as expected, the frame balance is
      exact and init exits 0
  ipc-boot-test.py kill --arch ARCH --arch-build DIR [--timeout S]
      boots esp-ipc.img with `ipc-kill-test`: ipc-echo is killed while ipc-spinner's call runs in
      its Store (spinning, then blocked in event_wait, then blocked with a second caller waiting in
      ipc-echo's queue, then with that waiter killed first); the call ends with E_SERVER_TRAPPED,
      the queued call with E_NOT_FOUND (or the killed waiter ends at once), the ipc-spinners exit
      0, ipc-echo ends killed, the linear-memory frames come back
  ipc-boot-test.py bench --arch ARCH --arch-build DIR [--timeout S] [--json OUT]
      boots esp-test.img (the test kernel) with `bench-ipc` and prints/collects the in-kernel IPC figures
"""
import argparse
import json
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, log, checks)


CLIENT_CASES = ["connect", "calls", "rights", "derive", "forged-handles", "server-trap", "zero-copy", "revoke-unmaps",
                "channel-wrap", "timeouts", "server-exit", "server-restart"]

IPC_EXPECTATIONS = [("ipc-echo serves", r"^ipc-echo: serving$")] + [
    (f"client case {case}", rf"^ipc-client: {re.escape(case)} ok$") for case in CLIENT_CASES] + [
    ("client: every case passed", r"^ipc-client: all passed \(0 failed\)$"),
    ("intruder reaches nothing", r"^ipc-intruder: no-handle-no-access ok$"),
    ("reader maps read-only and reads the server's bytes", r"^ipc-reader: read-only-map ok$"),
    ("a server's store into its read-only mapping traps its call; it keeps serving",
     r"^ipc-reader: server-read-only-trap ok$"),
    ("reader reaches its store into the read-only window", r"^ipc-reader: storing into the read-only window"),
    ("that store traps ipc-reader (not the kernel)", r"^init: ipc-reader trapped \(write to a read-only region mapping\); not restarted$"),
    ("ipc-echo ends cleanly after OP_QUIT and is restarted once", r"^init: ipc-echo exited \(code 0\); restart 1 after \d+ ms$"),
    ("the restarted ipc-echo ends cleanly", r"^init: ipc-echo exited \(code 0\); gave up after 1 restarts$"),
    azoth_boot.exits_zero("ipc-client"),
    azoth_boot.exits_zero("ipc-intruder"),
    ("a caller killed in the middle of a call (its watchdog) ends, the server stays callable",
     r"^init: ipc-spinner killed; not restarted$"),
    ("ipc-queue serves", r"^ipc-queue: serving$"),
    ("queue: the first call holds the server", r"^ipc-queue-first: ok held the server 1000 ms as entry 0$"),
    ("queue: a call to the busy server waits its turn (no E_BUSY) and is served second",
     r"^ipc-queue-second: ok waited \d+ ms behind the first call, served second$"),
    azoth_boot.exits_zero("ipc-queue", "ipc-queue ends cleanly"),
    azoth_boot.exits_zero("ipc-queue-first"),
    ("queue: a later call waits behind it and is served third (arrival order)",
     r"^ipc-queue-third: ok waited \d+ ms behind the first call, served third$"),
    azoth_boot.exits_zero("ipc-queue-second"),
    azoth_boot.exits_zero("ipc-queue-third"),
    azoth_boot.exits_zero("ipc-peer-x"),
    azoth_boot.exits_zero("ipc-peer-y"),
] + azoth_boot.INIT_ENDS_CLEANLY


def ipc(args, work):
    image = os.path.join(args.arch_build, "esp-ipc.img")
    if not azoth_boot.image_present(image, args.arch):
        return 1
    run = azoth_boot.boot(args.arch, image, args.timeout, work, "ipc", cmdline=None)
    log = run.log
    azoth_boot.print_lines(log, ("ipc-", "init: ", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    failed = azoth_boot.check_expectations(log, IPC_EXPECTATIONS)
    # The call cycle (ipc-peer-x calls peer-y while ipc-peer-y calls peer-x): exactly one side is
    # refused with E_BUSY at once, the other waits its turn and succeeds; neither hangs.
    refused = re.findall(r"^ipc-peer-([xy]): call refused \(cycle\)", log, re.M)
    waited = re.findall(r"^ipc-peer-([xy]): call waited and succeeded", log, re.M)
    if len(refused) == 1 and len(waited) == 1 and refused != waited:
        print(f"ok: call cycle: peer-{refused[0]} refused (E_BUSY), peer-{waited[0]} waited and succeeded")
    else:
        print(f"FAIL: call cycle: refused {refused}, waited {waited} (expected one of each)")
        failed = True
    failed = azoth_boot.module_failed(log, ("ipc-",)) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    return azoth_boot.verdict(failed, log, run.stderr)


def kill(args, work):
    image = os.path.join(args.arch_build, "esp-ipc.img")
    if not azoth_boot.image_present(image, args.arch):
        return 1
    run = azoth_boot.boot(args.arch, image, args.timeout, work, "ipc-kill", cmdline="ipc-kill-test")
    azoth_boot.print_lines(run.log, ("ipc-", "athanor: power"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    expected = [r"^ipc-kill: ipc-spinner is inside a call into ipc-echo; killing ipc-echo$",
                r"^ipc-spinner: the call ended with status 9 \(server trapped, as expected\)$",
                r"^ipc-kill: ipc-echo killed \(code 0\), ipc-spinner exited \(code 0\)$",
                r"^ipc-kill: a second ipc-spinner waits in ipc-echo's queue; killing ipc-echo$",
                r"^ipc-spinner: queued call ended with status \d+ after \d+ pings \(server gone, as expected\)$",
                r"^ipc-kill: the queued ipc-spinner exited \(code 0\)$",
                r"^ipc-kill: a second ipc-spinner waits in ipc-echo's queue; killing that waiter$",
                r"^ipc-kill: the waiter ended after \d+ us; killing ipc-echo$",
                r"^ipc-kill: the queued ipc-spinner killed \(code \d+\)$",
                r"^ipc-kill: spin round ok, block round ok, queued round ok, killed-waiter round ok$",
                r"^ipc-kill: PASS$"]
    failed = run.status != 0
    failed = azoth_boot.check_patterns(run.log, expected) or failed
    return azoth_boot.verdict(failed, run.log, run.stderr, log_tail=4000)


# "bench-ipc: NAME VALUE UNIT" lines (bench/kernel-modes/BenchIpcMode.cpp).
BENCH_LINE = re.compile(r"^bench-ipc: ([a-z0-9_]+) ([0-9.]+) ([a-z/]+)$", re.M)


def bench(args, work):
    image = os.path.join(args.arch_build, "esp-test.img")
    run = azoth_boot.boot(args.arch, image, args.timeout, work, "bench-ipc", cmdline="bench-ipc")
    status, log, stderr = run.status, run.log, run.stderr
    figures = {name: float(value) for name, value, _ in BENCH_LINE.findall(log)}
    for line in log.splitlines():
        if line.startswith("bench-ipc:"):
            print(line)
    if status != 0 or "bench-ipc: done" not in log or not figures:
        print(f"FAIL: bench-ipc did not complete (status {status})")
        print(log[-4000:])
        print(stderr[-2000:])
        return 1
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"arch": args.arch, "figures": figures}, file, indent=2)
    print("PASS")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["ipc", "kill", "bench"])
    parser.add_argument("--arch", default="x86_64", choices=["x86_64", "aarch64", "riscv64", "usermode"])
    parser.add_argument("--arch-build", required=True)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="azoth-ipc-boot-") as work:
        return {"ipc": ipc, "kill": kill, "bench": bench}[args.scenario](args, work)


if __name__ == "__main__":
    sys.exit(main())
