#!/usr/bin/env python3
"""boot.<arch>.resources: per-process resource limits in the booted kernel (issue 14, finding 2 and
class 3). Boots esp-resources.img: res-init runs each res-* module twice beside res-steady; each
module exhausts one kind of resource (table elements, kernel heap, linear memory, regions, region
memory, channels, handles, timers, read-only mappings) and must be refused at its manifest's limit
and end alone, with every frame back after it (second run: free frames after == before).

  resources-boot-test.py --arch ARCH --arch-build DIR [--timeout SECONDS]
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402

# (module, what its limit is called in the kernel's "resource limit reached" line, or None when the
# refusal is checked by the module itself only)
MODULES = [
    ("res-tables", "table elements"),
    ("res-heap", "kernel heap"),
    ("res-memory", "memory"),
    ("res-regions", "regions"),
    ("res-region-memory", "memory"),
    ("res-channels", "channels"),
    ("res-handles", None),  # the handle table refuses; no account charge is refused
    ("res-timers", "timers"),
    ("res-ro-mappings", "read-only mappings"),
]

OBJECT_KINDS = ["memory", "regions", "region-memory", "channels", "handles", "timers", "ro-mappings"]


def main():
    _, run = azoth_boot.boot_image_test(__doc__, "esp-resources.img", "resources")
    if run is None:
        return 1
    log = run.log
    azoth_boot.print_lines(log, ("res-init:", "res-objects:", "athanor: res-", "PANIC", "athanor: init"))
    print(f"boot took {run.seconds:.1f}s, status {run.status}")
    failed = False
    expectations = [("res-init finished without failures", r"^res-init: done, 0 failures$"),
                     ("res-steady kept running through every run", r"^res-init: res-steady kept running$")]
    for module, limit in MODULES:
        for attempt in (1, 2):
            expectations.append((f"{module} run {attempt} ended as expected",
                                 rf"^res-init: {module} run {attempt}: exited \(code \d+\) as expected;"))
        expectations.append((f"{module}: every frame came back", rf"^res-init: {module}: every frame came back$"))
        if limit:
            expectations.append((f"{module}: the kernel reports its {limit} limit",
                                 rf"^athanor: {module}: resource limit reached: {re.escape(limit)} "))
    for kind in OBJECT_KINDS:
        if kind == "memory":
            expectations.append(("memory: memory.grow refused at the limit",
                                 r"^res-objects: memory: grew \d+ MiB, then memory.grow was refused .*: ok$"))
        else:
            expectations.append((f"{kind}: refused at the limit", rf"^res-objects: {kind}: made \d+, then refused .*: ok$"))
            expectations.append((f"{kind}: one more after giving one back", rf"^res-objects: {kind}: one given back, one made again: ok$"))
    failed = azoth_boot.check_expectations(log, expectations) or failed
    ticks = len(re.findall(r"^res-steady: tick \d+$", log, re.M))
    if ticks < 3:
        print(f"FAIL: res-steady printed {ticks} ticks (it should keep running)")
        failed = True
    else:
        print(f"ok: res-steady ticked {ticks} times")
    failed = azoth_boot.panicked(log) or failed
    failed = azoth_boot.module_failed(log, ("res-init:", "res-objects:")) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    return azoth_boot.verdict(failed, log, run.stderr, stderr_tail=0)


if __name__ == "__main__":
    sys.exit(main())
