#!/usr/bin/env python3
"""sdk.scaffold: ./azoth new-module in each of the five languages, built and run (label sdk).

usage: scaffold-test.py --azoth-exec EXE [--boot ARCH=BUILD_DIR]... [--timeout S] [--keep]

In a scratch folder (the repository is not touched): scaffolds an app, a service and a driver in
C, C++, Rust, Zig and AssemblyScript with tools/new-module.py, builds them with the SDK's own rules
(a CMake project of the scratch folder that adds sdk/ and calls azoth_discover_modules, as the
default image does), checks each .wasm (wasm-validate; services and drivers export azoth_handle),
then
  hosted   runs each app with azoth-exec and checks its NAME.expect lines (services and drivers
           import `azoth`, which azoth-exec does not link yet: not run hosted)
  booted   for each --boot ARCH=BUILD: an image of that build's esp.img whose initrd holds that
           build's init and uart, the 15 scaffolded modules and sdk-probe (tests/sdk/probe.c: a
           client that calls every service and driver's handler), booted headless; every module's
           NAME.expect lines must appear (sdk-probe's: each handler answered 40 + 2 = 42)
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))
import azoth_boot  # noqa: E402

LANGUAGES = ("c", "cpp", "rust", "zig", "as")
KINDS = ("app", "service", "driver")


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--azoth-exec", required=True)
    parser.add_argument("--boot", action="append", default=[], help="ARCH=BUILD_DIR")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="azoth-sdk-scaffold.")
    failed = False
    try:
        modules = os.path.join(scratch, "modules")
        os.makedirs(modules)
        names = []
        for lang in LANGUAGES:
            for kind in KINDS:
                name = f"s-{lang}-{kind}"
                made = run([sys.executable, os.path.join(ROOT, "tools", "new-module.py"), name, "--lang", lang,
                            f"--{kind}", "--root", scratch])
                if made.returncode != 0:
                    print(f"FAIL: new-module {name}: {made.stderr.strip()}")
                    return 1
                names.append(name)
        # The client that calls every service and driver (their handlers) from another module.
        servers = [name for name in names if not name.endswith("-app")]
        probe = os.path.join(modules, "sdk-probe")
        os.makedirs(probe)
        shutil.copyfile(os.path.join(ROOT, "tests", "sdk", "probe.c"), os.path.join(probe, "probe.c"))
        with open(os.path.join(probe, "sdk-probe.manifest"), "w") as f:
            f.write(f"args = sdk-probe {' '.join(servers)}\ncapabilities = console\n")
            f.writelines(f"handle = endpoint:{server}:call\n" for server in servers)
        with open(os.path.join(probe, "sdk-probe.expect"), "w") as f:
            f.writelines(f"^sdk-probe: {server}: 40 \\+ 2 = 42$\n" for server in servers)
            f.write("^sdk-probe: done, 0 failed$\n")
        with open(os.path.join(scratch, "CMakeLists.txt"), "w") as f:
            f.write(f"""cmake_minimum_required(VERSION 3.25)
project(sdk_scaffold NONE)
add_subdirectory({ROOT}/sdk sdk)
azoth_discover_modules(${{CMAKE_SOURCE_DIR}}/modules entries)
""")
        build = os.path.join(scratch, "build")
        configured = run(["cmake", "-G", "Ninja", "-S", scratch, "-B", build])
        built = configured if configured.returncode else run(["ninja", "-C", build])
        if built.returncode != 0:
            print(f"FAIL: building the scaffolded modules:\n{built.stdout[-4000:]}\n{built.stderr[-2000:]}")
            return 1
        for name in names:
            wasm = os.path.join(build, "modules", f"{name}.wasm")  # noqa: the probe is checked by booting
            valid = run(["wasm-validate", wasm])
            exports = run(["wasm-objdump", "-x", "-j", "Export", wasm]).stdout
            serves = not name.endswith("-app")
            if valid.returncode != 0:
                print(f"FAIL: {name}.wasm does not validate: {valid.stderr.strip()}")
                failed = True
            elif serves and '"azoth_handle"' not in exports:
                print(f"FAIL: {name}.wasm does not export azoth_handle")
                failed = True
            else:
                print(f"ok: {name}.wasm built ({os.path.getsize(wasm)} bytes){' and exports azoth_handle' if serves else ''}")

        # Hosted: the apps under azoth-exec (argv as the manifest's args: NAME azoth).
        for name in names:
            if not name.endswith("-app"):
                continue
            ran = run([args.azoth_exec, os.path.join(build, "modules", f"{name}.wasm"), "azoth"], timeout=60)
            output = ran.stdout.replace(os.path.join(build, "modules", f"{name}.wasm"), name)
            if ran.returncode != 0:
                print(f"FAIL: hosted {name} exited {ran.returncode}: {ran.stderr.strip()}")
                failed = True
            failed = azoth_boot.check_modules(output, modules, [name], skip=("init:",)) or failed

        # Booted: the scaffolded modules beside init and uart in each arch's default image.
        for spec in args.boot:
            arch, arch_build = spec.split("=", 1)
            base = os.path.join(arch_build, "esp.img")
            if not azoth_boot.image_present(base, arch):
                failed = True
                continue
            entries = [f"init={arch_build}/modules/init.wasm:{ROOT}/modules/init/init.manifest",
                       f"uart={arch_build}/modules/uart.wasm:{ROOT}/modules/uart/uart.manifest"]
            entries += [f"{name}={build}/modules/{name}.wasm:{modules}/{name}/{name}.manifest" for name in names + ["sdk-probe"]]
            initrd = os.path.join(scratch, f"initrd-{arch}.tar")
            packed = run([sys.executable, os.path.join(ROOT, "modules", "build", "make-initrd.py"), "--output", initrd] + entries)
            image = os.path.join(scratch, f"esp-{arch}.img")
            shutil.copyfile(base, image)
            copied = run(["mcopy", "-o", "-i", image, initrd, "::/azoth/initrd.tar"], env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
            if packed.returncode or copied.returncode:
                print(f"FAIL: {arch}: cannot make the image: {packed.stderr}{copied.stderr}")
                failed = True
                continue
            # Every scaffold and the probe have spoken once sdk-probe is done and each driver has
            # served (the services never exit): stop there instead of at the timeout.
            if arch == azoth_boot.USERMODE:
                # The usermode kernel (./azoth run --arch hosted) boots the x86_64 build's image.
                os.environ["AZOTH_BUILD_ROOT"] = os.path.dirname(os.path.abspath(arch_build))
            console = azoth_boot.Console(arch, image, args.timeout, cmdline="")
            try:
                last = [r"^sdk-probe: done, \d+ failed$"] + [f"^{name}: serving$" for name in names if not name.endswith("-app")]
                for pattern in last:
                    if not console.wait_for(pattern, console.deadline):
                        break
                console.wait_for(r"^init: s-as-app exited", console.deadline)
                log = console.text()
                print(f"--- {arch}: booted for {time.monotonic() - console.start:.0f} s")
            finally:
                console.close()
            arch_failed = azoth_boot.check_modules(log, modules, names + ["sdk-probe"])
            if azoth_boot.panicked(log):
                print(f"FAIL: {arch}: the kernel panicked")
                arch_failed = True
            if arch_failed:
                print(log[-4000:])
            failed = failed or arch_failed
    finally:
        if args.keep:
            print(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
