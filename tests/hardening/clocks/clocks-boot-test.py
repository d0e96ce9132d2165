#!/usr/bin/env python3
"""boot.<arch>.clocks: what modules see of time (issue 21, coarse clocks). Boots esp-clocks.img:
init starts clock-probe without the precise-time capability (every clock reading and the reported
resolution in 100 us steps) and with it (nanosecond readings); both must pass and exit 0.

  clocks-boot-test.py --arch ARCH --arch-build DIR [--timeout SECONDS]
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402


def main():
    _, run = azoth_boot.boot_image_test(__doc__, "esp-clocks.img", "clocks", timeout=60)
    if run is None:
        return 1
    log = run.log
    azoth_boot.print_lines(log, ("clock-probe:", "init:", "PANIC"))
    expectations = []
    for mode in ("coarse", "precise"):
        for clock in ("monotonic", "realtime"):
            expectations.append((f"{mode} {clock}", rf"^clock-probe: {mode} {clock} ok: "))
        expectations.append((f"clock-{mode} exits 0", rf"^init: clock-{mode} exited \(code 0\)"))
    failed = azoth_boot.check_expectations(log, expectations + azoth_boot.INIT_ENDS_CLEANLY)
    failed = azoth_boot.panicked(log) or failed
    failed = azoth_boot.module_failed(log, ("clock-probe:",)) or failed
    failed = azoth_boot.status_failed(run.status) or failed
    return azoth_boot.verdict(failed, log, run.stderr, stderr_tail=0)


if __name__ == "__main__":
    sys.exit(main())
