#!/usr/bin/env python3
"""Booted virtio and DMA test (QEMU via tools/qemu-run): boot.<arch>.virtio-rng-dma.

usage: virtio-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
    boots esp-virtio.img (init, modules/virtio-rng with --once, tests/devices/booted/pci_dma.c).
    virtio-rng drives the virtio-rng-pci function through the virtio library (feature
    negotiation, one split virtqueue in a DMA buffer, polled) and feeds what it reads into the
    kernel's pool: the kernel must log the first delivery (`random: 64 bytes from virtio-rng`),
    the driver its 256 bytes (on x86_64 woken by its queue's MSI-X interrupt at least once; on
    aarch64 and riscv64, which have no MSI path yet, polling), and it must exit 0. pci-dma, a hostile driver on the virtio console,
    must be refused every out-of-rules buffer, mapping and freed handle, see bus mastering on
    exactly while it holds a buffer, trap once holding one, and on its restart find bus mastering
    off. init must end with the frame balance exact (the DMA frames came back).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

# The arches whose kernel has an MSI path (Arch::install_msi_handler): x86_64's local APIC.
MSI_ARCHES = {"x86_64"}

EXPECTATIONS = [
    ("the kernel took virtio-rng's first delivery", r"^random: 64 bytes from virtio-rng \(1 deliveries, 64 bytes in total\)$"),
    ("virtio-rng delivered 256 bytes", r"^virtio-rng: 256 bytes from the device into the kernel pool \(4 requests of 64, queue size \d+, (msi-x, \d+ interrupts|polled), \d+ us\)$"),
    azoth_boot.exits_zero("virtio-rng"),
    ("pci-dma: refusals", r"^pci-dma: refusals ok$"),
    ("pci-dma: buffer life cycle and bus mastering", r"^pci-dma: lifecycle ok$"),
    ("pci-dma: trapped holding a buffer", r"^pci-dma: trapping with a live buffer \(bus mastering on\)$"),
    ("init restarted pci-dma after its trap", r"^init: pci-dma trapped \(unreachable\); restart 1 after \d+ ms$"),
    ("pci-dma: bus mastering off after the trapped run", r"^pci-dma: bus-mastering-off-after-trap ok$"),
    azoth_boot.exits_zero("pci-dma"),
] + azoth_boot.INIT_ENDS_CLEANLY


def main():
    args = azoth_boot.image_test_arguments(__doc__, timeout=240)
    run = azoth_boot.boot_image(args, "esp-virtio.img", "virtio", None)
    if run is None:
        return 1
    azoth_boot.print_lines(run.log, ("random:", "virtio-rng", "pci-dma", "init: ", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    failed = azoth_boot.panicked(run.log)
    failed = azoth_boot.check_expectations(run.log, EXPECTATIONS) or failed
    failed = azoth_boot.module_failed(run.log, ("virtio-rng", "pci-dma")) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    # MSI-X where the machine has an MSI path (docs/devices.md, "Interrupts"): the driver must have
    # slept on the queue's interrupt; elsewhere it polls.
    path = re.search(r"^virtio-rng: 256 bytes .*, (msi-x, (\d+) interrupts|polled), (\d+) us\)$", run.log, re.M)
    if path:
        print(f"note: 256 bytes from virtio-rng in {path.group(3)} us ({path.group(1)})")
        if args.arch in MSI_ARCHES:
            took = int(path.group(2)) if path.group(2) else 0
            ok = took >= 1
            print(("ok: " if ok else "FAIL: ") + f"virtio-rng woke on {took} MSI-X interrupts on {args.arch}")
            failed = failed or not ok
        else:
            ok = path.group(1) == "polled"
            print(("ok: " if ok else "FAIL: ") + f"virtio-rng polls on {args.arch} (no MSI path)")
            failed = failed or not ok
    return azoth_boot.verdict(failed, run.log, run.stderr)


if __name__ == "__main__":
    sys.exit(main())
