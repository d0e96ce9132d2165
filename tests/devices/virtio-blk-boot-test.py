#!/usr/bin/env python3
"""Booted virtio-blk test (QEMU via tools/qemu-run --disk): boot.<arch>.virtio-blk.

usage: virtio-blk-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
    makes a fresh 8 MiB data disk for this run, with random bytes (new every run) in sector 0 and
    the last sector and zeroes elsewhere, and boots esp-blk.img (init, modules/virtio-blk with
    --check) with it attached as the data disk (virtio-blk-pci, serial azoth-data). The driver must
    find it by its serial, report its capacity, read sector 0 and the last sector as the host wrote
    them (FNV-1a 64 and first 16 bytes), write its pattern over the 1 MiB scratch range before the
    last sector with 16 requests in flight, flush, read it back equal, and exit 0. After the boot the
    host reads the disk file: the scratch range must hold the guest's pattern, sectors 0 and last
    the host's bytes, everything else zeroes (nothing written outside the scratch range).
    A second boot attaches a 1 MiB disk, too small for the check's scratch range and the two host
    sectors: the driver must refuse it with a FAIL line and exit 1, and the file must be unchanged.
"""
import os
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

SECTOR = 512
SECTORS = 8 * 2048  # 8 MiB
SCRATCH_SECTORS = 2048  # the driver's 1 MiB scratch range, just before the last sector
SCRATCH = SECTORS - 1 - SCRATCH_SECTORS


def fnv1a64(data):
    value = 0xcbf29ce484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return value


def pattern_sector(sector):
    """The driver's scratch pattern (modules/virtio-blk/virtio-blk.c, pattern_word): word w of
    sector s is 0xA207000000000000 ^ (s << 16) ^ w, little-endian."""
    return b"".join(((0xA207000000000000 ^ (sector << 16) ^ word) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
                    for word in range(SECTOR // 8))


def sector_line(which, sector, data):
    starts = " ".join(f"{byte:02x}" for byte in data[:16])
    return rf"^virtio-blk: {which} sector {sector} fnv1a64 {fnv1a64(data):016x} starts {starts}$"


def small_disk_refused(args, image):
    """The second boot: a 1 MiB disk is refused by --check with nothing written. True when it failed."""
    sectors = 2048
    first = os.urandom(SECTOR)
    with tempfile.TemporaryDirectory(prefix="azoth-virtio-blk-small-") as work:
        disk = os.path.join(work, "small.img")
        with open(disk, "wb") as file:
            file.truncate(sectors * SECTOR)
            file.write(first)
        run = azoth_boot.boot(args.arch, image, args.timeout, work, "virtio-blk-small", extra=["--disk", disk])
        with open(disk, "rb") as file:
            after = file.read()
    azoth_boot.print_lines(run.log, ("virtio-blk", "init: virtio-blk"))
    print(f"small-disk boot took {run.seconds:.1f}s, status {run.status}")
    failed = azoth_boot.panicked(run.log)
    failed = azoth_boot.check_expectations(run.log, [
        ("the small disk found", rf"^virtio-blk: data disk azoth-data: {sectors} sectors of 512 bytes \(1 MiB\), .*$"),
        ("the check refused the small disk",
         rf"^virtio-blk: FAIL --check needs a disk of at least {2 * SCRATCH_SECTORS + 2} sectors \(this one has {sectors}\)$"),
        ("virtio-blk exits 1", r"^init: virtio-blk exited \(code 1\); not restarted$"),
    ]) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    if after != first + bytes(sectors * SECTOR - SECTOR):
        print("FAIL: the small disk's file changed")
        failed = True
    else:
        print("ok: the small disk's file is unchanged")
    if failed:
        print(run.log[-4000:])
        print(run.stderr[-2000:])
    return failed


def main():
    args = azoth_boot.image_test_arguments(__doc__, timeout=240)
    image = os.path.join(args.arch_build, "esp-blk.img")
    if not azoth_boot.image_present(image, args.arch):
        return 1
    first = os.urandom(SECTOR)
    last = os.urandom(SECTOR)
    with tempfile.TemporaryDirectory(prefix="azoth-virtio-blk-") as work:
        disk = os.path.join(work, "data.img")
        with open(disk, "wb") as file:
            file.truncate(SECTORS * SECTOR)
            file.write(first)
            file.seek((SECTORS - 1) * SECTOR)
            file.write(last)
        run = azoth_boot.boot(args.arch, image, args.timeout, work, "virtio-blk", extra=["--disk", disk])
        with open(disk, "rb") as file:
            after = file.read()
    azoth_boot.print_lines(run.log, ("virtio-blk", "init: ", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    expectations = [
        ("the driver found the data disk by its serial and read its capacity",
         rf"^virtio-blk: data disk azoth-data: {SECTORS} sectors of 512 bytes \(8 MiB\), block size \d+, flush, 16 requests in flight, .*$"),
        ("sector 0 read as the host wrote it", sector_line("first", 0, first)),
        ("the last sector read as the host wrote it", sector_line("last", SECTORS - 1, last)),
        ("the scratch range written, flushed and read back",
         rf"^virtio-blk: scratch sectors {SCRATCH}-{SCRATCH + SCRATCH_SECTORS - 1} written, flushed, read back equal$"),
        ("the check's summary", rf"^virtio-blk: check ok: capacity {SECTORS} sectors, serial azoth-data, .*$"),
        azoth_boot.exits_zero("virtio-blk"),
    ] + azoth_boot.INIT_ENDS_CLEANLY
    failed = azoth_boot.panicked(run.log)
    failed = azoth_boot.check_expectations(run.log, expectations) or failed
    failed = azoth_boot.module_failed(run.log, ("virtio-blk",)) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    summary = re.search(r"^virtio-blk: check ok: .*$", run.log, re.M)
    if summary:
        print(f"note: {summary.group(0)}")

    # The disk after the boot: the guest's pattern reached the file, nothing else changed.
    expected = bytearray(SECTORS * SECTOR)
    expected[:SECTOR] = first
    expected[(SECTORS - 1) * SECTOR:] = last
    for sector in range(SCRATCH, SCRATCH + SCRATCH_SECTORS):
        expected[sector * SECTOR:(sector + 1) * SECTOR] = pattern_sector(sector)
    if len(after) != len(expected):
        print(f"FAIL: the disk file is {len(after)} bytes after the boot, was {len(expected)}")
        failed = True
    elif after != expected:
        wrong = [s for s in range(SECTORS) if after[s * SECTOR:(s + 1) * SECTOR] != expected[s * SECTOR:(s + 1) * SECTOR]]
        print(f"FAIL: {len(wrong)} sectors of the disk file differ from what the host and the driver wrote "
              f"(first {wrong[:8]}; scratch is {SCRATCH}-{SCRATCH + SCRATCH_SECTORS - 1})")
        failed = True
    else:
        print(f"ok: the host reads the guest's pattern in sectors {SCRATCH}-{SCRATCH + SCRATCH_SECTORS - 1}, "
              "its own bytes in sectors 0 and last, zeroes elsewhere")
    if failed:
        return azoth_boot.verdict(failed, run.log, run.stderr)
    failed = small_disk_refused(args, image)
    return azoth_boot.verdict(failed, run.log, run.stderr)


if __name__ == "__main__":
    sys.exit(main())
