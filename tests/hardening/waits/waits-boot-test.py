#!/usr/bin/env python3
"""boot.<arch>.hardening-waits: kill during every kind of blocking call (tests/hardening/waits).

usage: waits-boot-test.py --arch ARCH --arch-build DIR [--timeout S]

Boots esp-waits.img. Its init, waits-supervisor, starts a waits-victim per blocking kind, kills it
once it blocks and measures (guest monotonic clock) until azoth.wait reports the exit, three times
per scenario. Checks, per scenario: the victim said it was blocking before each kill, the
supervisor's "ok" verdict (median under 1 s, no attempt over 4 s), and at the end "waits: N
scenarios, 0 failed" and power-off status 0. Prints the measured figures.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py)

# (scenario as the supervisor names it, the victim's "blocking" text that must come before the kill)
SCENARIOS = [
    ("sleep (poll_oneoff clock 2^63 ns)", "sleep blocking (poll_oneoff clock"),
    ("stdin read (fd_read 0)", "stdin blocking (fd_read stdin)"),
    ("stdin poll (poll_oneoff fd_read 0)", "poll-stdin blocking (poll_oneoff fd_read stdin)"),
    ("event_wait", "event blocking (event_wait)"),
    ("random_get of 2 MiB", "random blocking (random_get"),
    ("child wait (azoth.wait)", "child blocking (azoth.wait"),
    ("caller killed while the server's handler sleeps on its thread", "server blocking (handler: poll_oneoff"),
    ("server killed while its handler sleeps 2^63 ns (finding 4)", "server blocking (handler: poll_oneoff"),
    ("server killed while its handler reads stdin (finding 4)", "server blocking (handler: fd_read stdin)"),
    ("caller queued behind a busy server", "client blocking (azoth.call queued"),
    ("server killed while one caller's handler sleeps (finding 4)", "server blocking (handler: poll_oneoff"),
]
LIMIT_MS = 1000.0


def main():
    args, booted = azoth_boot.boot_image_test(__doc__, "esp-waits.img", "waits")
    if booted is None:
        return 1
    log = booted.log
    azoth_boot.print_lines(log, ("waits:", "waits-victim:"))
    failed = False
    for scenario, blocking in SCENARIOS:
        kill = "waits: " + scenario + ": killing child"
        verdict = re.search(r"^waits: (ok|FAIL) " + re.escape(scenario) + r": median ([\d.-]+) ms after the kill was due "
                            r"\(median ([\d.-]+) ms after the kill call; attempts ([\d., ]*) ms", log, re.M)
        kills = [m.start() for m in re.finditer(re.escape(kill), log)]
        if not kills or not verdict:
            print(f"FAIL: {scenario}: no kill and verdict lines")
            failed = True
            continue
        # Every kill comes after the victim said it was blocking (since the previous kill of this scenario).
        previous = 0
        for at in kills:
            if log.find(blocking, previous, at) < 0:
                print(f"FAIL: {scenario}: the victim did not say '{blocking}' before a kill")
                failed = True
            previous = at
        print(f"{args.arch}: {scenario}: median {verdict.group(2)} ms from the due kill (median {verdict.group(3)} ms from the kill "
              f"call; attempts {verdict.group(4)} ms)")
        gap = re.search(r"^waits: (ok|FAIL) " + re.escape(scenario) + r": median longest wait of the supervisor for the CPU ([\d.]+) ms \(limit (\d+) ms\)",
                        log, re.M)
        if gap:
            print(f"{args.arch}: {scenario}: the supervisor waited at most {gap.group(2)} ms for the CPU (median; limit {gap.group(3)} ms, half a whole call)")
        if verdict.group(1) != "ok":
            print(f"FAIL: {scenario}: over the limit ({LIMIT_MS:.0f} ms median, 4 s each), hung or not killed")
            failed = True
    failed |= azoth_boot.check_expectations(log, [
        ("every scenario passed", r"^waits: \d+ scenarios, 0 failed$"),
        ("no module reported a failure", r"\A(?![\s\S]*^waits(?:-victim)?: FAIL)"),
    ])
    failed |= azoth_boot.check_patterns(log, [r"athanor: ready"])
    failed |= azoth_boot.status_failed(booted.status)
    return azoth_boot.verdict(failed, log, booted.stderr)


if __name__ == "__main__":
    sys.exit(main())
