#!/usr/bin/env python3
"""Booted PCI test (QEMU via tools/qemu-run): boot.<arch>.pci-devices.

usage: pci-boot-test.py --arch ARCH --arch-build DIR [--timeout S]
    boots esp-pci.img (init + tests/devices/booted) twice: with the firmware's BAR addresses, and
    with `pci-reassign` (the kernel assigns every BAR and opens the root port's windows from the
    host bridge's windows; on x86_64, which has none, nothing changes). Each time the kernel's `pci:` lines must show the
    topology QEMU was given (tools/qemu-run): one host bridge, one PCIe root port (a bridge,
    1b36:000c) with the virtio console (1af4:1043) on the bus behind it, the virtio-rng-pci
    (1af4:1044) and, where the boot disk is virtio-pci (x86_64, aarch64), the virtio-blk
    (1af4:1001), and no other virtio function; every BAR of the virtio functions assigned, no two
    assigned BARs overlapping, the console's memory BARs inside a window the root port forwards.
    pci-probe (capability `pci`) must list exactly the functions the kernel logged, find the BARs
    disjoint, read the virtio-rng's and (behind the bridge) the virtio console's common configuration through their BARs and be refused everything
    the kernel owns; pci-intruder (no `pci`) must be refused listing and opening; every module
    exits 0, the frame balance is exact and init exits 0.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

# The virtio functions tools/qemu-run attaches per arch (vendor 1af4): the entropy device on every
# arch, the boot disk where it is virtio-pci (riscv64's is virtio-mmio for U-Boot).
VIRTIO = {
    "x86_64": ["1af4:1001", "1af4:1043", "1af4:1044"],
    "aarch64": ["1af4:1001", "1af4:1043", "1af4:1044"],
    "riscv64": ["1af4:1043", "1af4:1044"],
}
ROOT_PORT = "1b36:000c"
# QEMU's host bridge on each machine: q35's MCH, virt's generic PCIe host.
HOST_BRIDGE = {"x86_64": "8086:29c0", "aarch64": "1b36:0008", "riscv64": "1b36:0008"}

BUSES = re.compile(r"^pci:   buses (\d+)-(\d+)$")
FORWARDS = re.compile(r"^pci:   forwards (io|mem|prefetchable) pci (0x[0-9a-f]+)-(0x[0-9a-f]+)$")
FUNCTION = re.compile(r"^pci: ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ([0-9a-f]{4}:[0-9a-f]{4}) class ([0-9a-f]{6})", re.M)
BAR = re.compile(r"^pci:   bar(\d) (io|mem32|mem64)( prefetchable)? (?:cpu (0x[0-9a-f]+) size (0x[0-9a-f]+) (firmware|assigned-by-kernel)|size (0x[0-9a-f]+) unassigned)$")
LISTED = re.compile(r"^pci-probe: function ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ([0-9a-f]{4}:[0-9a-f]{4}) class ([0-9a-f]{6})$", re.M)

EXPECTATIONS = [(f"probe case {case}", rf"^pci-probe: {re.escape(case)} ok$")
                for case in ("list", "bars", "virtio-rng", "virtio-console-behind-bridge", "confinement")] + [
    ("probe: every case passed", r"^pci-probe: all passed \(0 failed\)$"),
    ("intruder: listing and opening refused without `pci`", r"^pci-intruder: denied ok$"),
    azoth_boot.exits_zero("pci-probe"),
    azoth_boot.exits_zero("pci-intruder"),
] + azoth_boot.INIT_ENDS_CLEANLY


def kernel_topology(log):
    """[(bdf, id, class, [bars])] from the kernel's `pci:` lines; a bar is (index, kind, cpu, size,
    how) with cpu None when unassigned. A bridge's bus range is in buses[bdf], its open windows
    (kind -> (first, last) PCI address) in forwards[bdf]."""
    functions = []
    buses = {}
    forwards = {}
    for line in log.splitlines():
        match = FUNCTION.match(line)
        if match:
            functions.append((match.group(1), match.group(2), match.group(3), []))
            continue
        match = BUSES.match(line)
        if match and functions:
            buses[functions[-1][0]] = (int(match.group(1)), int(match.group(2)))
            continue
        match = FORWARDS.match(line)
        if match and functions:
            forwards.setdefault(functions[-1][0], {})[match.group(1)] = (int(match.group(2), 16), int(match.group(3), 16))
            continue
        match = BAR.match(line)
        if match and functions:
            if match.group(4):
                bar = (int(match.group(1)), match.group(2), int(match.group(4), 16), int(match.group(5), 16), match.group(6))
            else:
                bar = (int(match.group(1)), match.group(2), None, int(match.group(7), 16), "unassigned")
            functions[-1][3].append(bar)
    return functions, buses, forwards


def check_topology(arch, log, reassign):
    failed = False
    functions, buses, forwards = kernel_topology(log)
    ids = [identity for _, identity, _, _ in functions]

    def check(condition, what):
        nonlocal failed
        print(("ok: " if condition else "FAIL: ") + what)
        failed = failed or not condition

    check(len(functions) > 0, f"the kernel enumerated {len(functions)} functions")
    check(ids.count(HOST_BRIDGE[arch]) == 1, f"one host bridge {HOST_BRIDGE[arch]}")
    virtio = sorted(identity for identity in ids if identity.startswith("1af4:"))
    check(virtio == VIRTIO[arch], f"the virtio functions are what qemu-run attached: {virtio} == {VIRTIO[arch]}")
    ports = [bdf for bdf, identity, _, _ in functions if identity == ROOT_PORT]
    check(len(ports) == 1 and ports[0] in buses, f"one PCIe root port with a bus range: {ports}")
    if len(ports) == 1 and ports[0] in buses:
        first, last = buses[ports[0]]
        behind = [bdf for bdf, identity, _, _ in functions if identity == "1af4:1043"]
        check(len(behind) == 1 and first <= int(behind[0][:2], 16) <= last,
              f"the virtio console {behind} is on a bus behind the root port (buses {first}-{last})")
        # Its memory BARs lie in a window the root port forwards (memory windows are identity-mapped
        # on all three machines: CPU address = PCI address).
        windows = forwards.get(ports[0], {})
        for bdf, identity, _, bars in functions:
            if identity != "1af4:1043":
                continue
            for index, kind, cpu, size, how in bars:
                if kind == "io" or cpu is None:
                    continue
                inside = [name for name, (low, high) in windows.items() if name != "io" and low <= cpu and cpu + size - 1 <= high]
                check(bool(inside), f"{bdf} bar{index} {cpu:#x}+{size:#x} is inside the root port's forwarded {inside or windows}")
    windows = []
    for bdf, identity, _, bars in functions:
        for index, kind, cpu, size, how in bars:
            if identity.startswith("1af4:"):
                check(cpu is not None, f"{bdf} ({identity}) bar{index} {kind} is assigned ({how})")
            if cpu is not None:
                # x86 I/O BARs are port numbers, a space of their own; elsewhere everything is CPU memory.
                space = "ports" if kind == "io" and arch == "x86_64" else "memory"
                windows.append((space, cpu, cpu + size, f"{bdf} bar{index}"))
    overlaps = [(a[3], b[3]) for i, a in enumerate(windows) for b in windows[i + 1:] if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]]
    check(not overlaps, f"{len(windows)} assigned BARs, none overlapping {overlaps if overlaps else ''}")
    by_kernel = sum(1 for _, _, _, bars in functions for bar in bars if bar[4] == "assigned-by-kernel")
    print(f"note: {by_kernel} BARs assigned by the kernel on {arch}")
    if reassign:
        all_bars = [(bdf, bar) for bdf, identity, _, bars in functions for bar in bars]
        if arch == "x86_64":
            check(by_kernel == 0, "pci-reassign without windows (x86_64) changes nothing")
        else:
            kept = [f"{bdf} bar{bar[0]}" for bdf, bar in all_bars if bar[4] != "assigned-by-kernel"]
            check(all_bars and not kept, f"pci-reassign: all {len(all_bars)} BARs, behind the bridge too, assigned by the kernel {kept if kept else ''}")
            check("1 bridges' windows opened by the kernel" in log, "pci-reassign: the kernel opened the root port's windows")
    listed = [(m.group(1), m.group(2), m.group(3)) for m in LISTED.finditer(log)]
    logged = [(bdf, identity, klass) for bdf, identity, klass, _ in functions]
    check(listed == logged, f"pci-probe listed the {len(logged)} functions the kernel logged, in order")
    return failed


def main():
    args = azoth_boot.image_test_arguments(__doc__, timeout=240)
    failed = False
    for label, cmdline in (("firmware", None), ("reassign", "pci-reassign")):
        print(f"== {label}: boot with {cmdline or 'no command word'}")
        run = azoth_boot.boot_image(args, "esp-pci.img", f"pci-{label}", cmdline)
        if run is None:
            return 1
        azoth_boot.print_lines(run.log, ("pci", "init: ", "athanor: init"))
        print(f"boot took {run.seconds:.1f}s, status {run.status}")
        this = azoth_boot.panicked(run.log)
        this = check_topology(args.arch, run.log, cmdline is not None) or this
        this = azoth_boot.check_expectations(run.log, EXPECTATIONS) or this
        this = azoth_boot.module_failed(run.log, ("pci-",)) or this
        this = azoth_boot.status_failed(run.status) or this
        if this:
            azoth_boot.verdict(True, run.log, run.stderr)
        failed = failed or this
    return azoth_boot.verdict(failed)


if __name__ == "__main__":
    sys.exit(main())
