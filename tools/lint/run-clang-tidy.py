#!/usr/bin/env python3
"""run-clang-tidy: clang-tidy (the checks in .clang-tidy) over every C/C++ source of kernel/, boot/
and tools/, each translation unit once, with the compile command of the build that really compiles
it (ctest lint.clang-tidy, label lint; docs/architecture.md, "Static analysis").

Kernel code is freestanding and only compiles in the arch builds, the hosted tools only in the
hosted build, and the UEFI loader and hand-off probe with their own commands (boot/uefi writes
those to <arch build>/uefi_compile_commands.json). A source is taken from the first database that
has it, in this order:

  <build>/x86_64/compile_commands.json, <build>/x86_64/uefi_compile_commands.json,
  the same two for aarch64 and riscv64 (their arch-specific files), <build>/usermode/... (the
  usermode port's files), <build>/hosted/...

Headers are checked through the sources that include them (--header-filter: the four folders
above, and the kernel headers tools/abi-gen writes into the builds' generated/abi-gen/, whose
findings are the generator's to fix); a finding in a header that many sources include is printed
once.

A finding is either fixed or suppressed where it is, with the check named and a reason:
    // NOLINT(check-name): why the code is right
(NOLINTNEXTLINE(check-name) on the line above works too.)

usage: run-clang-tidy.py [--root DIR] [--build DIR] [--hosted-build DIR] [--clang-tidy EXE] [-j N]
                         [--only PREFIX,...] [--times] [FILE...]
Exit status 1 when there is a finding, or a source of the four folders that no database compiles
(build the arch presets first: ./azoth build --arch all); else 0.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

FOLDERS = ("kernel", "boot", "storage", "tools")
SOURCE_SUFFIXES = (".c", ".cc", ".cpp")
# (build folder, database file) in order of preference.
DATABASES = [(arch, name) for arch in ("x86_64", "aarch64", "riscv64")
             for name in ("compile_commands.json", "uefi_compile_commands.json")]
DATABASES.append(("usermode", "compile_commands.json"))  # kernel/arch/usermode (the usermode port)
HOSTED = "hosted"  # replaced by --hosted-build
DATABASES.append((HOSTED, "compile_commands.json"))

DIAGNOSTIC = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>warning|error): "
                        r"(?P<text>.*?)(?: \[(?P<check>[^\]]+)\])?$")


def project_sources(root, folders):
    """The C/C++ sources git knows under the folders (untracked files too, so new work counts)."""
    out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard", "--"]
                         + list(folders), check=True, capture_output=True, text=True).stdout
    return sorted(path for path in out.splitlines()
                  if path.endswith(SOURCE_SUFFIXES) and os.path.exists(os.path.join(root, path)))


def load_databases(build, hosted_build):
    """{absolute source path: (database folder, entry)}, the first database that has it."""
    chosen = {}
    used = []
    for arch, name in DATABASES:
        path = os.path.join(hosted_build if arch == HOSTED else os.path.join(build, arch), name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            entries = json.load(f)
        used.append(path)
        for entry in entries:
            source = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
            chosen.setdefault(source, (os.path.dirname(path), entry))
    return chosen, used


def write_database(tmp, dir_entries):
    """clang-tidy reads one compile_commands.json per -p; group the chosen entries by database."""
    paths = {}
    for database_dir, entries in dir_entries.items():
        folder = os.path.join(tmp, str(len(paths)))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "compile_commands.json"), "w") as f:
            json.dump(entries, f)
        paths[database_dir] = folder
    return paths


def run_one(clang_tidy, database, source, header_filter, config_file):
    command = [clang_tidy, "--quiet", "-p", database, "--header-filter", header_filter,
               "--config-file", config_file, source]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    return source, result.returncode, result.stdout, result.stderr, time.monotonic() - started


def split_findings(output):
    """Each finding: its first line (file:line:col: kind: text [check]) and the lines after it up
    to the next finding (source excerpt, notes)."""
    findings = []
    for line in output.splitlines():
        match = DIAGNOSTIC.match(line)
        if match:
            findings.append([match, [line]])
        elif findings:
            findings[-1][1].append(line)
    return findings


def under(path, prefixes):
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root_default = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    parser.add_argument("--root", default=root_default)
    parser.add_argument("--build", help="folder holding the hosted and arch builds (default ROOT/build)")
    parser.add_argument("--hosted-build", help="the hosted build (default BUILD/hosted)")
    parser.add_argument("--clang-tidy", default=None)
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", default=None,
                        help="comma-separated path prefixes (relative to ROOT) to check instead of all")
    parser.add_argument("--config-file", default=None, help="default ROOT/.clang-tidy")
    parser.add_argument("--times", action="store_true", help="print the slowest translation units")
    parser.add_argument("files", nargs="*", help="check only these sources (relative to ROOT or absolute)")
    args = parser.parse_args()

    root = os.path.realpath(args.root)
    build = os.path.realpath(args.build or os.path.join(root, "build"))
    clang_tidy = args.clang_tidy or shutil.which("clang-tidy-19") or shutil.which("clang-tidy")
    if not clang_tidy:
        print("run-clang-tidy: no clang-tidy-19 (./azoth setup installs it)", file=sys.stderr)
        return 2

    if args.files:
        sources = [os.path.relpath(os.path.realpath(os.path.join(root, f)), root) for f in args.files]
    else:
        sources = project_sources(root, FOLDERS)
        if args.only:
            prefixes = tuple(p.strip().rstrip("/") for p in args.only.split(",") if p.strip())
            sources = [s for s in sources if under(s, prefixes)]

    hosted_build = os.path.realpath(args.hosted_build or os.path.join(build, HOSTED))
    chosen, used = load_databases(build, hosted_build)
    by_database = {}
    jobs = []
    uncovered = []
    for source in sources:
        absolute = os.path.join(root, source)
        if absolute not in chosen:
            uncovered.append(source)
            continue
        database_dir, entry = chosen[absolute]
        by_database.setdefault(database_dir, []).append(entry)
        jobs.append((database_dir, absolute))

    generated = [re.escape(hosted_build)] + [re.escape(os.path.join(build, arch)) for arch, _ in DATABASES
                                             if arch != HOSTED]
    generated_filter = "(" + "|".join(sorted(set(generated))) + ")/generated/abi-gen/"
    header_filter = "^(" + re.escape(root) + "/(" + "|".join(FOLDERS) + ")/|" + generated_filter + ")"
    config_file = args.config_file or os.path.join(root, ".clang-tidy")
    started = time.monotonic()
    seen = set()
    printed = []
    failed_units = []
    times = []
    with tempfile.TemporaryDirectory(prefix="azoth-tidy-") as tmp:
        folders = write_database(tmp, by_database)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
            futures = [pool.submit(run_one, clang_tidy, folders[d], s, header_filter, config_file)
                       for d, s in jobs]
            for future in concurrent.futures.as_completed(futures):
                source, status, stdout, stderr, seconds = future.result()
                times.append((seconds, source))
                findings = split_findings(stdout)
                for match, lines in findings:
                    relative = os.path.relpath(os.path.realpath(match["file"]), root)
                    if not under(relative, FOLDERS) and not re.match(generated_filter,
                                                                     os.path.realpath(match["file"])):
                        continue
                    key = (os.path.realpath(match["file"]), match["line"], match["col"], match["check"],
                           match["text"])
                    if key in seen:
                        continue
                    seen.add(key)
                    printed.append((key, lines))
                if status != 0 and not findings:
                    failed_units.append((source, stderr.strip() or stdout.strip()))

    for key, lines in sorted(printed):
        text = "\n".join(lines)
        print(text.replace(root + "/", ""))
    for source, message in failed_units:
        print(f"{os.path.relpath(source, root)}: clang-tidy failed:\n{message}")
    for source in uncovered:
        print(f"{source}: no compile command in any database ({', '.join(used) or 'none found'}); "
              "build the presets that compile it (./azoth build --arch all)")
    if args.times:
        for seconds, source in sorted(times, reverse=True)[:15]:
            print(f"  {seconds:6.1f} s  {os.path.relpath(source, root)}")
    counts = {}
    for key, _ in printed:
        counts[key[3] or "(no check)"] = counts.get(key[3] or "(no check)", 0) + 1
    summary = ", ".join(f"{check} {n}" for check, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    print(f"run-clang-tidy: {len(jobs)} translation units from {len(by_database)} databases, "
          f"{len(printed)} findings{' (' + summary + ')' if summary else ''}, "
          f"{len(uncovered)} uncovered, {time.monotonic() - started:.0f} s with -j {args.j}")
    return 1 if printed or failed_units or uncovered else 0


if __name__ == "__main__":
    sys.exit(main())
