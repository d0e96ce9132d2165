#!/usr/bin/env python3
"""The booted soak (ctest boot.<arch>.soak, labels fault;fuzz;boot; docs/security.md "Soak and
fuzzing").

usage:
  soak-boot-test.py --arch ARCH --arch-build DIR [--seconds N] [--live N] [--seed N]
                    [--no-skip-known | --skip-known LIST] [--heap-slack FRAMES] [--timeout S] [--log FILE]

Boots the arch build's esp-soak.img (tests/hardening/soak/images.cmake) with the soak's length
written into init's manifest: --seconds, else $AZOTH_SOAK_SECONDS, else 60 (the lead's long run:
AZOTH_SOAK_SECONDS=600 ctest -R 'boot\\..*\\.soak', or this script with --seconds 600). The
image's initrd is rewritten in a private copy (nothing in the build directory changes):
  --seconds/--live/--seed   init's arguments (soak_init.c)
  --no-skip-known           soak-hostile's --skip-known becomes "none": the call patterns of the
                            known kernel bugs (SOAK-KNOWN in soak_hostile.c) are tried too;
                            --skip-known LIST names them (default: the ones still open)
Checks, from the serial log:
  * no kernel panic (no "PANIC", no "athanor: fatal"/"double fault"), power-off status 0
  * the soak ran: a summary line with calls > 0, spawns > 0, kills > 0
  * soak-echo answered every call of soak-client (echo-failed=0, no "soak-client: FAIL")
  * free frames back at the start level: init's frame balance is ok (measured with uart alone
    before the pair starts and after it ended: free end + page tables kept for reuse + kernel-heap
    growth = free start, same linear-memory frames) and the kernel heap grew by at most
    --heap-slack frames (default 0: the heap must give its empty pages back); frames the pair
    held while it still ran (objects left in soak-echo's table by killed callers) are printed
  * "soak: PASS" from init
--timeout defaults to the soak's length plus the arch's boot and wind-down allowance.
"""
import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py)

KNOWN_DEFAULT = "none"  # SOAK-KNOWN patterns still open (soak_hostile.c); none since ec4e1d0
# Seconds of boot (firmware, kernel, module start-up) and wind-down per arch under TCG.
OVERHEAD = {"x86_64": 60, "aarch64": 120, "riscv64": 120}

SUMMARY = re.compile(r"^soak: summary (.*)$", re.M)
PANIC = re.compile(r"PANIC|athanor: fatal|double fault|kernel panic|unhandled (exception|fault)", re.I)


def rewrite_initrd(source, output, seconds, live, seed, skip_known):
    """Copies initrd-soak.tar with init's and soak-hostile's argument lines replaced."""
    with tarfile.open(source) as tar_in, tarfile.open(output, "w", format=tarfile.USTAR_FORMAT) as tar_out:
        for member in tar_in.getmembers():
            data = tar_in.extractfile(member).read()
            if member.name == "modules/init.manifest":
                arguments = f"args = init --seconds {seconds} --live {live}" + (f" --seed {seed}" if seed else "")
                data = re.sub(rb"^args = .*$", arguments.encode(), data, flags=re.M)
            elif member.name in ("modules/soak-hostile.manifest", "modules/soak-hostile-spawner.manifest"):
                data = re.sub(rb"--skip-known \S+", f"--skip-known {skip_known}".encode(), data)
            member.size = len(data)
            tar_out.addfile(member, io.BytesIO(data))


def import_names():
    """The hostile module's import indexes (soak_imports.h: the WASI table, then the azoth table)."""
    names = []
    for table, pattern in (("wasi_snapshot_preview1.def", r'^ABI_FUNCTION\((\w+),'), ("azoth.def", r'^ABI_FUNCTION\((\w+),')):
        prefix = "wasi" if table.startswith("wasi") else "azoth"
        with open(os.path.join(azoth_boot.ROOT, "kernel", "sys", "abi", table)) as file:
            names += [f"{prefix}.{m.group(1)}" for m in (re.match(pattern, line.strip()) for line in file) if m]
    return names


def describe_slowest(log):
    match = re.search(r"^soak: slowest hostile call: index (\d+), (\d+) us, arguments (0x[0-9a-f]+|0); slowest kill (\d+) us$", log, re.M)
    if not match:
        return
    index, microseconds, detail, kill = int(match.group(1)), int(match.group(2)), int(match.group(3), 16), int(match.group(4))
    names = import_names()
    heap = re.search(r"^soak: most kernel heap in one hostile call: index (\d+), (\d+) frames, arguments (0x[0-9a-f]+|0)$", log, re.M)
    if heap and int(heap.group(2)):
        heap_index, heap_detail = int(heap.group(1)), int(heap.group(3), 16)
        heap_name = {1000: "memory.grow", 1001: "table.grow"}.get(heap_index, names[heap_index] if heap_index < len(names) else "?")
        print(f"most kernel heap taken by one hostile call: {heap_name}, {heap.group(2)} frames "
              f"(first arguments {heap_detail >> 32:#x}, {heap_detail & 0xFFFFFFFF:#x})")
    name = {1000: "memory.grow", 1001: "table.grow"}.get(index, names[index] if index < len(names) else f"import {index}")
    if microseconds:
        print(f"slowest non-blocking hostile call (timed by the module, preemption included): {name} took {microseconds / 1000:.1f} ms "
              f"(first arguments {detail >> 32:#x}, {detail & 0xFFFFFFFF:#x}); slowest kill-to-exit {kill / 1000:.1f} ms")
    else:
        print(f"no non-blocking hostile call took over 20 ms; slowest kill-to-exit {kill / 1000:.1f} ms")


def summary_fields(line):
    return dict(re.findall(r"([\w-]+)=\+?(-?[\d/]+)", line))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="x86_64", choices=["x86_64", "aarch64", "riscv64", "usermode"])
    parser.add_argument("--arch-build", required=True)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("AZOTH_SOAK_SECONDS", "60")))
    parser.add_argument("--live", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-skip-known", action="store_true")
    parser.add_argument("--skip-known", default=KNOWN_DEFAULT, help="names of soak_hostile.c's known patterns to avoid")
    parser.add_argument("--heap-slack", type=int, default=int(os.environ.get("AZOTH_SOAK_HEAP_SLACK", "0")))
    parser.add_argument("--timeout", type=int)
    parser.add_argument("--log", help="also write the serial log here")
    args = parser.parse_args()
    timeout = args.timeout or args.seconds + OVERHEAD[args.arch] + args.seconds // 2
    image = os.path.join(args.arch_build, "esp-soak.img")
    initrd = os.path.join(args.arch_build, "initrd-soak.tar")
    if not azoth_boot.image_present(image, args.arch) or not azoth_boot.image_present(initrd, args.arch):
        return 1
    skip_known = "none" if args.no_skip_known else args.skip_known
    print(f"soak: {args.arch}, {args.seconds} s, up to {args.live} hostile modules, skip-known {skip_known}, timeout {timeout} s")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="soak-boot-test.") as work:
        private_initrd = os.path.join(work, "initrd.tar")
        rewrite_initrd(initrd, private_initrd, args.seconds, args.live, args.seed, skip_known)
        private_image = os.path.join(work, "esp-soak.img")
        shutil.copyfile(image, private_image)
        subprocess.run(["mcopy", "-o", "-i", private_image, private_initrd, "::/azoth/initrd.tar"], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        run = azoth_boot.boot(args.arch, private_image, timeout, work, "soak", cmdline="")
    log = run.log
    if args.log:
        with open(args.log, "w") as file:
            file.write(log)
    azoth_boot.print_lines(log, ("soak:", "soak-client: done", "soak-client: progress", "soak-echo: quit", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    describe_slowest(log)
    failed = False
    panic = PANIC.search(log)
    if panic:
        start = max(0, log.rfind("\n", 0, max(0, panic.start() - 2000)))
        print("FAIL: the kernel panicked:\n" + log[start:panic.start() + 4000])
        failed = True
    summary = SUMMARY.search(log)
    if not summary:
        print("FAIL: no 'soak: summary' line (the soak did not finish)")
        failed = True
    else:
        fields = summary_fields(summary.group(1))
        number = lambda key: int(fields.get(key, "0").split("/")[0])  # noqa: E731
        print(f"result: {args.arch}: calls={fields.get('calls')} spawns={fields.get('spawns')} kills={fields.get('kills')} "
              f"echo-answered={fields.get('echo-answered')} echo-failed={fields.get('echo-failed')} "
              f"echo-slowest-us={fields.get('echo-slowest-us')} "
              f"frames-start={fields.get('frames-start')} frames-end={fields.get('frames-end')} "
              f"page-tables=+{fields.get('page-tables')} kernel-heap=+{fields.get('kernel-heap')} "
              f"held-by-pair={fields.get('held-by-pair')}")
        for key in ("calls", "spawns", "kills", "echo-answered"):
            if number(key) == 0:
                print(f"FAIL: {key} is 0: the soak did not run")
                failed = True
        if number("echo-failed") != 0:
            print(f"FAIL: soak-echo left {number('echo-failed')} calls unanswered or answered wrongly")
            failed = True
        if number("kernel-heap") > args.heap_slack:
            print(f"FAIL: free frames not back at the start level: the kernel heap kept {number('kernel-heap')} frames "
                  f"(allowed: {args.heap_slack}; --heap-slack / AZOTH_SOAK_HEAP_SLACK)")
            failed = True
    if not re.search(r"^soak: frame balance ok", log, re.M):
        print("FAIL: no 'soak: frame balance ok' (frames leaked)")
        failed = True
    if re.search(r"^soak-client: FAIL", log, re.M) or re.search(r"^soak-echo: FAIL", log, re.M):
        print("FAIL: the well-behaved pair reported a failure")
        failed = True
    if not re.search(r"^soak: PASS$", log, re.M):
        print("FAIL: init did not report 'soak: PASS'")
        failed = True
    if run.status != 0:
        print(f"FAIL: power-off status {run.status} (124: QEMU stopped at the {timeout} s timeout)")
        failed = True
    return azoth_boot.verdict(failed, log, run.stderr, log_tail=5000)


if __name__ == "__main__":
    sys.exit(main())
