#!/usr/bin/env python3
"""azsh's file commands, hosted: runs modules/azsh under ./azoth exec's binary with a fresh
temporary directory preopened (--dir TMP::/work), feeds a script on stdin and checks both what the
shell printed and what it left on the host: ls, cat, cp, mv, mkdir, rm (file and empty directory),
cd (relative, '..', '.', back home with no argument), pwd, errors for a missing file, a path outside
the preopen and an unknown command, and exit's status.

usage: hosted-files-test.py AZOTH_EXEC AZSH_WASM
"""
import os
import re
import subprocess
import sys
import tempfile

SCRIPT = """pwd
ls
cat a.txt
cp a.txt b.txt
mkdir newdir
mv b.txt newdir/c.txt
cd newdir
pwd
ls
cat c.txt
cd ..
pwd
mkdir gone
rm gone
cp newdir/c.txt kept.txt
rm newdir/c.txt
cd ./sub/../sub/.
pwd
cd
pwd
ls
cat missing
ls /etc
frobnicate
exit 3
"""

EXPECTED = [
    r"^(azsh\$ )+/work$",
    r"^(azsh\$ )+ *<dir>  sub/$",
    r"^ +11  a\.txt$",
    r"^(azsh\$ )+hello file$",
    r"^(azsh\$ )+/work/newdir$",
    r"^(azsh\$ )+ *11  c\.txt$",
    r"^(azsh\$ )+/work/sub$",
    r"^(azsh\$ )+cat: missing: No such file or directory$",
    r"^(azsh\$ )+ls: /etc: .*\(outside the preopened directories\)$",
    r"^(azsh\$ )+azsh: frobnicate: unknown command \(type help\)$",
]


def main():
    azoth_exec, azsh = sys.argv[1], sys.argv[2]
    failed = False
    with tempfile.TemporaryDirectory(prefix="azoth-azsh-") as work:
        with open(os.path.join(work, "a.txt"), "w") as f:
            f.write("hello file\n")
        os.mkdir(os.path.join(work, "sub"))
        run = subprocess.run([azoth_exec, "--dir", f"{work}::/work", azsh], input=SCRIPT.encode(), capture_output=True, timeout=120)
        out = run.stdout.decode("utf-8", "replace")
        print(out)
        if run.returncode != 3:
            print(f"FAIL: exit status {run.returncode}, expected 3 (exit 3)")
            failed = True
        for pattern in EXPECTED:
            if not re.search(pattern, out, re.M):
                print(f"FAIL: no line matches {pattern!r}")
                failed = True
        if out.count("/work\n") < 3:  # pwd at home, after cd .., after a bare cd
            print("FAIL: pwd did not print /work three times")
            failed = True
        tree = sorted(os.path.relpath(os.path.join(d, n), work) for d, ds, fs in os.walk(work) for n in ds + fs)
        expected_tree = ["a.txt", "kept.txt", "newdir", "sub"]
        if tree != expected_tree:
            print(f"FAIL: the directory holds {tree}, expected {expected_tree}")
            failed = True
        elif open(os.path.join(work, "kept.txt")).read() != "hello file\n":
            print("FAIL: kept.txt is not a copy of a.txt")
            failed = True
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
