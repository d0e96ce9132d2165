#!/usr/bin/env python3
"""The serial shell (modules/azsh; docs/shell.md), booted: boots the default image (esp.img: init,
the uart driver, azsh, the other default modules), waits for azsh's prompt and types commands into
the serial console one byte at a time like a person, checking each answer:

  echo, help, ps (init is pid 1 and azsh is listed), run hello (its greeting and exit status),
  kill (init refused; poly-c killed and init's report of it; ps no longer lists it), reset (poly-cpp
  runs its _start again; init refused), run poly-c in
  the foreground and Ctrl-C (the child is killed), mem, uptime, modules, devices, a file command
  (answers with an error, never a crash), an unknown command, an over-long line, binary garbage,
  line editing (cursor keys, Backspace, Ctrl-U, Ctrl-C on a typed line), history (Up), and exit
  (init restarts the shell, which prompts again).

usage: shell-boot-test.py --arch A --arch-build DIR [--timeout S]
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boot"))
import azoth_boot  # noqa: E402  (tests/boot/azoth_boot.py: QEMU launch, console, checks)

PROMPT = "azsh$ "
UP = "\x1b[A"
LEFT = "\x1b[D"


class Shell:
    def __init__(self, console, per_command):
        self.console = console
        self.per_command = per_command
        self.failed = False

    def output_since(self, mark):
        return self.console.text()[mark:]

    def wait_since(self, mark, pattern, seconds):
        """True once `pattern` matches a line of what came after `mark` (within `seconds`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if re.search(pattern, self.output_since(mark), re.M):
                return True
            time.sleep(0.1)
        return False

    def run(self, typed, patterns, what=None, absent=()):
        """Types `typed` (Enter added), then waits until every pattern matched a line of what came
        after it and the next prompt; a pattern in `absent` must not match. True when all held."""
        what = what or typed.strip()
        mark = len(self.console.text())
        self.console.type(typed + "\r", pause=0.01)
        deadline = time.monotonic() + self.per_command
        text = ""
        while time.monotonic() < deadline:
            text = self.output_since(mark)
            if all(re.search(p, text, re.M) for p in patterns) and text.rstrip(" ").endswith(PROMPT.rstrip()):
                break
            time.sleep(0.1)
        missing = [p for p in patterns if not re.search(p, text, re.M)]
        present = [p for p in absent if re.search(p, text, re.M)]
        if missing or present:
            print(f"FAIL: {what!r}: missing {missing} unexpected {present}; output was:\n{text[-2000:]}")
            self.failed = True
            return False
        print(f"ok: {what!r}")
        return True


def main():
    args = azoth_boot.image_test_arguments(__doc__, timeout=240)
    console = azoth_boot.console_image(args, "esp.img")
    if console is None:
        return 1
    port = args.arch != azoth_boot.USERMODE
    shell = Shell(console, per_command=60 if port else 15)
    try:
        if not console.wait_for(r"^azsh: ready \(type help\)$") or (port and not console.wait_for(r"^uart: driver attached")):
            print("FAIL: no azsh prompt (or no uart driver) after boot")
            print(console.text()[-3000:])
            return 1
        # Let the default modules finish their boot output (the ring's lines) before typing.
        console.wait_for(r"^poly-zig: poly-as \(language 5\) mixed correctly$", time.monotonic() + 60)
        time.sleep(1)
        shell.run("echo hello   azoth 'two  words'", [r"^hello azoth two  words$"])
        shell.run("help", [r"^azsh commands:$", r"^  ps +every process", r"^  run MODULE"])
        shell.run("ps", [r"^ +PID +PPID +STATE", r"^ +1 +0 +\w+ .* init$", r"^ +\d+ +1 +running .* azsh$"])
        shell.run("run hello", [r"^Hello, World! \(from hello", r"^hello: exited with status 0$"])
        shell.run("kill init", [r"^kill: init: not allowed"])
        shell.run("kill poly-c", [r"^kill: poly-c \(pid \d+\) killed$"])
        if not console.wait_for(r"init: poly-c killed; not restarted$", time.monotonic() + shell.per_command):
            print("FAIL: init did not report poly-c killed")
            shell.failed = True
        shell.run("ps", [r"^ +\d+ +1 +\w+ .* poly-cpp$"], what="ps after kill", absent=[r" poly-c$"])
        # reset: poly-cpp goes back to its state before _start and runs it again (it calls poly-rust anew).
        mark = len(console.text())
        shell.run("reset poly-cpp", [r"^reset: poly-cpp \(pid \d+\) goes back to its state before _start and starts again$"])
        if not shell.wait_since(mark, r"poly-cpp: poly-rust \(language 3\) mixed correctly$", shell.per_command):
            print("FAIL: poly-cpp did not run its _start again after the reset")
            shell.failed = True
        shell.run("reset init", [r"^reset: init: not allowed"])
        # poly-c's name is free again: run it in the foreground (it serves forever), then Ctrl-C.
        mark = len(console.text())
        console.type("run poly-c\r", pause=0.01)
        if shell.wait_since(mark, r"^poly-c: poly-cpp \(language 2\) mixed correctly$", shell.per_command):
            time.sleep(0.5)
            shell.run("\x03", [r"^poly-c: killed$"], what="Ctrl-C kills the foreground poly-c")
        else:
            print(f"FAIL: run poly-c did not start it; output:\n{shell.output_since(mark)[-1500:]}")
            shell.failed = True
        shell.run("mem", [r"^free +\d+ KiB$", r"^kernel heap +\d+ KiB$"])
        shell.run("uptime", [r"^up \d+:\d\d:\d\d\.\d{3}$"])
        shell.run("modules", [r"^azsh +always$", r"^hello +on-failure$"])
        devices = [r"^ADDRESS +VENDOR:ID"] + ([r"^[0-9a-f]{2}:[0-9a-f]{2}\.\d  1af4:1044 [0-9a-f]{6} virtio entropy$",
                                               r" 1b36:000c [0-9a-f]{6} PCIe root port$"] if port else [])
        shell.run("devices", devices)
        shell.run("ls /data", [r"^ls: /data: "])
        shell.run("frobnicate now", [r"^azsh: frobnicate: unknown command \(type help\)$"])
        shell.run("x" * 400, [r"^azsh: x{64}: unknown command"], what="a 400-byte line")
        shell.run("\x00\x01\x7f\xff\xfe\x80\x1b[99Z\x1b\x1bq\x15echo after garbage", [r"^after garbage$"], what="binary garbage, then Ctrl-U")
        shell.run("echo wrld" + LEFT * 3 + "o", [r"^world$"], what="cursor left + insert")
        shell.run("echo helllo" + "\x7f" * 2 + "o", [r"^hello$"], what="backspace")
        shell.run("echo nope\x03echo yes", [r"^yes$"], what="Ctrl-C drops a typed line", absent=[r"^nope$"])
        shell.run(UP + UP, [r"^hello$"], what="history: Up twice")
        shell.run("exit", [r"^init: azsh exited \(code 0\); restart 1"], what="exit")
        if not console.wait_for(r"azsh: ready \(type help\)\n(.|\n)*azsh: ready \(type help\)", time.monotonic() + shell.per_command):
            print("FAIL: the shell was not restarted after exit")
            shell.failed = True
        else:
            time.sleep(0.5)
            shell.run("echo again", [r"^again$"], what="the restarted shell answers")
    finally:
        console.close()
    log = console.text()
    if azoth_boot.panicked(log):
        print("FAIL: the kernel panicked")
        shell.failed = True
    if re.search(r"^init: azsh (trapped|failed)", log, re.M):
        print("FAIL: azsh trapped or failed")
        shell.failed = True
    return azoth_boot.verdict(shell.failed, log)


if __name__ == "__main__":
    sys.exit(main())
