#!/usr/bin/env python3
"""Runs the official WASI preview1 test suite (WebAssembly/wasi-testsuite, a snapshot read from
../shared/wasi-testsuite next to the repository or $AZOTH_WASI_TESTSUITE_DIR, never copied into
the project) under azoth-exec, following the suite's doc/specification.md: each NAME.wasm with its
NAME.json (args, env, a preopened `root` as "/" or `dirs` under their own names, expected exit
code, stdout and stderr), its directories on a fresh writable temporary copy.

With --fat, each preopened directory is instead a FAT32 disk image (mkfs.fat, the directory's
files put on it with mcopy) mounted by azoth-exec --disk: the same programs on our FAT library.
--expected-failures FILE then names the tests FAT's semantics cannot pass, each with its reason
(one `NAME  # reason` a line): the run fails when any other test fails, and when a listed test
passes (the list must then lose it).

Prints `wasi-testsuite: P/T passed` and each failure with its reason. Exit status: 0 when at least
--expect-at-least tests pass (the recorded figure: fewer is a regression) and the failures are
exactly the expected ones, 1 otherwise, 77 (ctest's skip code) when the suite is absent."""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..', '..'))


def suite_dir():
    configured = os.environ.get('AZOTH_WASI_TESTSUITE_DIR')
    return configured or os.path.normpath(os.path.join(REPO, '..', 'shared', 'wasi-testsuite'))


def find_tests(root):
    tests = []
    for base, dirs, files in os.walk(os.path.join(root, 'tests')):
        dirs.sort()
        if os.path.basename(base) != 'wasm32-wasip1':
            continue
        for name in sorted(files):
            if name.endswith('.wasm'):
                tests.append(os.path.join(base, name))
    return sorted(tests)


def load_spec(wasm):
    spec = {'args': [], 'env': {}, 'root': None, 'dirs': [], 'exit_code': 0, 'stdout': None, 'stderr': None}
    path = wasm[:-len('.wasm')] + '.json'
    if not os.path.exists(path):
        return spec
    with open(path) as f:
        config = json.load(f)
    if 'operations' in config:
        for operation in config['operations']:
            kind = operation.get('type')
            if kind == 'run':
                spec['args'] = operation.get('args', [])
                spec['env'] = operation.get('env', {})
                spec['root'] = operation.get('root')
            elif kind == 'wait':
                spec['exit_code'] = operation.get('exit_code', 0)
            elif kind == 'read':
                spec[operation.get('id', 'stdout')] = operation.get('payload', '')
            else:
                spec['unsupported'] = kind
        return spec
    for key in ('args', 'env', 'root', 'dirs', 'exit_code', 'stdout', 'stderr'):
        if key in config:
            spec[key] = config[key]
    return spec


def writable_copy(source, destination):
    shutil.copytree(source, destination, symlinks=True)
    for base, dirs, files in os.walk(destination):
        for name in dirs + files:
            path = os.path.join(base, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if os.path.isdir(path) else 0))
    os.chmod(destination, os.stat(destination).st_mode | stat.S_IWUSR)


def fat_image(directory, scratch, name):
    """A FAT32 image holding the files of `directory` (symbolic links cannot be on FAT: skipped)."""
    image = os.path.join(scratch, name + '.img')
    subprocess.run(['mkfs.fat', '-C', '-F', '32', '-s', '1', image, '34816'], check=True, capture_output=True)
    entries = [os.path.join(directory, e) for e in sorted(os.listdir(directory)) if not os.path.islink(os.path.join(directory, e))]
    if entries:
        env = dict(os.environ, MTOOLS_SKIP_CHECK='1', LC_ALL='C.UTF-8')
        subprocess.run(['mcopy', '-s', '-i', image] + entries + ['::/'], check=True, capture_output=True, env=env)
    return image


def run_test(exec_path, exec_flags, wasm, timeout, fat=False):
    """Returns None when the test passed, else the reason it failed."""
    spec = load_spec(wasm)
    if 'unsupported' in spec:
        return f"operation {spec['unsupported']!r} (network proposals) not supported by this runner"
    test_dir = os.path.dirname(wasm)
    with tempfile.TemporaryDirectory(prefix='azoth-wasi-') as scratch:
        command = [exec_path] + exec_flags
        for key, value in spec['env'].items():
            command += ['--env', f'{key}={value}']
        if spec['root']:
            copy = os.path.join(scratch, os.path.basename(spec['root'].rstrip('/')))
            writable_copy(os.path.join(test_dir, spec['root']), copy)
            command += ['--disk', f'{fat_image(copy, scratch, "root")}::/'] if fat else ['--dir', f'{copy}::/']
        for index, directory in enumerate(spec['dirs']):
            copy = os.path.join(scratch, directory)
            writable_copy(os.path.join(test_dir, directory), copy)
            command += ['--disk', f'{fat_image(copy, scratch, f"dir{index}")}::{directory}'] if fat else ['--dir', f'{copy}::{directory}']
        command.append(wasm)
        command += spec['args']
        try:
            result = subprocess.run(command, cwd=scratch, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f'timed out after {timeout} s'
    stdout = result.stdout.decode('utf-8', 'replace')
    stderr = result.stderr.decode('utf-8', 'replace')
    if result.returncode != spec['exit_code']:
        detail = (stderr.strip() or stdout.strip()).splitlines()[-3:]
        return f"exit code {result.returncode}, expected {spec['exit_code']}" + (': ' + ' | '.join(detail) if detail else '')
    for stream, actual in (('stdout', stdout), ('stderr', stderr)):
        if spec[stream] is not None and actual != spec[stream]:
            return f'{stream} {actual!r}, expected {spec[stream]!r}'
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('azoth_exec', help='the azoth-exec binary')
    parser.add_argument('--expect-at-least', type=int, default=0, help='fail when fewer tests pass')
    parser.add_argument('--exec-flag', action='append', default=[], help='an azoth-exec option (e.g. --exec-flag=--tier --exec-flag=compiled)')
    parser.add_argument('--timeout', type=int, default=120, help='seconds per test')
    parser.add_argument('--fat', action='store_true', help='preopen FAT images (azoth-exec --disk) instead of host directories')
    parser.add_argument('--expected-failures', help='a file naming the tests expected to fail (NAME  # reason)')
    parser.add_argument('filter', nargs='*', help='run only tests whose name contains one of these')
    options = parser.parse_intermixed_args()
    options.azoth_exec = os.path.abspath(options.azoth_exec)

    root = suite_dir()
    if not os.path.isdir(os.path.join(root, 'tests')):
        print(f'wasi-testsuite: SKIPPED: no test suite at {root} (set AZOTH_WASI_TESTSUITE_DIR to its folder)')
        return SKIP
    tests = find_tests(root)
    if options.filter:
        tests = [t for t in tests if any(f in os.path.basename(t) for f in options.filter)]
    failures = []
    for wasm in tests:
        name = os.path.relpath(wasm, os.path.join(root, 'tests')).replace('/testsuite/wasm32-wasip1/', '/')
        reason = run_test(options.azoth_exec, options.exec_flag, wasm, options.timeout, options.fat)
        if reason:
            failures.append((name, reason))
    passed = len(tests) - len(failures)
    expected = {}
    if options.expected_failures:
        with open(options.expected_failures) as f:
            for line in f:
                name, _, reason = line.partition('#')
                if name.strip():
                    expected[name.strip()] = reason.strip()
    status = 0
    for name, reason in failures:
        if name in expected:
            print(f'expected FAIL {name}: {reason}\n    (FAT: {expected[name]})')
        else:
            print(f'FAIL {name}: {reason}')
            if expected or options.expected_failures:
                status = 1
    failed = {name for name, _ in failures}
    ran = {os.path.relpath(t, os.path.join(root, 'tests')).replace('/testsuite/wasm32-wasip1/', '/') for t in tests}
    for name in sorted(expected):
        if name in ran and name not in failed:
            print(f'UNEXPECTED PASS {name}: listed as failing on FAT ({expected[name]}); take it off the list')
            status = 1
    print(f'wasi-testsuite: {passed}/{len(tests)} passed' + (f' ({len([n for n in failed if n in expected])} expected failures)' if expected else ''))
    if passed < options.expect_at_least:
        print(f'wasi-testsuite: fewer than the recorded {options.expect_at_least} passed')
        return 1
    return status


if __name__ == '__main__':
    sys.exit(main())
