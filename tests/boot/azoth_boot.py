"""Shared support of the booted-test drivers (boot-test.py, process-boot-test.py, ipc-boot-test.py,
device-boot-test.py): QEMU launch through tools/qemu-run, serial-log reading and cleaning, an
interactive console (type into the guest, wait for lines, stop QEMU on time-out) and the ordered
"ok:/FAIL:" checks of expected log lines.

The arch "usermode" boots the same images without QEMU: the usermode kernel (Athanor as a Linux
process, kernel/arch/usermode, build/usermode next to the image's x86_64 build) with the image's
initrd and command line, the test kernel when the image carries the x86_64 test kernel. Its stdout
is the serial log; its exit status is the power-off status (124 when stopped at the time-out).

The scripts import it from their own location:
    sys.path.insert(0, os.path.join(<repo root>, "tests", "boot")); import azoth_boot
"""
import argparse
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QEMU_RUN = os.path.join(ROOT, "tools", "qemu-run")
TIMED_OUT = 124  # qemu-run's status when it stopped QEMU at --timeout

_ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def clean(text):
    """Serial text without terminal escapes and carriage returns."""
    return _ESCAPES.sub("", text).replace("\r", "")


# The shell's prompt (modules/azsh) ends without a newline, so on the one serial console the next
# line any module prints starts right after it ("azsh$ Hello, World! ..."), as on any terminal.
_PROMPTS = re.compile(r"^(?:azsh\$ )+(?=\S)", re.M)


def unprompted(log):
    """`log` with shell prompts taken off the start of lines that go on with other text, so a
    module's line matches ^...$ wherever the shell's prompt happened to stand (wait_for and the
    check_* helpers match against this)."""
    return _PROMPTS.sub("", log)


USERMODE = "usermode"

# AZOTH_BOOT_TIER=compiled|interp: every boot() of the run asks the kernel for that engine tier
# (`tier=` appended to the command line, the image's own when none is given) and fails unless the
# kernel reports it (`athanor: tier: compiled`): the boot.<arch>.compiled-* tests are the same
# drivers run with AZOTH_BOOT_TIER=compiled (tests/CMakeLists.txt, azoth_image_boot_tests COMPILED).
TIER = os.environ.get("AZOTH_BOOT_TIER", "")
TIER_MISSING = 97  # boot()'s status when the kernel did not report the asked tier


def image_cmdline(image):
    """The command line an ESP image carries (azoth/cmdline.txt), "" without one."""
    with tempfile.TemporaryDirectory(prefix="azoth-cmdline-") as work:
        copy = os.path.join(work, "cmdline.txt")
        subprocess.run(["mcopy", "-n", "-i", image, "::/azoth/cmdline.txt", copy], env=dict(os.environ, MTOOLS_SKIP_CHECK="1"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(copy):
            return ""
        with open(copy, encoding="utf-8", errors="replace") as file:
            return file.read().strip()


def with_tier(image, cmdline):
    """`cmdline` (None: the image's) with AZOTH_BOOT_TIER's word added; unchanged without it."""
    if not TIER:
        return cmdline
    if cmdline is None:
        cmdline = image_cmdline(image)
    return f"{cmdline} tier={TIER}".strip()


def tier_reported(log):
    """Whether the kernel ran the tier AZOTH_BOOT_TIER asked for (always true without it)."""
    return not TIER or re.search(rf"^athanor: tier: {re.escape(TIER)}$", clean(log), re.M) is not None


class UsermodeImage:
    """What the usermode kernel needs from an ESP image of the x86_64 build: the initrd, the default
    command line and which kernel (default or test) the image carries. The files live in a
    temporary directory until cleanup()."""

    def __init__(self, image):
        self._work = tempfile.TemporaryDirectory(prefix="azoth-usermode-")
        build_root = usermode_build_root(image)
        arch_build = os.path.join(build_root, "x86_64")
        self.initrd = os.path.join(self._work.name, "initrd.tar")
        kernel_copy = os.path.join(self._work.name, "athanor.elf")
        cmdline_copy = os.path.join(self._work.name, "cmdline.txt")
        environment = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        for inside, outside in (("initrd.tar", self.initrd), ("athanor.elf", kernel_copy), ("cmdline.txt", cmdline_copy)):
            subprocess.run(["mcopy", "-n", "-i", image, f"::/azoth/{inside}", outside], env=environment,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.cmdline = ""
        if os.path.exists(cmdline_copy):
            with open(cmdline_copy, encoding="utf-8", errors="replace") as file:
                self.cmdline = file.read().strip()
        test_kernel = os.path.join(arch_build, "kernel", "athanor-test.elf")
        is_test = os.path.exists(kernel_copy) and os.path.exists(test_kernel) and _same_file(kernel_copy, test_kernel)
        name = "athanor-test.elf" if is_test else "athanor.elf"
        self.kernel = os.path.join(build_root, USERMODE, "kernel", name)

    def command(self, timeout, cmdline=None):
        if not os.path.exists(self.initrd):
            return None
        return ["timeout", "--kill-after=10", str(timeout), self.kernel, "--initrd", self.initrd,
                "--cmdline", self.cmdline if cmdline is None else cmdline]

    def cleanup(self):
        self._work.cleanup()


def usermode_build_root(image):
    """The build root holding x86_64/ and usermode/: AZOTH_BUILD_ROOT when set, else the image's
    build (an image of build/x86_64), else AZOTH_BUILD or ROOT/build (an image made in a scratch
    directory)."""
    candidates = [os.environ.get("AZOTH_BUILD_ROOT"), os.path.dirname(os.path.dirname(os.path.abspath(image))),
                  os.environ.get("AZOTH_BUILD"), os.path.join(ROOT, "build")]
    for candidate in candidates:
        if candidate and os.path.isdir(os.path.join(candidate, USERMODE, "kernel")):
            return candidate
    return os.path.join(ROOT, "build")


def _same_file(a, b):
    with open(a, "rb") as first, open(b, "rb") as second:
        return first.read() == second.read()


def qemu_command(arch, image, timeout, cmdline=None, log_path=None, extra=(), firmware="uefi"):
    """`firmware` "bios" boots a BIOS image (bios*.iso: SeaBIOS, GRUB, the multiboot2 entry)."""
    command = [QEMU_RUN, "--arch", arch, "--image", image, "--headless", "--timeout", str(timeout),
               "--firmware", firmware]
    if log_path is not None:
        command += ["--serial-log", log_path]
    if cmdline is not None:
        command += ["--cmdline", cmdline]
    return command + list(extra)


class Boot:
    """One finished headless boot: status, serial log (raw and cleaned), seconds, QEMU's stderr."""

    def __init__(self, status, raw, seconds, stderr):
        self.status = status
        self.raw = raw
        self.log = clean(raw)
        self.seconds = seconds
        self.stderr = stderr


def boot(arch, image, timeout, work, label, cmdline=None, extra=(), firmware="uefi"):
    """Boots `image` headless (no input) until power-off or `timeout`; the serial log goes through a
    file in `work` named after `label`."""
    log_path = os.path.join(work, f"{label}.log")
    cmdline = with_tier(image, cmdline)
    start = time.monotonic()
    if arch == USERMODE:
        return _tier_checked(_boot_usermode(image, timeout, log_path, cmdline, start))
    done = subprocess.run(qemu_command(arch, image, timeout, cmdline, log_path, extra, firmware), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.monotonic() - start
    raw = ""
    if os.path.exists(log_path):
        with open(log_path, "rb") as file:
            raw = file.read().decode("utf-8", "replace")
    return _tier_checked(Boot(done.returncode, raw, seconds, done.stderr.decode("utf-8", "replace")))


def _tier_checked(run):
    if not tier_reported(run.raw):
        print(f"FAIL: AZOTH_BOOT_TIER={TIER}, but the kernel did not report 'athanor: tier: {TIER}' "
              f"(status {run.status} replaced by {TIER_MISSING})")
        run.status = TIER_MISSING
    return run


def _boot_usermode(image, timeout, log_path, cmdline, start):
    """boot() for the usermode kernel: stdout is the log; stdin a pipe that stays open and silent,
    as QEMU's serial port is when nobody types."""
    usermode = UsermodeImage(image)
    try:
        command = usermode.command(timeout, cmdline)
        if command is None:
            return Boot(2, "", 0.0, f"no initrd in {image}")
        with open(log_path, "wb") as log, tempfile.TemporaryFile() as errors:
            # stdin stays open until the kernel has ended (communicate() would close it: end of input).
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=errors)
            process.wait()
            process.stdin.close()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
        with open(log_path, "rb") as file:
            raw = file.read().decode("utf-8", "replace")
        return Boot(process.returncode, raw, time.monotonic() - start, stderr)
    finally:
        usermode.cleanup()


class Console:
    """QEMU with the guest's serial console on pipes: read the output as it comes (a reader thread),
    type into it, wait for lines; close() stops QEMU (its whole process group) if still running."""

    def __init__(self, arch, image, timeout, cmdline=None, firmware="uefi", extra=()):
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self._errors = tempfile.TemporaryFile()
        self._usermode = UsermodeImage(image) if arch == USERMODE else None
        cmdline = with_tier(image, cmdline)  # the driver checks its own lines; the tier is not checked here
        if self._usermode:
            command = self._usermode.command(timeout, cmdline)
        else:
            command = qemu_command(arch, image, timeout, cmdline, extra=extra, firmware=firmware)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                                        start_new_session=True)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self):
        while True:
            chunk = self.process.stdout.read1(4096)
            if not chunk:
                return
            with self._lock:
                self._output.extend(chunk)

    def text(self):
        with self._lock:
            raw = self._output.decode("utf-8", "replace")
        return clean(raw)

    def wait_for(self, pattern, deadline=None):
        """True once a line matches `pattern` (re.M), False at the deadline or when QEMU has ended without it."""
        deadline = self.deadline if deadline is None else deadline
        while time.monotonic() < deadline:
            if re.search(pattern, unprompted(self.text()), re.M):
                return True
            if self.process.poll() is not None and not self._reader.is_alive():
                return bool(re.search(pattern, unprompted(self.text()), re.M))
            time.sleep(0.1)
        return False

    def type(self, data, pause=0.0):
        """Writes `data` (str or bytes) to the serial port; with `pause`, one byte at a time."""
        data = data.encode() if isinstance(data, str) else data
        chunks = [data[i:i + 1] for i in range(len(data))] if pause else [data]
        for chunk in chunks:
            self.process.stdin.write(chunk)
            self.process.stdin.flush()
            if pause:
                time.sleep(pause)

    def wait_exit(self):
        """Waits for QEMU to power off (qemu-run stops it at its own --timeout); returns its status."""
        status = self.process.wait()
        self._reader.join(timeout=5)
        return status

    def close(self):
        """Stops whatever is left of QEMU's process group (SIGTERM, SIGKILL after 10 s)."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._reader.join(timeout=5)
        if self._usermode:
            self._usermode.cleanup()

    def stderr(self):
        self._errors.seek(0)
        return self._errors.read().decode("utf-8", "replace")


def image_present(image, arch):
    """False (with a FAIL line) when the build did not make `image`."""
    if not os.path.isfile(image):
        print(f"FAIL: {image} is missing (./azoth build --arch {arch})")
        return False
    return True


def image_test_arguments(description=None, timeout=90):
    """The options of a driver that boots one image of an arch build: --arch, --arch-build,
    --timeout (seconds)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--arch-build", required=True)
    parser.add_argument("--timeout", type=int, default=timeout)
    return parser.parse_args()


def boot_image(args, image_name, label, cmdline=None):
    """Boots ARCH_BUILD/image_name headless (image_test_arguments' options); None, with a FAIL line,
    when the build did not make the image."""
    image = os.path.join(args.arch_build, image_name)
    if not image_present(image, args.arch):
        return None
    with tempfile.TemporaryDirectory(prefix=f"azoth-{label}-") as work:
        return boot(args.arch, image, args.timeout, work, label, cmdline)


def boot_image_test(description, image_name, label, timeout=90):
    """The start of an image test: its command line (image_test_arguments) and the boot of
    image_name (boot_image). Returns (args, run); run is None when the build did not make the image."""
    args = image_test_arguments(description, timeout)
    return args, boot_image(args, image_name, label)


def panicked(log):
    """True (with a FAIL line) when the kernel panicked."""
    if "PANIC" in log:
        print("FAIL: the kernel panicked")
        return True
    return False


def print_lines(log, prefixes):
    for line in log.splitlines():
        if line.startswith(prefixes):
            print(line)


# The last checks of every image whose init supervises its modules to the end: no frame leaked, and
# init itself exits 0 (append to an image's own (what, pattern) expectations).
INIT_ENDS_CLEANLY = [
    ("free frames back to the baseline (no leaked frames)", r"^init: frame balance ok; \d+ restarts in total$"),
    ("init exits 0", r"^athanor: init exited \(code 0\)"),
]


def exits_zero(module, what=None):
    """The expectation that init saw `module` exit with code 0 and did not restart it."""
    return (what or f"{module} exits 0", rf"^init: {re.escape(module)} exited \(code 0\); not restarted$")


def check_expectations(log, expectations):
    """(what, pattern) pairs, each matched over the whole log (re.M): prints ok/FAIL per pair,
    returns True when one failed."""
    failed = False
    log = unprompted(log)
    for what, pattern in expectations:
        if re.search(pattern, log, re.M):
            print(f"ok: {what}")
        else:
            print(f"FAIL: {what} (no line matching {pattern})")
            failed = True
    return failed


def modules_with_expectations(modules):
    """The NAMEs of `modules`/NAME/ folders that hold NAME.expect, sorted."""
    return sorted(name for name in os.listdir(modules) if os.path.isfile(os.path.join(modules, name, f"{name}.expect")))


def check_modules(log, modules, names, skip=()):
    """Each module's test (modules/README.md): every regular expression of `modules`/NAME/NAME.expect
    (one per line, # starts a comment; those containing a word of `skip` left out) matches a whole
    line of the log, and the module neither printed "NAME: FAIL" nor trapped. Prints ok/FAIL lines,
    returns True when one failed."""
    failed = False
    for name in names:
        with open(os.path.join(modules, name, f"{name}.expect")) as f:
            patterns = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
        pairs = [(f"{name}: {pattern}", pattern) for pattern in patterns if not any(word in pattern for word in skip)]
        failed = check_expectations(log, pairs) or failed
        if re.search(rf"^{re.escape(name)}: FAIL", log, re.M) or f"init: {name} trapped" in log:
            print(f"FAIL: {name} failed or trapped")
            failed = True
    return failed


def console_image(args, image_name, cmdline="", extra=()):
    """A Console on ARCH_BUILD/image_name (the interactive twin of boot_image; `extra`: more
    qemu-run options); None, with a FAIL line, when the build did not make the image."""
    image = os.path.join(args.arch_build, image_name)
    if not image_present(image, args.arch):
        return None
    return Console(args.arch, image, args.timeout, cmdline=cmdline, extra=extra)


def selftest_summary(log):
    """The in-kernel self-tests' last summary line and skips: (passed, failed, [each [SKIP] line's
    reason]), or None when the kernel never printed 'N passed, M failed' (kernel/selftest)."""
    log = clean(log)
    counts = re.findall(r"^(\d+) passed, (\d+) failed(?:, \d+ skipped)?$", log, re.M)
    if not counts:
        return None
    passed, failed = (int(value) for value in counts[-1])
    return passed, failed, re.findall(r"^\[SKIP\] \S+: (.*)$", log, re.M)


def check_patterns(log, patterns):
    """Bare patterns: prints a FAIL line per missing one, returns True when one is missing."""
    failed = False
    log = unprompted(log)
    for pattern in patterns:
        if not re.search(pattern, log, re.M):
            print(f"FAIL: no line matching {pattern}")
            failed = True
    return failed


def module_failed(log, prefixes):
    """True (with a FAIL line) when a line of the modules named by `prefixes` says FAIL."""
    if "FAIL" in "\n".join(line for line in log.splitlines() if line.startswith(prefixes)):
        print("FAIL: a module reported a failure")
        return True
    return False


def status_failed(status, expected=0):
    if status != expected:
        print(f"FAIL: power-off status {status}")
        return True
    return False


def verdict(failed, log="", stderr="", log_tail=6000, stderr_tail=2000):
    """Prints the log's tail and QEMU's stderr on failure, PASS otherwise; the exit code."""
    if failed:
        print(log[-log_tail:])
        print(stderr[-stderr_tail:] if stderr_tail else stderr)
        return 1
    print("PASS")
    return 0
