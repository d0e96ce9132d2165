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

New rows join the fuzzer by themselves; a parameter kind this script does not know is an error,
so a new kind cannot silently be fuzzed as a plain integer.

Row formats: ABI_FUNCTION(name, "sig", "typed parameters", capability, status) (docs/abi.md). The
older formats are read too, with less type information: AZOTH_FUNCTION(name, "sig", "C
parameters", capability, status) (kinds derived from the C types) and WASI_FUNCTION(name, "sig",
status) (no parameter types: every value is fuzzed as a raw word).

usage: gen-abi-fuzzer.py --wasi-def FILE --azoth-def FILE --errno-header kernel/sys/Errno.h --output FILE
"""
import argparse
import re
import sys

sys.dont_write_bytecode = True

TYPED = re.compile(r'^ABI_FUNCTION\((\w+),\s*"([iIfF]*):([iIfF]*)",\s*"([^"]*)",\s*(\w+),\s*(\w+)\)')
OLD_AZOTH = re.compile(r'^AZOTH_FUNCTION\((\w+),\s*"([iIfF]*):([iIfF]*)",\s*"([^"]*)",\s*(\w+),\s*(\w+)\)')
OLD_WASI = re.compile(r'^WASI_FUNCTION\((\w+),\s*"([iIfF]*):([iIfF]*)",\s*(\w+)\)')
STATUS = re.compile(r'^AZOTH_STATUS\((\w+),\s*(\d+),')
RECORD = re.compile(r'^ABI_RECORD\((\w+),\s*(\d+),\s*(\d+)\)')
STRUCT = re.compile(r'^AZOTH_STRUCT\((\w+)\)')
FIELD = re.compile(r'^AZOTH_FIELD\((\w+),\s*(\w+),\s*(\w+)\)')
ERRNO = re.compile(r'^\s*(\w+)\s*=\s*(\d+),')
PARAMETER = re.compile(r'^(checked\s+)?(\w+)(?:<(\w+)(\[\])?>)?\s+(\w+)(?::(\w+))?$')

SCALARS = {'u32': 'FK_U32', 'i32': 'FK_I32', 'u64': 'FK_U64', 'i64': 'FK_I64', 'fd': 'FK_FD', 'handle': 'FK_HANDLE'}
ELEMENT_SIZES = {'u8': 1, 'u32': 4, 'u64': 8, 'handle': 4, 'i32': 4, 'i64': 8}
PAIRS = {'in_bytes': 'FK_IN_BYTES', 'out_bytes': 'FK_OUT_BYTES', 'in_chars': 'FK_IN_BYTES', 'out_chars': 'FK_OUT_BYTES'}
KINDS = ['FK_U32', 'FK_I32', 'FK_U64', 'FK_I64', 'FK_FD', 'FK_HANDLE', 'FK_OUT', 'FK_IN', 'FK_OUT_ARRAY', 'FK_IN_ARRAY',
         'FK_OUT_BYTES', 'FK_IN_BYTES', 'FK_CALL_RESULTS', 'FK_WORD32', 'FK_WORD64',
         # refinements by parameter name (NAMED) or by guard (GUARDS)
         'FK_RIGHTS', 'FK_TIMEOUT', 'FK_SIZE', 'FK_SMALL', 'FK_MAP_OFFSET', 'FK_FD_KEEP_STDIO', 'FK_FD_NOT_STDIN']

# Refinements by parameter name, for every row of both tables: what the name says the integer is.
NAMED = [(re.compile(r'timeout'), 'FK_TIMEOUT'),   # at most a few ms: the fuzzer must keep calling
         (re.compile(r'rights'), 'FK_RIGHTS'),     # rights masks: every subset, and beyond
         (re.compile(r'(^|_)size$'), 'FK_SIZE'),   # byte sizes: page boundaries, wrapping round-ups
         # selectors with a few meaningful values: mostly those, sometimes any
         (re.compile(r'^(mode|writable|width|index|whence|id|how|advice|child|sig)$'), 'FK_SMALL')]

# Guards, by (import, parameter index): hostile values that would end or hang the fuzzer itself,
# not test the kernel. Each keeps the parameter hostile in every other way.
GUARDS = {
    # closing stdout/stderr would silence the fuzzer's own summary
    ('fd_close', 0): 'FK_FD_KEEP_STDIO',
    ('fd_renumber', 0): 'FK_FD_KEEP_STDIO',
    ('fd_renumber', 1): 'FK_FD_KEEP_STDIO',
    # a read of the console's stdin waits for a key nobody presses
    ('fd_read', 0): 'FK_FD_NOT_STDIN',
    ('fd_pread', 0): 'FK_FD_NOT_STDIN',
    # a mapping over the fuzzer's own data or stack would corrupt the fuzzer: offsets go to its
    # mapping windows at the top of memory, or out of range / misaligned
    ('region_map', 1): 'FK_MAP_OFFSET',
    ('region_unmap', 0): 'FK_MAP_OFFSET',
}
# Imports never called, with the reason printed in the summary.
SKIP = {'proc_exit': 'ends the fuzzer'}
# Imports called only when their parameters are typed (the old WASI rows have no types, and random
# words could make a subscription list that never fires).
NEEDS_TYPES = {'poll_oneoff': 'untyped table: subscriptions cannot be bounded'}
CAPABILITIES = {'None': 'FC_NONE', 'Supervisor': 'FC_SUPERVISOR', 'SerialPort': 'FC_SERIAL_PORT', 'Console': 'FC_CONSOLE'}
SERVED = {'Implemented': 'FS_IMPLEMENTED', 'Booted': 'FS_BOOTED', 'Unsupported': 'FS_UNSUPPORTED'}
C_TYPES = {'i': 'int32_t', 'I': 'int64_t'}


def fail(message):
    raise SystemExit(f'gen-abi-fuzzer: {message}')


def read_table(path):
    table = {'functions': [], 'statuses': [], 'records': {}, 'structs': {}}
    with open(path) as file:
        for number, raw in enumerate(file, 1):
            line = raw.strip()
            if m := TYPED.match(line):
                table['functions'].append(dict(name=m[1], letters=m[2], results=m[3], typed=m[4], old_c=None,
                                               capability=m[5], served=m[6], line=number))
            elif m := OLD_AZOTH.match(line):
                table['functions'].append(dict(name=m[1], letters=m[2], results=m[3], typed=None, old_c=m[4],
                                               capability=m[5], served=m[6], line=number))
            elif m := OLD_WASI.match(line):
                table['functions'].append(dict(name=m[1], letters=m[2], results=m[3], typed=None, old_c=None,
                                               capability='None', served=m[4], line=number))
            elif m := STATUS.match(line):
                table['statuses'].append((m[1], int(m[2])))
            elif m := RECORD.match(line):
                table['records'][m[1]] = (int(m[2]), int(m[3]))
            elif m := STRUCT.match(line):
                table['structs'][m[1]] = [0, 1]
            elif m := FIELD.match(line):
                size = ELEMENT_SIZES.get(m[2]) or fail(f'{path}:{number}: field type {m[2]}')
                struct = table['structs'][m[1]]
                struct[0] += size
                struct[1] = max(struct[1], size)
    if not table['functions']:
        fail(f'no functions in {path}')
    return table


def element_size(table, element, where):
    if element in ELEMENT_SIZES:
        return ELEMENT_SIZES[element], min(ELEMENT_SIZES[element], 8)
    if element in table['records']:
        return table['records'][element]
    if element in table['structs']:
        return tuple(table['structs'][element])
    fail(f'{where}: unknown element type {element!r}')


def typed_parameters(function, table, where):
    """Descriptors from the typed format: dicts kind, name, size, align, record, checked, words."""
    result = []
    pieces = [p.strip() for p in function['typed'].split(',')] if function['typed'].strip() else []
    for piece in pieces:
        m = PARAMETER.match(piece)
        if not m:
            fail(f'{where}: cannot parse parameter {piece!r}')
        checked, kind, element, array, name = bool(m[1]), m[2], m[3], bool(m[4]), m[5]
        p = dict(name=name, size=0, align=1, record='', checked=checked, words=1)
        if kind in SCALARS:
            p['kind'] = SCALARS[kind]
        elif kind in ('in', 'out'):
            p['kind'] = f"FK_{kind.upper()}{'_ARRAY' if array else ''}"
            p['size'], p['align'] = element_size(table, element, where)
            p['record'] = element if element in table['records'] or element in table['structs'] or element == 'handle' else ''
        elif kind in PAIRS:
            p['kind'], p['words'] = PAIRS[kind], 2
        elif kind == 'call_results':
            p['kind'], p['size'], p['align'] = 'FK_CALL_RESULTS', 32, 8
        else:
            fail(f'{where}: parameter kind {kind!r} is unknown to the fuzzer (teach gen-abi-fuzzer.py its hostile values)')
        result.append(p)
    return result


def old_c_parameters(function, table, where):
    """Descriptors from the older AZOTH_FUNCTION C parameter lists."""
    result = []
    pieces = [p.strip() for p in function['old_c'].split(',')] if function['old_c'].strip() else []
    index = 0
    while index < len(pieces):
        c_type, name = pieces[index].rsplit(' ', 1)
        p = dict(name=name.lstrip('*'), size=0, align=1, record='', checked=False, words=1)
        pointer = c_type.endswith('*') or name.startswith('*')
        base = c_type.replace('const', '').replace('*', '').strip()
        following = pieces[index + 1] if index + 1 < len(pieces) else ''
        if pointer and base in ('void', 'char') and following.startswith('uint32_t '):
            p['kind'], p['words'] = ('FK_IN_BYTES' if 'const' in c_type else 'FK_OUT_BYTES'), 2
            index += 1
        elif pointer and p['name'] == 'results_out':
            p['kind'], p['size'], p['align'] = 'FK_CALL_RESULTS', 32, 8
        elif pointer:
            element = {'uint32_t': 'u32', 'uint64_t': 'u64', 'azoth_handle_t': 'handle'}.get(base)
            if element is None and base.startswith('azoth_') and base.endswith('_t'):
                element = base[len('azoth_'):-2]
            p['kind'] = 'FK_IN' if 'const' in c_type else 'FK_OUT'
            p['size'], p['align'] = element_size(table, element, where)
            p['record'] = element if element in table['structs'] or element == 'handle' else ''
        else:
            p['kind'] = {'azoth_handle_t': 'FK_HANDLE', 'uint32_t': 'FK_U32', 'int32_t': 'FK_I32', 'uint64_t': 'FK_U64',
                         'int64_t': 'FK_I64'}.get(base) or fail(f'{where}: C type {c_type!r}')
        result.append(p)
        index += 1
    return result


def parameters(function, table, where):
    if function['typed'] is not None:
        result = typed_parameters(function, table, where)
    elif function['old_c'] is not None:
        result = old_c_parameters(function, table, where)
    else:
        result = [dict(name=f'p{i}', kind='FK_WORD64' if letter == 'I' else 'FK_WORD32', size=0, align=1, record='',
                       checked=False, words=1) for i, letter in enumerate(function['letters'])]
    if sum(p['words'] for p in result) != len(function['letters']):
        fail(f"{where}: parameters do not match signature {function['letters']!r}")
    for index, p in enumerate(result):
        for pattern, refined in NAMED:
            if p['kind'] in ('FK_U32', 'FK_U64') and pattern.search(p['name']):
                p['kind'] = refined
                break
        p['kind'] = GUARDS.get((function['name'], index), p['kind'])
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
    tables = [('wasi_snapshot_preview1', 'wasi', read_table(args.wasi_def), [v for _, v in errnos]),
              ('azoth', 'azoth', None, None)]
    azoth = read_table(args.azoth_def)
    if not azoth['statuses']:
        fail(f'no AZOTH_STATUS rows in {args.azoth_def}')
    tables[1] = ('azoth', 'azoth', azoth, [v for _, v in azoth['statuses']])

    out = ['/* Generated by tests/fuzz/abi/gen-abi-fuzzer.py from kernel/sys/abi/wasi_snapshot_preview1.def,',
           ' * kernel/sys/abi/azoth.def and kernel/sys/Errno.h: do not edit. */',
           '#pragma once', '#include <stdint.h>', '',
           'enum fuzz_kind { ' + ', '.join(KINDS) + ' };',
           'enum fuzz_capability { FC_NONE, FC_SUPERVISOR, FC_SERIAL_PORT, FC_CONSOLE };',
           'enum fuzz_served { FS_IMPLEMENTED, FS_BOOTED, FS_UNSUPPORTED };',
           'enum fuzz_module { FM_WASI, FM_AZOTH };', '']
    records = sorted({name for _, _, table, _ in tables for name in list(table['records']) + list(table['structs'])} | {'handle'})
    out.append('/* What a pointer may point at: records, structures, a handle (abi_fuzz.c prepares or reads some). */')
    out.append('#define FUZZ_RECORD_NONE 0')
    out += [f'#define FUZZ_RECORD_{name} {i + 1}' for i, name in enumerate(records)]
    out.append('')
    out += [f'#define FUZZ_AZOTH_{name} {value}' for name, value in azoth['statuses']]
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
            '    uint8_t typed;        /* its parameters have kinds (else raw words) */',
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
            name = function['name']
            where = f"{module}.{name} (line {function['line']})"
            if any(letter not in C_TYPES for letter in function['letters'] + function['results']) or len(function['results']) > 1:
                fail(f"{where}: signature {function['letters']}:{function['results']} is not i32/i64 with at most one result")
            params = parameters(function, table, where)
            typed = function['typed'] is not None or function['old_c'] is not None
            symbol = f'fz_{prefix}_{name}'
            c_params = ', '.join(C_TYPES[letter] for letter in function['letters']) or 'void'
            result = C_TYPES[function['results']] if function['results'] else 'void'
            out.append(f'__attribute__((import_module("{module}"), import_name("{name}"))) {result} {symbol}({c_params});')
            call_args = ', '.join(f'({C_TYPES[letter]})w[{i}]' for i, letter in enumerate(function['letters']))
            body = f'return {symbol}({call_args});' if function['results'] else f'{symbol}({call_args}); return 0;'
            out.append(f'static int32_t call_{symbol}(const uint64_t* w) {{ (void)w; {body} }}')
            if params:
                rows = ', '.join(f"{{ {p['kind']}, {p['words']}, {int(p['checked'])}, FUZZ_RECORD_{p['record'] or 'NONE'}, "
                                 f"{p['size']}, {p['align']}, \"{p['name']}\" }}" for p in params)
                out.append(f'static const fuzz_param_t params_{symbol}[] = {{ {rows} }};')
            skip = SKIP.get(name) or (NEEDS_TYPES.get(name) if not typed else None)
            if module == 'azoth':
                unsupported = 'FUZZ_AZOTH_E_UNSUPPORTED'
            else:  # the WASI table's rule for its Unsupported rows (wasi_snapshot_preview1.def)
                unsupported = 'FUZZ_WASI_NotCapable' if name.startswith(('path_', 'sock_')) else 'FUZZ_WASI_NoSys'
            skip_text = f'"{skip}"' if skip else '0'
            params_name = f'params_{symbol}' if params else '0'
            module_id = 'FM_AZOTH' if module == 'azoth' else 'FM_WASI'
            entries.append(f"    {{ {module_id}, {CAPABILITIES[function['capability']]}, {SERVED[function['served']]}, "
                           f"{len(params)}, {len(function['letters'])}, {int(typed)}, {unsupported}, \"{module}.{name}\", "
                           f"{skip_text}, {params_name}, {{ {mask[0]:#x}ull, {mask[1]:#x}ull }}, call_{symbol} }},")
    out += ['', 'static const fuzz_import_t fuzz_imports[] = {'] + entries + ['};',
            '#define FUZZ_IMPORT_COUNT (sizeof fuzz_imports / sizeof fuzz_imports[0])', '']
    with open(args.output, 'w') as file:
        file.write('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
