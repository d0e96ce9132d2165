#!/usr/bin/env python3
"""The generated ABI fuzzer's ctest driver (tests/fuzz/abi; docs/security.md "The generated ABI
fuzzer"). Both runs check the same summary of the fuzzer (abi_fuzz.c):
  abi-fuzz: summary seed=S count=N imports=I called=J calls=C answered=A invalid=X wrong=W ok=K refused=R
with calls = answered = N (every call came back), invalid = 0 (every status is one of its
module's), wrong = 0 (every status the table decides is that one), J = the imports not skipped,
and "abi-fuzz: PASS".

usage:
  abi-fuzz-test.py hosted --host abi-fuzz-host --module abi-fuzz.wasm [--seed N] [--count N]
      fuzz.abi.hosted: the hosted kernel core under ASan/UBSan; also no sanitizer report and no
      kernel object left after both processes ended
  abi-fuzz-test.py boot --arch ARCH --arch-build DIR [--seed N] [--count N] [--timeout S]
      boot.<arch>.abi-fuzz: esp-abi-fuzz.img with the fuzzer's arguments rewritten in a private
      copy of its initrd; also no kernel panic, power-off status 0 within the timeout (no hang),
      both fuzzer and peer exit 0 and init's frame balance is ok (no leaked frames)
Another seed or count: --seed/--count, or AZOTH_ABI_FUZZ_SEED / AZOTH_ABI_FUZZ_COUNT.
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

SUMMARY = re.compile(r"^abi-fuzz: summary seed=(\d+) count=(\d+) imports=(\d+) called=(\d+) calls=(\d+) answered=(\d+) "
                     r"invalid=(\d+) wrong=(\d+) ok=(\d+) refused=(\d+)$", re.M)
PANIC = re.compile(r"PANIC|athanor: fatal|double fault|kernel panic|unhandled (exception|fault)", re.I)
SANITIZER = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer")


def check_summary(log, seed, count):
    """FAIL lines for every summary rule broken; True when one is."""
    failed = False
    for line in re.findall(r"^abi-fuzz: BAD .*$", log, re.M)[:20]:
        print(line)
    summaries = SUMMARY.findall(log)
    if not summaries:
        print("FAIL: no 'abi-fuzz: summary' line: the fuzzer did not finish (a call trapped or hung)")
        return True
    s_seed, s_count, imports, called, calls, answered, invalid, wrong, ok, refused = map(int, summaries[-1])
    skipped = len(re.findall(r"^abi-fuzz: import \S+ skipped", log, re.M))
    print(f"result: seed={s_seed} count={s_count} imports={imports} (skipped {skipped}) called={called} calls={calls} "
          f"answered={answered} ok={ok} refused={refused} invalid={invalid} wrong={wrong}")
    if (s_seed, s_count) != (seed, count):
        print(f"FAIL: the fuzzer ran seed {s_seed} count {s_count}, not seed {seed} count {count}")
        failed = True
    if calls != count or answered != calls:
        print(f"FAIL: {calls} calls made and {answered} answered of {count}")
        failed = True
    if called != imports - skipped or called == 0:
        print(f"FAIL: {called} imports called of {imports - skipped}")
        failed = True
    if invalid or wrong:
        print(f"FAIL: {invalid} statuses not of their module, {wrong} not the one the table decides")
        failed = True
    if ok == 0 or refused == 0:
        print("FAIL: no call succeeded or none was refused: the fuzzer's values are not reaching the kernel")
        failed = True
    if not re.search(r"^abi-fuzz: PASS$", log, re.M):
        print("FAIL: no 'abi-fuzz: PASS'")
        failed = True
    return failed


def hosted(args):
    command = [args.host, args.module, "--seed", str(args.seed), "--count", str(args.count), "--hosted"]
    print("run: " + " ".join(command))
    sys.stdout.flush()
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired as expired:
        print(f"FAIL: abi-fuzz-host did not end within {args.timeout} s (a call hung)")
        print((expired.stdout or b"").decode("utf-8", "replace")[-3000:])
        return 1
    out = done.stdout.decode("utf-8", "replace")
    err = done.stderr.decode("utf-8", "replace")
    azoth_boot.print_lines(out, ("abi-fuzz: seed", "abi-fuzz: handles", "abi-fuzz: import", "abi-fuzz-host"))
    failed = check_summary(out, args.seed, args.count)
    if SANITIZER.search(err) or SANITIZER.search(out):
        print("FAIL: a sanitizer report:\n" + err[-6000:])
        failed = True
    if done.returncode != 0:
        print(f"FAIL: abi-fuzz-host exit {done.returncode} (70: the fuzzer trapped, 71: kernel objects leaked)\n{err[-3000:]}")
        failed = True
    if not re.search(r"^abi-fuzz-host: exit 0, 0 kernel objects left$", out, re.M):
        print("FAIL: no 'abi-fuzz-host: exit 0, 0 kernel objects left'")
        failed = True
    return azoth_boot.verdict(failed, out[-4000:], err, log_tail=4000)


def rewrite_initrd(source, output, seed, count):
    with tarfile.open(source) as tar_in, tarfile.open(output, "w", format=tarfile.USTAR_FORMAT) as tar_out:
        for member in tar_in.getmembers():
            data = tar_in.extractfile(member).read()
            if member.name == "modules/abi-fuzz.manifest":
                data = re.sub(rb"--seed \d+", f"--seed {seed}".encode(), data)
                data = re.sub(rb"--count \d+", f"--count {count}".encode(), data)
            member.size = len(data)
            tar_out.addfile(member, io.BytesIO(data))


def booted(args):
    image = os.path.join(args.arch_build, "esp-abi-fuzz.img")
    initrd = os.path.join(args.arch_build, "initrd-abi-fuzz.tar")
    if not azoth_boot.image_present(image, args.arch) or not azoth_boot.image_present(initrd, args.arch):
        return 1
    print(f"abi-fuzz: {args.arch}, seed {args.seed}, count {args.count}, timeout {args.timeout} s")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="abi-fuzz-boot.") as work:
        private_initrd = os.path.join(work, "initrd.tar")
        rewrite_initrd(initrd, private_initrd, args.seed, args.count)
        private_image = os.path.join(work, "esp-abi-fuzz.img")
        shutil.copyfile(image, private_image)
        subprocess.run(["mcopy", "-o", "-i", private_image, private_initrd, "::/azoth/initrd.tar"], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        run = azoth_boot.boot(args.arch, private_image, args.timeout, work, "abi-fuzz", cmdline="")
    log = run.log
    azoth_boot.print_lines(log, ("abi-fuzz: seed", "abi-fuzz: handles", "abi-fuzz: import", "abi-fuzz: peer", "init: ", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    failed = check_summary(log, args.seed, args.count)
    panic = PANIC.search(log)
    if panic:
        print("FAIL: the kernel panicked:\n" + log[max(0, panic.start() - 2000):panic.start() + 4000])
        failed = True
    failed |= azoth_boot.check_expectations(log, [
        ("the fuzzer exits 0", r"^init: abi-fuzz exited \(code 0\)"),
        ("the peer quits when told", r"^init: abi-fuzz-peer exited \(code 0\)"),
    ] + azoth_boot.INIT_ENDS_CLEANLY)
    if run.status != 0:
        print(f"FAIL: power-off status {run.status} (124: QEMU stopped at the {args.timeout} s timeout: a hang)")
        failed = True
    return azoth_boot.verdict(failed, log, run.stderr, log_tail=5000)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["hosted", "boot"])
    parser.add_argument("--host")
    parser.add_argument("--module")
    parser.add_argument("--arch", default="x86_64", choices=["x86_64", "aarch64", "riscv64", "usermode"])
    parser.add_argument("--arch-build")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("AZOTH_ABI_FUZZ_SEED", "1")))
    parser.add_argument("--count", type=int, default=int(os.environ.get("AZOTH_ABI_FUZZ_COUNT", "0")))
    parser.add_argument("--timeout", type=int, default=500, help="seconds (hosted run or QEMU)")
    args = parser.parse_args()
    if args.mode == "hosted":
        if not args.host or not args.module:
            parser.error("hosted needs --host and --module")
        args.count = args.count or 200000
        return hosted(args)
    if not args.arch_build:
        parser.error("boot needs --arch-build")
    args.count = args.count or 50000
    return booted(args)


if __name__ == "__main__":
    sys.exit(main())
