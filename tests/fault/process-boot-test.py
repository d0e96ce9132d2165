#!/usr/bin/env python3
"""Booted tests of Wasm modules as processes (QEMU via tools/qemu-run).

usage:
  process-boot-test.py spectest --arch-build DIR [--timeout S]
      boots esp-spectest.img with `spectest`: status 0 and "spec: P/T commands passed" with no
      unexpected failure (the expected-failures ratchet of tests/spec applies in the kernel too)
  process-boot-test.py fault --arch-build DIR [--timeout S]
      boots esp-fault.img (init + tests/fault modules): every fault module is trapped/killed/refused
      and restarted per its manifest, `steady` keeps running, chaos is restarted 1000 times, the
      frame balance is exact and init exits 0
  process-boot-test.py uart --arch-build DIR [--timeout S]
      boots the default esp.img: init starts the uart driver, which claims the console UART, and
      every module's modules/NAME/NAME.expect lines appear (the polyglot ring modules/poly-*: C,
      C++, Rust, Zig, AssemblyScript, each calling the next across a language boundary); and
      hello's greeting appears after the driver's banner; the system stays up (QEMU is stopped
      after --timeout, status 124 expected)
  process-boot-test.py console --arch-build DIR [--timeout S]
      boots esp-console.img (init + uart driver + readline): once the driver is attached and
      readline prompts, types a line into QEMU's serial port; readline must report that stdin was
      not readable before and readable after, and print the line reversed (console input through
      the driver, azoth.console_input, WASI fd_read/poll_oneoff); then, with readline gone, Ctrl-T
      twice 3 s apart: the uart driver's wake-up counts must not have grown by more than a few (it
      sleeps in one event_wait on its Irq and output bits; a polling driver fails here)
  process-boot-test.py console-kill --arch-build DIR [--timeout S]
      boots esp-console.img with `console-kill-test`: the kernel starts `readline --wait clock`
      (60 s in a clock-only poll_oneoff), then `readline --wait input` (60 s in poll_oneoff on
      stdin), and kills each while it waits: both must end as killed within 5 s of the kill
  process-boot-test.py early-input --arch-build DIR [--timeout S]
      boots esp-early-input.img (default kernel: init + uart driver + stdin-count), types a line
      right after `athanor: ready` (before the driver attaches), another once the driver is
      attached, then EOT: stdin-count must count both lines, in order, and see the end of input
  process-boot-test.py run-exec --arch-build DIR [--arch A] [--stdin FILE] [--status N] [--expect TEXT]...
                       -- MODULE [ARGS...]
      runs `./azoth run --arch A --headless --exec MODULE -- ARGS` (AZOTH_BUILD = DIR's parent)
      with stdin from FILE (default /dev/null) and checks its exit status and output
  process-boot-test.py exec-compare --arch-build DIR --azoth-exec BIN [--env K=V]... [--status N]
                       -- MODULE [ARGS...]
      runs MODULE with ./azoth exec's binary (hosted) and in the booted kernel (`exec` mode) and
      requires the same output (stdout and stderr merged in write order) and exit status
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

ROOT = azoth_boot.ROOT
MAKE_EXEC_IMAGE = os.path.join(ROOT, "modules", "build", "make-exec-image")


ARCH = "x86_64"


def boot(image, cmdline, timeout, work, label):
    run = azoth_boot.boot(ARCH, image, timeout, work, label, cmdline=cmdline)
    return run.status, run.log, run.seconds, run.stderr


SKIPPED = 77  # ctest SKIP_RETURN_CODE of the spectest boots


def spec_suite_dir():
    """The Wasm spec testsuite, found by the same rule as tests/spec and modules/initrd.cmake."""
    configured = os.environ.get("AZOTH_WASM_SPEC_DIR", "")
    if configured:
        return configured
    return os.path.normpath(os.path.join(ROOT, "..", "shared", "wasm-spec-2.0"))


def spectest(args, work):
    image = os.path.join(args.arch_build, "esp-spectest.img")
    suite = spec_suite_dir()
    if not os.path.isdir(suite) or not any(name.endswith(".wast") for name in os.listdir(suite)):
        print(f"SKIPPED: no Wasm spec testsuite (.wast files) at '{suite}'; set AZOTH_WASM_SPEC_DIR")
        return SKIPPED
    if not os.path.isfile(image):
        print(f"FAIL: {image} is missing (./azoth build --arch x86_64 builds it when the spec suite exists)")
        return 1
    status, log, seconds, stderr = boot(image, "spectest", args.timeout, work, "spectest")
    for line in log.splitlines():
        if line.startswith("spec: ") and (" FAIL " in line or "commands passed" in line or "unexpected" in line
                                          or "scripts in" in line or "listed" in line):
            print(line)
    print(f"boot took {seconds:.1f}s, status {status}")
    summary = re.search(r"^spec: (\d+)/(\d+) commands passed$", log, re.M)
    if not summary:
        print(log[-4000:])
        print(stderr)
        print("FAIL: no 'spec: P/T commands passed' line")
        return 1
    if not re.search(r"^spec: 0 unexpected failures", log, re.M) or status != 0:
        print("FAIL: unexpected failures or non-zero status")
        return 1
    passed, total = int(summary.group(1)), int(summary.group(2))
    if total < 50000:
        print(f"FAIL: only {total} commands ran (the suite has more than 50000)")
        return 1
    print(f"PASS: {passed}/{total} commands in the kernel")
    return 0


FAULT_EXPECTATIONS = [
    # (what, regex over the serial log)
    ("(a) fault-trap trapped and restarted 3 times", r"^init: summary fault-trap: restarts=3 exited=0 trapped=4 killed=0 failed=0$"),
    ("(b) fault-loop killed by the watchdog, restarted twice", r"^init: summary fault-loop: restarts=2 exited=0 trapped=0 killed=3 failed=0$"),
    ("(c) fault-recursion trapped (call stack exhausted)", r"^init: summary fault-recursion: restarts=2 exited=0 trapped=3 killed=0 failed=0$"),
    # The C recursion runs its stack (in linear memory) below address 0 before the engine's call
    # depth limit: the trap init names is the out-of-bounds access.
    ("(c) init names the trap and the back-off", r"^init: fault-recursion trapped \(out of bounds memory access\); restart 1 after \d+ ms$"),
    ("(d) fault-memory refused, restarted once", r"^init: summary fault-memory: restarts=1 exited=2 trapped=0 killed=0 failed=0$"),
    ("(e)+(f) hostile pointers and garbage arguments all refused", r"^fault-hostile: 23 passed, 0 failed$"),
    ("(e)+(f) fault-hostile exited cleanly once", r"^init: summary fault-hostile: restarts=0 exited=1 trapped=0 killed=0 failed=0$"),
    ("(g) fault-noconsole (no `console`): EBADF for stdin/stdout/stderr, exit code 42 seen by init",
     r"^init: fault-noconsole exited \(code 42\); not restarted$"),
    ("other modules keep running", r"^steady: done$"),
    ("steady exited 0", r"^init: summary steady: restarts=0 exited=1 trapped=0 killed=0 failed=0$"),
    # chaos runs while fault-memory holds nearly every frame: a chaos restart that falls in that
    # window is refused at instantiation (linear memory below the kernel's free-frame floor) and
    # counts as failed — the kernel's correct answer, not a fault. A few such are allowed; what must
    # hold is 1000 restarts, the frame balance and init's clean exit (checked below).
    ("chaos restarted 1000 times", r"^init: summary chaos: restarts=1000 exited=\d+ trapped=\d+ killed=\d+ failed=\d$"),
] + azoth_boot.INIT_ENDS_CLEANLY


def fault(args, work):
    image = os.path.join(args.arch_build, "esp-fault.img")
    if not azoth_boot.image_present(image, ARCH):
        return 1
    status, log, seconds, stderr = boot(image, "", args.timeout, work, "fault")
    azoth_boot.print_lines(log, ("init: summary", "init: frame", "fault-memory:", "fault-hostile:", "athanor: init"))
    print(f"boot took {seconds:.1f}s, status {status}")
    failed = azoth_boot.check_expectations(log, FAULT_EXPECTATIONS)
    # Preemption: while fault-loop spins (no system calls) steady still gets the CPU.
    spins = [m.end() for m in re.finditer(r"^fault-loop: spinning forever$", log, re.M)]
    preempted = 0
    for start in spins:
        end = log.find("init: fault-loop killed", start)
        if end > start and re.search(r"^steady: tick \d+$", log[start:end], re.M):
            preempted += 1
    if preempted == 0:
        print("FAIL: steady never printed while fault-loop was spinning (no preemption?)")
        failed = True
    else:
        print(f"ok: steady ran during {preempted} of {len(spins)} fault-loop spins (preemption)")
    grown = [int(x) for x in re.findall(r"^fault-memory: grew (\d+) MiB", log, re.M)]
    if len(grown) != 2 or grown[0] < 64 or abs(grown[0] - grown[1]) > 8:
        print(f"FAIL: fault-memory should grow to about the same size twice, got {grown}")
        failed = True
    else:
        print(f"ok: fault-memory grew {grown[0]} MiB and {grown[1]} MiB (the first run's frames came back)")
    if "THIS LINE MUST NOT REACH THE CONSOLE" in log:
        print("FAIL: fault-noconsole printed without the console capability")
        failed = True
    failed = azoth_boot.status_failed(status) or failed
    return azoth_boot.verdict(failed, log, stderr, stderr_tail=0)


# Every module of the default image may carry a test: modules/NAME/NAME.expect, regular expressions
# (one per line; # starts a comment) that must each match a whole line of the serial log
# (./azoth new-module writes one; the polyglot ring modules/poly-* checks each member's call to the
# next, in another language).
MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "modules")


def uart(args, work):
    image = os.path.join(args.arch_build, "esp.img")
    status, log, seconds, stderr = boot(image, "", args.timeout, work, "uart")
    print("\n".join(line for line in log.splitlines() if line.startswith(("init:", "uart:", "Hello"))))
    if "init: started uart" not in log:
        print("FAIL: init did not start the uart driver")
        return 1
    # init's own lines are buffered by its libc, so only the driver's banner orders the rest. The
    # usermode kernel has no UART: the driver says so and exits cleanly, and is not restarted.
    banner = "uart: driver attached; console output now goes through this module"
    if ARCH == azoth_boot.USERMODE:
        banner = "uart: this machine has no console UART a driver may claim; the kernel keeps the console"
        if "init: uart exited (code 0); not restarted" not in log:
            print("FAIL: the uart driver did not exit cleanly once (no UART on this machine)")
            return 1
    order = [banner,
             "Hello, World! (from hello, a Wasm module on Athanor)", "init: hello exited (code 0); not restarted"]
    position = 0
    failed = False
    for expected in order:
        found = log.find(expected, position)
        if found < 0:
            print(f"FAIL: missing (in this order): {expected}")
            failed = True
        else:
            position = found
    if "uart: cannot claim" in log:
        print("FAIL: the driver could not claim the UART")
        failed = True
    failed = azoth_boot.check_modules(log, MODULES, azoth_boot.modules_with_expectations(MODULES)) or failed
    if status != 124:
        print(f"FAIL: expected the system to stay up until the timeout (124), got status {status}")
        failed = True
    if failed:
        print(log[-3000:])
        return 1
    print("PASS")
    return 0


def selftest(args, work):
    """The in-kernel self-tests on the usermode kernel (boot.usermode.selftest; the machine ports'
    are boot.<arch>.selftest in tests/boot): none fails, and a test skips only for what this
    machine has none of (a UART, a device interrupt, firmware tables)."""
    image = os.path.join(args.arch_build, "esp-test.img")
    status, log, seconds, stderr = boot(image, "selftest", args.timeout, work, "selftest")
    print("\n".join(line for line in log.splitlines() if line.startswith(("[FAIL]", "[SKIP]")) or "passed," in line))
    failed = False
    summary = azoth_boot.selftest_summary(log)
    if not summary:
        print("FAIL: the kernel never printed 'N passed, M failed'")
        print(log[-3000:] + stderr)
        return 1
    passed, failures, skips = summary
    if failures != 0:
        print(f"FAIL: {failures} self-tests failed")
        failed = True
    if passed < 25:
        print(f"FAIL: only {passed} self-tests passed (at least 25 expected)")
        failed = True
    for reason in skips:
        if " has no " not in reason:
            print(f"FAIL: a skip that is not about something the machine lacks: {reason}")
            failed = True
    if status != 0:
        print(f"FAIL: power-off status {status}, expected 0")
        failed = True
    print("FAIL" if failed else f"PASS ({seconds:.1f} s)")
    return 1 if failed else 0


CONSOLE_LINE = "Azoth reads 42 lines"


STATUS_LINE = re.compile(r"^uart: status: (\d+) wake-ups \((\d+) output, (\d+) receive, (\d+) input retries\)$", re.M)
IDLE_SECONDS = 3.0
# Wake-ups allowed across one Ctrl-T and the idle period: the key's receive interrupt (twice if
# the byte lands while the driver is awake) and output someone queued meanwhile. A driver that
# polls on a timer wakes hundreds of times in IDLE_SECONDS.
IDLE_WAKEUP_LIMIT = 6


def idle_wakeups(console, deadline):
    """Ctrl-T makes the uart driver print its wake-up counts: ask twice, IDLE_SECONDS apart, with
    nothing else running, and require (almost) no wake-ups in between. An error string, or None."""
    counts = []
    for probe in (1, 2):
        if probe == 2:
            time.sleep(IDLE_SECONDS)
        console.type(b"\x14")
        probe_deadline = min(deadline, time.monotonic() + 30)
        while len(STATUS_LINE.findall(console.text())) < probe and time.monotonic() < probe_deadline:
            time.sleep(0.1)
        found = STATUS_LINE.findall(console.text())
        if len(found) < probe:
            return f"no 'uart: status:' line after Ctrl-T number {probe}"
        counts.append([int(value) for value in found[probe - 1]])
    wakeups = counts[1][0] - counts[0][0]
    retries = counts[1][3] - counts[0][3]
    print(f"idle driver: {wakeups} wake-ups ({counts[1][1] - counts[0][1]} output, {counts[1][2] - counts[0][2]} receive, "
          f"{retries} input retries) across {IDLE_SECONDS:.0f} s idle and one Ctrl-T")
    if wakeups > IDLE_WAKEUP_LIMIT or retries != 0:
        return f"the idle uart driver woke {wakeups} times ({retries} timed retries): it is polling"
    return None


def console(args, work):
    # The serial console is QEMU's stdio: read the guest's output from a pipe and type into another.
    console = azoth_boot.console_image(args, "esp-console.img")
    if console is None:
        return 1
    start, deadline = console.start, console.deadline
    failed = False
    typed_at = None
    try:
        ready = console.wait_for(r"^uart: driver attached") and console.wait_for(r"^readline: type a line> $")
        if not ready:
            print("FAIL: no prompt from readline after the uart driver attached")
            failed = True
        else:
            typed_at = time.monotonic()
            # Typed slowly, like a person: the 16550/PL011 receive FIFOs are small and polled.
            console.type(CONSOLE_LINE + "\r", pause=0.02)
            if not console.wait_for(r"^readline: got "):
                print("FAIL: readline did not report the line")
                failed = True
            elif not console.wait_for(r"^init: readline exited"):
                print("FAIL: readline did not exit")
                failed = True
            else:
                idle = idle_wakeups(console, deadline)
                if isinstance(idle, str):
                    print(f"FAIL: {idle}")
                    failed = True
    finally:
        console.close()
    log = console.text()
    print("\n".join(line for line in log.splitlines() if line.startswith(("init:", "uart:", "readline:"))))
    if typed_at is not None:
        print(f"prompt after {typed_at - start:.1f}s of boot")
    expected = [
        r"^readline: console_attach refuses a forged handle, a read-only event and no bits \(ok\)$",
        r"^readline: poll before input: not ready \(ok\)$",
        # The driver echoes the first typed characters as they arrive, so they may stand in front of
        # this line on the console; it still has to end a line.
        r"readline: poll after input: ready \(ok\)$",
        r'^readline: got "' + re.escape(CONSOLE_LINE) + r'" \(' + str(len(CONSOLE_LINE)) + r' bytes\), reversed "'
        + re.escape(CONSOLE_LINE[::-1]) + r'"$',
        r"^init: readline exited \(code 0\); not restarted$",
    ]
    failed = azoth_boot.check_patterns(log, expected) or failed
    # The driver echoes what was typed (readline's own lines may cut into the echo: take them out).
    echo = re.sub(r"readline: poll after input: ready \(ok\)\n", "", log)
    if echo.count(CONSOLE_LINE) < 2:
        print("FAIL: the typed line was not echoed")
        failed = True
    if "readline: FAIL" in log:
        print("FAIL: readline reported a failure")
        failed = True
    return azoth_boot.verdict(failed, log, console.stderr(), log_tail=4000)


def console_kill(args, work):
    image = os.path.join(args.arch_build, "esp-console.img")
    status, log, seconds, stderr = boot(image, "console-kill-test", args.timeout, work, "console-kill")
    print("\n".join(line for line in log.splitlines() if line.startswith(("console-kill:", "readline:"))))
    failed = False
    for kind in ("clock", "input"):
        # The kill comes after readline is waiting, and ends it (readline never says its wait returned).
        pattern = (r"^readline: waiting 60 s in poll_oneoff \(" + kind + r"\)\n(?:.*\n)*?console-kill: killing readline\n"
                   r"(?:.*\n)*?console-kill: round " + kind + r": readline killed \(code \d+\) (\d+) us after the kill$")
        match = re.search(pattern, log, re.M)
        if not match:
            print(f"FAIL: round {kind}: no 'waiting' line, kill and 'killed' report in that order")
            failed = True
        else:
            latency_ms = int(match.group(1)) / 1000
            print(f"round {kind}: killed {latency_ms:.1f} ms after the kill (guest clock)")
            if latency_ms > 5000:
                print(f"FAIL: round {kind}: the kill took {latency_ms:.0f} ms")
                failed = True
    if re.search(r"^readline: the \w+ wait returned", log, re.M):
        print("FAIL: a wait returned to readline: the kill did not end the process")
        failed = True
    if not re.search(r"^console-kill: PASS$", log, re.M) or status != 0:
        print(f"FAIL: console-kill did not pass (status {status})")
        failed = True
    if failed:
        print(log[-3000:])
        print(stderr)
        return 1
    print("PASS")
    return 0


EARLY_LINE, LATE_LINE = "typed before the driver", "and after it"


def fnv1a(data):
    value = 2166136261
    for byte in data:
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def early_input(args, work):
    console = azoth_boot.console_image(args, "esp-early-input.img")
    if console is None:
        return 1
    failed = False
    try:
        # Right after `athanor: ready` nothing runs yet: no driver, no reader. The kernel must keep
        # the line (in the UART, or its own receive buffer) and hand it over in order.
        if not console.wait_for(r"^athanor: ready"):
            print("FAIL: no `athanor: ready`")
            failed = True
        else:
            console.type(EARLY_LINE + "\r")
            if "uart: driver attached" in console.text():
                print("note: the driver attached before the early line was typed (slow host?)")
            # (Not anchored: the driver's echo of the early line may share the banner's line.)
            if not console.wait_for(r"uart: driver attached"):
                print("FAIL: the uart driver did not attach")
                failed = True
            else:
                console.type(LATE_LINE + "\r\x04", pause=0.02)
                # (The driver echoes the EOT: the summary line may start after it.)
                if not console.wait_for(r"stdin-count: \d+ bytes") or not console.wait_for(r"^init: stdin-count exited"):
                    print("FAIL: stdin-count did not finish")
                    failed = True
    finally:
        console.close()
    log = console.text().replace("\x04", "")
    print("\n".join(line for line in log.splitlines() if line.startswith(("athanor: ready", "init:", "uart:", "stdin-count:"))))
    expected = (EARLY_LINE + "\n" + LATE_LINE + "\n").encode()
    summary = f"stdin-count: {len(expected)} bytes, 2 lines, fnv1a {fnv1a(expected):08x}"
    if not re.search("^" + re.escape(summary) + "$", log, re.M):
        print(f"FAIL: expected '{summary}' (both lines, in order, then the end of input)")
        failed = True
    if not re.search(r"^init: stdin-count exited \(code 0\)", log, re.M):
        print("FAIL: stdin-count did not exit 0")
        failed = True
    return azoth_boot.verdict(failed, log, console.stderr(), log_tail=4000)


def run_exec(args, work):
    """./azoth run --exec itself: the user-facing path (image, boot, exit code from the serial line)."""
    module, module_args = args.command[0], args.command[1:]
    env = dict(os.environ, AZOTH_BUILD=os.path.dirname(os.path.abspath(args.arch_build)))
    arch = "hosted" if ARCH == azoth_boot.USERMODE else ARCH  # ./azoth run --arch hosted: the usermode kernel
    command = [os.path.join(ROOT, "azoth"), "run", "--arch", arch, "--headless", "--exec", module, "--"] + module_args
    with open(args.stdin or os.devnull, "rb") as stdin:
        # Its own session, so a hang can be stopped with QEMU and everything else it started.
        process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        try:
            stdout, _ = process.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            stdout, _ = process.communicate()
            print(azoth_boot.clean(stdout.decode("utf-8", "replace"))[-2500:])
            print(f"FAIL: ./azoth run --exec did not finish within {args.timeout} s")
            return 1
    done = subprocess.CompletedProcess(command, process.returncode, stdout)
    output = azoth_boot.clean(done.stdout.decode("utf-8", "replace"))
    print(output[-2500:])
    failed = False
    if args.status is not None and done.returncode != args.status:
        print(f"FAIL: ./azoth run --exec exited {done.returncode}, expected {args.status}")
        failed = True
    for expected in args.expect:
        if expected not in output:
            print(f"FAIL: missing output: {expected}")
            failed = True
    if failed:
        return 1
    print("PASS")
    return 0


NODE_WASI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wasi", "node-wasi.mjs")


def exec_compare(args, work):
    if not args.command:
        print("FAIL: no module given")
        return 2
    module, module_args = args.command[0], args.command[1:]
    hosted_command = [args.azoth_exec]
    for variable in args.env:
        hosted_command += ["--env", variable]
    hosted_command += [module] + module_args
    hosted = subprocess.run(hosted_command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    hosted_output = hosted.stdout.decode("utf-8", "replace")

    image = os.path.join(work, "exec.img")
    make = [MAKE_EXEC_IMAGE, "--esp", os.path.join(args.arch_build, "esp.img"), "--output", image, "--module", module]
    for variable in args.env:
        make += ["--env", variable]
    subprocess.run(make + ["--", module] + module_args, check=True)
    status, log, seconds, stderr = boot(image, "exec", args.timeout, work, "exec")
    section = re.search(r"athanor: exec: --- output ---\n(.*)athanor: exec: --- end ---\n", log, re.S)
    code = re.search(r"^athanor: exec: exit status (\d+)$", log, re.M)
    print(f"hosted: exit {hosted.returncode}; kernel: exit {code.group(1) if code else '?'}, "
          f"power-off status {status}, boot {seconds:.1f}s")
    if not section or not code:
        print(log[-4000:])
        print(stderr)
        print("FAIL: the kernel did not report the module's output and exit status")
        return 1
    kernel_output = section.group(1)
    failed = False
    if kernel_output != hosted_output:
        print("FAIL: outputs differ\n--- ./azoth exec:\n" + hosted_output + "--- booted kernel:\n" + kernel_output)
        failed = True
    if int(code.group(1)) != hosted.returncode:
        print(f"FAIL: exit status differs: hosted {hosted.returncode}, kernel {code.group(1)}")
        failed = True
    if args.status is not None and hosted.returncode != args.status:
        print(f"FAIL: expected exit status {args.status}, got {hosted.returncode}")
        failed = True
    if status != (hosted.returncode & 0xF):
        print(f"FAIL: power-off status {status} is not the exit status's low bits")
        failed = True
    if args.node:
        # The third runtime: node's WASI, the same module and arguments (tests/wasi/node-wasi.mjs).
        node_command = ["node", "--no-warnings", NODE_WASI]
        for variable in args.env:
            node_command += ["--env", variable]
        node = subprocess.run(node_command + [module] + module_args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        node_output = node.stdout.decode("utf-8", "replace")
        print(f"node: exit {node.returncode}")
        if node_output != hosted_output:
            print("FAIL: node's output differs\n--- ./azoth exec:\n" + hosted_output + "--- node:\n" + node_output)
            failed = True
        if node.returncode != hosted.returncode:
            print(f"FAIL: exit status differs: hosted {hosted.returncode}, node {node.returncode}")
            failed = True
    if failed:
        return 1
    print("--- output (identical" + (", node too" if args.node else "") + "):\n" + kernel_output + "PASS")
    return 0


SCENARIOS = {"selftest": selftest, "spectest": spectest, "exec-compare": exec_compare, "fault": fault, "uart": uart, "console": console,
             "console-kill": console_kill, "run-exec": run_exec, "early-input": early_input}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--arch-build", required=True)
    parser.add_argument("--arch", default="x86_64", choices=["x86_64", "aarch64", "riscv64", azoth_boot.USERMODE],
                        help="usermode: the x86_64 build's images on the usermode kernel (--arch-build: the x86_64 build)")
    parser.add_argument("--timeout", type=int, default=240)
    parser.add_argument("--azoth-exec")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--status", type=int)
    parser.add_argument("--expect", action="append", default=[])
    parser.add_argument("--node", action="store_true", help="exec-compare: node's WASI must agree too")
    parser.add_argument("--stdin")
    argv = sys.argv[1:]
    command = []
    if "--" in argv:
        command = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args = parser.parse_args(argv)
    args.command = command
    global ARCH
    ARCH = args.arch
    if ARCH == azoth_boot.USERMODE:
        os.environ["AZOTH_BUILD_ROOT"] = os.path.dirname(os.path.abspath(args.arch_build))
    with tempfile.TemporaryDirectory(prefix="process-boot-test.") as work:
        return SCENARIOS[args.scenario](args, work)


if __name__ == "__main__":
    sys.exit(main())
