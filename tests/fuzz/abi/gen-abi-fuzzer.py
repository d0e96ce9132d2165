#!/usr/bin/env python3
"""Writes abi_fuzz_table.h, the table half of the generated ABI fuzzer (tests/fuzz/abi,
docs/security.md "The generated ABI fuzzer"): every import of kernel/sys/abi/wasi_snapshot_preview1.def
and kernel/sys/abi/azoth.def with

  * its raw Wasm declaration and a thunk that calls it with arguments taken from u64 words;
  * one descriptor per typed parameter: its fuzz kind (what hostile values abi_fuzz.c draws for
    it), the size and alignment of what a pointer points at, the record it points at, `checked`;
  * the row's capability and status column (Implemented / Booted / Unsupported), and the set of
    statuses the module may answer: azoth's AZOTH_STATUS values, WASI's errno values as the kernel
    defines them (kernel/sys/Errno.h);
  * the guards: parameters whose hostile values would end or hang the fuzzer itself rather than
    test the kernel (GUARDS below), and the imports it never calls (SKIP).

The rows are read by tools/abi-gen's parser (parse, parameters_of: the one reading of the row
format, docs/abi.md), so new rows join the fuzzer by themselves; a parameter kind this script has
no hostile values for is an error, so a new kind cannot silently be fuzzed as a plain integer.

usage: gen-abi-fuzzer.py --wasi-def FILE --azoth-def FILE --errno-header kernel/sys/Errno.h --output FILE
"""
import argparse
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                                'tools', 'abi-gen'))
import abi_gen  # noqa: E402  (tools/abi-gen/abi_gen.py)

ERRNO = re.compile(r'^\s*(\w+)\s*=\s*(\d+),')

SCALARS = {'u32': 'FK_U32', 'i32': 'FK_I32', 'u64': 'FK_U64', 'i64': 'FK_I64', 'fd': 'FK_FD', 'handle': 'FK_HANDLE'}
ELEMENT_SIZES = {'u8': 1, 'u32': 4, 'u64': 8, 'handle': 4}
PAIRS = {'in_bytes': 'FK_IN_BYTES', 'out_bytes': 'FK_OUT_BYTES', 'in_chars': 'FK_IN_CHARS', 'out_chars': 'FK_OUT_BYTES'}
KINDS = ['FK_U32', 'FK_I32', 'FK_U64', 'FK_I64', 'FK_FD', 'FK_HANDLE', 'FK_OUT', 'FK_IN', 'FK_OUT_ARRAY', 'FK_IN_ARRAY',
         'FK_OUT_BYTES', 'FK_IN_BYTES', 'FK_IN_CHARS', 'FK_CALL_RESULTS',
         # refinements by parameter name (NAMED) or by guard (GUARDS)
         'FK_RIGHTS', 'FK_TIMEOUT', 'FK_SIZE', 'FK_SMALL', 'FK_MAP_OFFSET', 'FK_FD_KEEP_STDIO', 'FK_FD_NOT_STDIN']

# Refinements by parameter name, for every row of both tables: what the name says the integer is.
NAMED = [(re.compile(r'timeout'), 'FK_TIMEOUT'),   # at most a few ms: the fuzzer must keep calling
         (re.compile(r'rights'), 'FK_RIGHTS'),     # rights masks: every subset, and beyond
         (re.compile(r'(^|_)size$'), 'FK_SIZE'),   # byte sizes: page boundaries, wrapping round-ups
         # selectors with a few meaningful values: mostly those, sometimes any
         (re.compile(r'^(mode|writable|width|index|whence|id|how|advice|child|sig)$'), 'FK_SMALL')]

# Guards, by (import, parameter name): hostile values that would end or hang the fuzzer itself,
# not test the kernel. Each keeps the parameter hostile in every other way.
GUARDS = {
    # closing stdout/stderr would silence the fuzzer's own summary
    ('fd_close', 'fd'): 'FK_FD_KEEP_STDIO',
    ('fd_renumber', 'fd'): 'FK_FD_KEEP_STDIO',
    ('fd_renumber', 'to'): 'FK_FD_KEEP_STDIO',
    # a read of the console's stdin waits for a key nobody presses
    ('fd_read', 'fd'): 'FK_FD_NOT_STDIN',
    ('fd_pread', 'fd'): 'FK_FD_NOT_STDIN',
    # a mapping over the fuzzer's own data or stack would corrupt the fuzzer: offsets go to its
    # mapping windows at the top of memory, or out of range / misaligned
    ('region_map', 'offset'): 'FK_MAP_OFFSET',
    ('region_unmap', 'offset'): 'FK_MAP_OFFSET',
}
# Imports never called, with the reason printed in the summary.
SKIP = {'proc_exit': 'ends the fuzzer'}
CAPABILITIES = {'None': 'FC_NONE', 'Supervisor': 'FC_SUPERVISOR', 'SerialPort': 'FC_SERIAL_PORT', 'Console': 'FC_CONSOLE', 'Pci': 'FC_PCI',
                'EntropySource': 'FC_ENTROPY_SOURCE', 'ProcessAdmin': 'FC_PROCESS_ADMIN'}
SERVED = {'Implemented': 'FS_IMPLEMENTED', 'Booted': 'FS_BOOTED', 'Unsupported': 'FS_UNSUPPORTED'}


def fail(message):
    raise SystemExit(f'gen-abi-fuzzer: {message}')


def element_size(table, element, where):
    """(size, alignment) of what an in<T>/out<T> points at."""
    if element in ELEMENT_SIZES:
        return ELEMENT_SIZES[element], ELEMENT_SIZES[element]
    for name, size, align in table['records']:
        if name == element:
            return size, align
    for struct in table['structs']:
        if struct['name'] == element:
            sizes = [ELEMENT_SIZES[type_name] for type_name, _ in struct['fields']]
            return sum(sizes), max(sizes)
    fail(f'{where}: no size for element type {element!r}')


def descriptors(function, table, where):
    """One fuzz descriptor per typed parameter (abi_gen.parameters_of), refined by NAMED and GUARDS."""
    result = []
    for p in abi_gen.parameters_of(function, table):
        d = dict(name=p['name'], size=0, align=1, record='', checked=p['checked'], words=len(p['letters']))
        kind = p['kind']
        if kind in SCALARS:
            d['kind'] = SCALARS[kind]
            if d['kind'] in ('FK_U32', 'FK_U64'):
                d['kind'] = next((refined for pattern, refined in NAMED if pattern.search(p['name'])), d['kind'])
        elif kind in ('in', 'out'):
            d['kind'] = f"FK_{kind.upper()}{'_ARRAY' if p['array'] else ''}"
            d['size'], d['align'] = element_size(table, p['element'], where)
            d['record'] = '' if p['element'] in ('u8', 'u32', 'u64') else p['element']
        elif kind in PAIRS:
            d['kind'] = PAIRS[kind]
        elif kind == 'call_results':
            d['kind'], d['size'], d['align'] = 'FK_CALL_RESULTS', 32, 8
        else:
            fail(f'{where}: parameter kind {kind!r} has no hostile values yet (teach gen-abi-fuzzer.py and abi_fuzz.c)')
        d['kind'] = GUARDS.get((function['name'], p['name']), d['kind'])
        result.append(d)
    return result


def read_errnos(path):
    values, inside = [], False
    with open(path) as file:
        for line in file:
            if 'enum class Errno' in line:
                inside = True
            elif inside and line.strip().startswith('}'):
                break
            elif inside and (m := ERRNO.match(line)):
                values.append((m[1], int(m[2])))
    if not values:
        fail(f'no Errno values in {path}')
    return values


def mask_of(values):
    mask = [0, 0]
    for value in values:
        if value >= 128:
            fail(f'status {value} does not fit the fuzzer\'s 128-bit status sets')
        mask[value // 64] |= 1 << (value % 64)
    return mask


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--wasi-def', required=True)
    parser.add_argument('--azoth-def', required=True)
    parser.add_argument('--errno-header', required=True)
    parser.add_argument('--output', required=True)
    args = parser.parse_args()
    errnos = read_errnos(args.errno_header)
    wasi, azoth = abi_gen.parse(args.wasi_def), abi_gen.parse(args.azoth_def)
    if not azoth['statuses']:
        fail(f'no AZOTH_STATUS rows in {args.azoth_def}')
    tables = [('wasi_snapshot_preview1', 'wasi', wasi, [value for _, value in errnos]),
              ('azoth', 'azoth', azoth, [value for _, value, _ in azoth['statuses']])]

    out = ['/* Generated by tests/fuzz/abi/gen-abi-fuzzer.py from kernel/sys/abi/wasi_snapshot_preview1.def,',
           ' * kernel/sys/abi/azoth.def and kernel/sys/Errno.h: do not edit. */',
           '#pragma once', '#include <stdint.h>', '',
           'enum fuzz_kind { ' + ', '.join(KINDS) + ' };',
           'enum fuzz_capability { FC_NONE, FC_SUPERVISOR, FC_SERIAL_PORT, FC_CONSOLE, FC_PCI, FC_ENTROPY_SOURCE, FC_PROCESS_ADMIN };',
           'enum fuzz_served { FS_IMPLEMENTED, FS_BOOTED, FS_UNSUPPORTED };',
           'enum fuzz_module { FM_WASI, FM_AZOTH };', '']
    records = sorted({r[0] for _, _, t, _ in tables for r in t['records']} | {s['name'] for _, _, t, _ in tables for s in t['structs']}
                     | {'handle'})
    out.append('/* What a pointer may point at: records, structures, a handle (abi_fuzz.c prepares or reads some). */')
    out.append('#define FUZZ_RECORD_NONE 0')
    out += [f'#define FUZZ_RECORD_{name} {i + 1}' for i, name in enumerate(records)]
    out.append('')
    out += [f'#define FUZZ_AZOTH_{name} {value}' for name, value, _ in azoth['statuses']]
    out += [f'#define FUZZ_WASI_{name} {value}' for name, value in errnos]
    out += ['',
            'typedef struct {',
            '    uint8_t kind;     /* enum fuzz_kind */',
            '    uint8_t words;    /* Wasm values it takes: 2 for a (pointer, length) pair */',
            '    uint8_t checked;  /* validated before the handler runs: a bad pointer is a fault status */',
            '    uint8_t record;   /* FUZZ_RECORD_* it points at, or 0 */',
            '    uint32_t size;    /* bytes one element takes (pointers) */',
            '    uint32_t align;',
            '    const char* name;',
            '} fuzz_param_t;', '',
            'typedef struct {',
            '    uint8_t module;       /* enum fuzz_module */',
            '    uint8_t capability;   /* enum fuzz_capability */',
            '    uint8_t served;       /* enum fuzz_served */',
            '    uint8_t param_count;',
            '    uint8_t word_count;',
            '    int32_t unsupported;  /* what an Unsupported row answers */',
            '    const char* name;',
            '    const char* skip;     /* never called, and why (0: called) */',
            '    const fuzz_param_t* params;',
            '    uint64_t statuses[2]; /* the statuses this module may answer (bit per value) */',
            '    int32_t (*call)(const uint64_t* words);',
            '} fuzz_import_t;', '']
    entries = []
    for module, prefix, table, statuses in tables:
        mask = mask_of(statuses)
        for function in table['functions']:
            name, letters, results = function['name'], function['params'], function['results']
            where = f"{module}.{name} (line {function['line']})"
            symbol = f'fz_{prefix}_{name}'
            call = abi_gen.raw_import_call(module, function, symbol)
            if call is None:
                fail(f'{where}: signature {letters}:{results} is not i32/i64 with at most one result')
            params = descriptors(function, table, where)
            out += call
            if params:
                rows = ', '.join(f"{{ {p['kind']}, {p['words']}, {int(p['checked'])}, FUZZ_RECORD_{p['record'] or 'NONE'}, "
                                 f"{p['size']}, {p['align']}, \"{p['name']}\" }}" for p in params)
                out.append(f'static const fuzz_param_t params_{symbol}[] = {{ {rows} }};')
            if module == 'azoth':
                unsupported = 'FUZZ_AZOTH_E_UNSUPPORTED'
            else:  # the WASI table's rule for its Unsupported rows (wasi_snapshot_preview1.def)
                unsupported = 'FUZZ_WASI_NotCapable' if name.startswith(('path_', 'sock_')) else 'FUZZ_WASI_NoSys'
            skip_text = f'"{SKIP[name]}"' if name in SKIP else '0'
            params_name = f'params_{symbol}' if params else '0'
            module_id = 'FM_AZOTH' if module == 'azoth' else 'FM_WASI'
            entries.append(f"    {{ {module_id}, {CAPABILITIES[function['capability']]}, {SERVED[function['status']]}, "
                           f"{len(params)}, {len(letters)}, {unsupported}, \"{module}.{name}\", "
                           f"{skip_text}, {params_name}, {{ {mask[0]:#x}ull, {mask[1]:#x}ull }}, call_{symbol} }},")
    abi_gen.write_c_header(args.output, out, 'fuzz_import_t', 'fuzz_imports', 'FUZZ_IMPORT_COUNT', entries)
    return 0


if __name__ == '__main__':
    sys.exit(main())
