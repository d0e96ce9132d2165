#!/usr/bin/env python3
"""Boots one scenario in QEMU through tools/qemu-run and checks the exit status and serial log.

usage: boot-test.py SCENARIO --arch-build DIR [--arch ARCH] [--firmware uefi|bios] [--timeout SECONDS]

Scenarios (every arch with a UEFI loader; handoff needs the arch's hand-off probe):
  handoff     the loader starts the hand-off probe, which checks every BootInfo promise
  bad-kernel  corrupt kernels (truncated, wrong machine, not ELF) and a missing one get the loader's clear error
  no-initrd   an image without initrd.tar gets the loader's clear error
  selftest    Athanor runs its in-kernel self-tests: "N passed, 0 failed", N >= 15, status 0
              (aarch64: booted twice, with GICv3 and with GICv2)
  panic       Athanor panics on purpose: register dump, symbolised backtrace, non-zero status
  thread-stack-overflow  a kernel thread overflows its stack: the report names the thread
  default-modes  the default image (esp.img) has no test mode: `selftest` there boots init, not the
              self-tests
The kernel scenarios boot esp-test.img, the test kernel (its test modes: tests/kernel-modes).
With --firmware bios (x86_64) the same kernel is started by SeaBIOS and GRUB through its multiboot2
entry: selftest boots bios-test.iso, default-modes bios.iso, and no-initrd an image whose grub.cfg
loads no initrd module (the entry's clear error and power-off status 2).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azoth_boot  # noqa: E402  (QEMU launch and serial log, shared by the booted-test drivers)

ROOT = azoth_boot.ROOT
IMAGE_ESP = os.path.join(ROOT, "tools", "image-esp")
IMAGE_BIOS = os.path.join(ROOT, "tools", "image-bios")
NO_STATUS = 125
BOOT_FAILED = 2  # kernel/main/Main.cpp status_boot_failed, also the multiboot2 entry's
TIMED_OUT = azoth_boot.TIMED_OUT

# Per arch: the loader's removable-media name, an ELF machine number that is NOT this arch's,
# and the register names a panic's register dump must show (program counter, stack pointer).
ARCHES = {
    "x86_64": {"boot_name": "BOOTX64.EFI", "foreign_machine": 183, "registers": ("rip", "rsp"),
               # `max` has 1 GiB pages; qemu64 has none, so the direct map is built from 2 MiB pages.
               "handoff_runs": (("max", ["--cpu", "max"], 1 << 30), ("qemu64", ["--cpu", "qemu64"], 2 << 20))},
    "aarch64": {"boot_name": "BOOTAA64.EFI", "foreign_machine": 62, "registers": ("pc", "sp"),
                # The second run starts the firmware at EL2: the loader must drop to EL1.
                "handoff_runs": (("el1", [], 1 << 30), ("el2", ["--virtualization"], 1 << 30)),
                # Without semihosting the kernel powers off through PSCI and qemu-run reads the
                # status from the serial log: the panic scenario checks that path too.
                "status_fallback": ["--no-semihosting"]},
    "riscv64": {"boot_name": "BOOTRISCV64.EFI", "foreign_machine": 62, "registers": ("pc", "sp"),
                "handoff_runs": (("rv64", [], 1 << 30),)},
}


class Failure(Exception):
    pass


def require_file(path, what):
    if not os.path.isfile(path):
        raise Failure(f"{what} is missing at {path} (build with ./azoth build --arch <arch>)")
    return path


def boot(args, image, cmdline=None, label="boot", cpu=None, gic=None, extra=()):
    """Runs qemu-run headless on `image`; returns (status, serial log text, seconds)."""
    extra = list(extra)
    if cpu is not None:
        extra = ["--cpu", cpu] + extra
    if gic is not None:
        extra = ["--gic", str(gic)] + extra
    run = azoth_boot.boot(args.arch, image, args.timeout, args.work, label, cmdline=cmdline, extra=extra,
                          firmware=args.firmware)
    # Keep a copy next to the test's output for post-mortems.
    print(f"--- {label}: status {run.status} after {run.seconds:.1f}s, serial log:")
    print(run.log)
    if run.stderr:
        print(run.stderr, end="")
    if run.status == TIMED_OUT:
        raise Failure(f"{label}: QEMU hung until the {args.timeout}s timeout")
    return run.status, run.raw, run.seconds


def make_image(args, name, kernel=None, initrd=None, cmdline=""):
    image = os.path.join(args.work, f"{name}.img")
    command = [IMAGE_ESP, "--output", image, "--loader", require_file(args.loader, "the UEFI loader"),
               "--boot-name", ARCHES[args.arch]["boot_name"], "--cmdline", cmdline]
    if kernel:
        command += ["--kernel", kernel]
    if initrd:
        command += ["--initrd", initrd]
    subprocess.run(command, check=True)
    return image


def expect(condition, message):
    if not condition:
        raise Failure(message)


def test_image(args):
    """The test kernel's ESP (the self-tests and the test boot modes), with the boot initrd."""
    return os.path.join(args.arch_build, "bios-test.iso" if args.firmware == "bios" else "esp-test.img")


def default_image(args):
    return os.path.join(args.arch_build, "bios.iso" if args.firmware == "bios" else "esp.img")


def scenario_handoff(args):
    cmdline = "handoff probe=1 words"
    image = make_image(args, "handoff", kernel=require_file(args.probe, "the hand-off probe"),
                       initrd=require_file(args.initrd, "the initrd"), cmdline=cmdline + "\n")
    for cpu, extra, page_size in ARCHES[args.arch]["handoff_runs"]:
        status, log, _ = boot(args, image, label=f"handoff-{cpu}", extra=extra)
        counts = re.search(r"probe: (\d+) passed, (\d+) failed", log)
        expect(counts is not None, f"{cpu}: the probe never reported its result (did the hand-off happen?)")
        expect(int(counts.group(2)) == 0, f"{cpu}: the probe found {counts.group(2)} broken hand-off promises")
        expect(int(counts.group(1)) >= 20, f"{cpu}: only {counts.group(1)} probe checks ran")
        expect(f'probe: cmdline "{cmdline}"' in log, f"{cpu}: the command line did not arrive intact")
        expect(f"probe: direct map page size {page_size}" in log, f"{cpu}: the direct map is not made of {page_size}-byte pages")
        expect(status == 0, f"{cpu}: expected power-off status 0, got {status}")


def expect_loader_error(args, label, image, pattern):
    status, log, seconds = boot(args, image, label=label)
    expect(re.search(pattern, log) is not None, f"{label}: no loader error matching /{pattern}/")
    expect("probe: hand-off probe running" not in log, f"{label}: the loader started a kernel anyway")
    expect(status == NO_STATUS, f"{label}: expected the loader to power off without a kernel status, got {status}")
    expect(seconds < args.timeout, f"{label}: took {seconds:.0f}s")


def scenario_bad_kernel(args):
    probe = require_file(args.sample_kernel, "a kernel ELF (hand-off probe or athanor.elf)")
    initrd = require_file(args.initrd, "the initrd")
    with open(probe, "rb") as file:
        elf = bytearray(file.read())
    variants = []
    truncated = os.path.join(args.work, "truncated.elf")
    with open(truncated, "wb") as file:
        file.write(elf[:100])
    variants.append(("truncated", truncated, r"not a valid Athanor kernel: program headers lie outside the file"))
    wrong_machine = os.path.join(args.work, "wrong-machine.elf")
    patched = bytearray(elf)
    patched[18:20] = ARCHES[args.arch]["foreign_machine"].to_bytes(2, "little")
    with open(wrong_machine, "wb") as file:
        file.write(patched)
    variants.append(("wrong-machine", wrong_machine, r"not a valid Athanor kernel: ELF file is for another machine"))
    not_elf = require_file(args.loader, "the UEFI loader")  # a PE file where an ELF should be
    variants.append(("not-elf", not_elf, r"not a valid Athanor kernel: not an ELF file \(bad magic\)"))
    for name, kernel, pattern in variants:
        image = make_image(args, f"bad-kernel-{name}", kernel=kernel, initrd=initrd)
        expect_loader_error(args, f"bad-kernel-{name}", image, r"azboot: error: \\azoth\\athanor\.elf is " + pattern)
    image = make_image(args, "bad-kernel-missing", initrd=initrd)
    expect_loader_error(args, "bad-kernel-missing", image, r"azboot: error: \\azoth\\athanor\.elf not found on the boot volume")


def scenario_no_initrd(args):
    if args.firmware == "bios":
        image = os.path.join(args.work, "no-initrd.iso")
        kernel = require_file(os.path.join(args.arch_build, "kernel", "athanor.elf"), "the kernel")
        subprocess.run([IMAGE_BIOS, "--output", image, "--kernel", kernel], check=True)
        status, log, seconds = boot(args, image, label="no-initrd")
        expect(re.search(r"multiboot2: error: no module named `initrd`.*the kernel needs its initrd", log) is not None,
               "no clear error about the missing initrd module")
        expect("athanor: Athanor kernel" not in log, "the entry started the kernel anyway")
        expect(status == BOOT_FAILED, f"expected power-off status {BOOT_FAILED}, got {status}")
        return
    image = make_image(args, "no-initrd", kernel=require_file(args.sample_kernel, "a kernel ELF"))
    expect_loader_error(args, "no-initrd", image, r"azboot: error: \\azoth\\initrd\.tar not found")


def scenario_selftest(args):
    require_file(test_image(args), "the test ESP image")
    for gic in ((3, 2) if args.arch == "aarch64" else (None,)):
        selftest_once(args, gic)


def selftest_once(args, gic):
    label = "selftest" if gic is None else f"selftest-gicv{gic}"
    status, log, _ = boot(args, test_image(args), cmdline="selftest", label=label, gic=gic)
    summary = azoth_boot.selftest_summary(log)
    expect(summary, "the kernel never printed 'N passed, M failed'")
    passed, failed, skips = summary
    expect(failed == 0, f"{failed} self-tests failed")
    # A machine port has everything the self-tests exercise: none may skip (only the usermode
    # port, which has no devices or firmware tables, skips: process-boot-test.py selftest).
    expect(not skips, f"self-tests skipped on a machine port: {skips}")
    expect(passed >= 15, f"only {passed} self-tests ran (at least 15 expected)")
    expect("athanor: power-off status=0" in log, "the kernel did not report power-off status 0")
    expect(status == 0, f"expected status 0, got {status}")


def scenario_panic(args):
    require_file(test_image(args), "the test ESP image")
    status, log, _ = boot(args, test_image(args), cmdline="panic-test")
    expect("athanor: PANIC" in log, "no 'athanor: PANIC' line")
    for register in ARCHES[args.arch]["registers"]:
        expect(re.search(rf"(?i)\b{register}\b\W*(0x)?[0-9a-f]{{6,}}", log) is not None,
               f"no register dump ({register}) in the log")
    expect("backtrace:" in log, "no backtrace")
    expect(re.search(r"#\d+ 0x[0-9a-f]+ [A-Za-z_][\w:<>~,() ]*\+0x[0-9a-f]+", log) is not None,
           "the backtrace has no symbol names")
    expect(status not in (0, TIMED_OUT, NO_STATUS), f"expected a non-zero kernel status, got {status}")
    fallback = ARCHES[args.arch].get("status_fallback")
    if fallback:
        again, log, _ = boot(args, test_image(args), cmdline="panic-test", label="panic-fallback",
                             extra=fallback)
        expect("athanor: PANIC" in log, "fallback power-off run: no 'athanor: PANIC' line")
        expect(again == status, f"fallback power-off path reported status {again}, the direct one {status}")


def scenario_thread_stack_overflow(args):
    """A kernel thread recurses: its guard page stops it, and the report names the thread."""
    require_file(test_image(args), "the test ESP image")
    status, log, _ = boot(args, test_image(args), cmdline="thread-stack-overflow-test")
    expect("thread-stack-overflow-test: a kernel thread recurses" in log, "the test thread did not start")
    expect(re.search(r"athanor: in kernel thread 'stack-overflow-test' \(id \d+\): stack 0x[0-9a-f]+-0x[0-9a-f]+, guard page", log)
           is not None, "the fault report does not name the running kernel thread")
    expect("athanor: kernel stack overflow: thread 'stack-overflow-test' ran into its guard page" in log,
           "no 'kernel stack overflow' line")
    expect("athanor: unreachable" not in log, "the recursion returned")
    expect(status not in (0, TIMED_OUT, NO_STATUS), f"expected the panic status, got {status}")


def scenario_default_modes(args):
    """The test and benchmark modes live only in the test kernel: the default image boots init and
    its modules whatever test word its command line carries, and its ELF holds none of their text."""
    default_kernel = require_file(os.path.join(args.arch_build, "kernel", "athanor.elf"), "the default kernel")
    test_kernel = require_file(os.path.join(args.arch_build, "kernel", "athanor-test.elf"), "the test kernel")
    marker = b"panic-test: deliberate panic"  # tests/kernel-modes/FaultModes.cpp
    with open(default_kernel, "rb") as file:
        expect(marker not in file.read(), "athanor.elf carries the test modes")
    with open(test_kernel, "rb") as file:
        expect(marker in file.read(), "athanor-test.elf lacks the test modes (the check above proves nothing)")
    words = "selftest panic-test thread-stack-overflow-test spectest bench-sched bench-ipc"
    console = azoth_boot.Console(args.arch, require_file(default_image(args), "the default image"), args.timeout,
                                 cmdline=words, firmware=args.firmware)
    try:
        reached_init = console.wait_for(r"^athanor: \d+ modules in the initrd")
        # ... and init's modules run: the hello module's greeting (modules/hello).
        modules_ran = reached_init and console.wait_for(r"^Hello, World! \(from hello")
    finally:
        console.close()
    log = console.text()
    print(f"--- default-modes: serial log:\n{log}")
    expect(f'athanor: command line: "{words}"' in log, "the command line did not arrive")
    expect(reached_init, "the default image did not go on to start init")
    expect(modules_ran, "init's modules did not run (no greeting from the hello module)")
    without_command_line = log.replace(words, "")  # the loader and the kernel echo it
    expect(not re.search(r"\d+ passed, \d+ failed|PANIC|stack-overflow-test|spec:|bench-", without_command_line),
           "a test or benchmark mode ran in the default image")


SCENARIOS = {
    "handoff": scenario_handoff,
    "bad-kernel": scenario_bad_kernel,
    "no-initrd": scenario_no_initrd,
    "selftest": scenario_selftest,
    "panic": scenario_panic,
    "thread-stack-overflow": scenario_thread_stack_overflow,
    "default-modes": scenario_default_modes,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--arch-build", required=True, help="the arch build dir ($AZOTH_BUILD/<arch>)")
    parser.add_argument("--arch", default="x86_64", choices=sorted(ARCHES))
    parser.add_argument("--firmware", default="uefi", choices=("uefi", "bios"),
                        help="bios: x86_64 legacy BIOS, GRUB and the multiboot2 entry")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per QEMU boot")
    args = parser.parse_args()
    args.arch_build = os.path.abspath(args.arch_build)
    args.loader = os.path.join(args.arch_build, "boot", "uefi", ARCHES[args.arch]["boot_name"])
    args.probe = os.path.join(args.arch_build, "boot", "uefi", "handoff-probe.elf")
    # The bad-kernel and no-initrd scenarios only need some valid kernel ELF of this arch.
    args.sample_kernel = args.probe if os.path.isfile(args.probe) else os.path.join(args.arch_build, "kernel", "athanor.elf")
    args.initrd = os.path.join(args.arch_build, "initrd.tar")
    args.work = tempfile.mkdtemp(prefix=f"boot-test-{args.scenario}-")
    try:
        SCENARIOS[args.scenario](args)
    except (Failure, subprocess.CalledProcessError) as failure:
        print(f"FAIL boot {args.scenario}: {failure}")
        return 1
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    print(f"PASS boot {args.scenario}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
