#!/usr/bin/env python3
"""Booted MSI-X test (QEMU via tools/qemu-run): boot.<arch>.pci-irq-storm.

usage: irq-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
    boots esp-irq.img (init, tests/devices/booted/pci_irq.c). On x86_64 (the one arch with an MSI
    path, docs/devices.md "Interrupts") pci-irq must be refused hostile pci_irq_open arguments,
    get one delivery for the virtio-rng queue's first completion, none for seven more while it
    never acknowledges (the entry stays masked: a storm costs one delivery), the pending message
    after irq_ack, and its vector back after closing the Irq. On aarch64 and riscv64 pci_irq_open
    must answer E_UNSUPPORTED. init ends with the frame balance exact.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

# The arches whose kernel has an MSI path (Arch::install_msi_handler): x86_64's local APIC.
MSI_ARCHES = {"x86_64"}


def main():
    args = azoth_boot.image_test_arguments(__doc__, timeout=240)
    run = azoth_boot.boot_image(args, "esp-irq.img", "irq", None)
    if run is None:
        return 1
    azoth_boot.print_lines(run.log, ("pci-irq", "init: ", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    if args.arch in MSI_ARCHES:
        cases = [(f"pci-irq: {case}", rf"^pci-irq: {case} ok$") for case in ("setup", "refusals", "never-acknowledged", "vector-freed-with-its-irq")]
        cases.append(("seven messages, no delivery while unacknowledged", r"^pci-irq: 7 messages while unacknowledged, 0 deliveries$"))
    else:
        cases = [("pci-irq: setup", r"^pci-irq: setup ok$"),
                 ("no MSI path: E_UNSUPPORTED", r"^pci-irq: no MSI path on this machine \(E_UNSUPPORTED\)$")]
    expectations = cases + [("pci-irq: all passed", r"^pci-irq: all passed \(0 failed\)$"), azoth_boot.exits_zero("pci-irq")] + azoth_boot.INIT_ENDS_CLEANLY
    failed = azoth_boot.panicked(run.log)
    failed = azoth_boot.check_expectations(run.log, expectations) or failed
    failed = azoth_boot.module_failed(run.log, ("pci-irq",)) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    return azoth_boot.verdict(failed, run.log, run.stderr)


if __name__ == "__main__":
    sys.exit(main())
