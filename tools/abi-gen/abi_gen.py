#!/usr/bin/env python3
"""abi-gen: everything the import tables (kernel/sys/abi/*.def) say, as code. docs/abi.md.

usage: abi_gen.py --def kernel/sys/abi/azoth.def [--sdk azoth.h] [--kernel AzothImports.h]
                  [--rust azoth_sys.rs] [--zig azoth_sys.zig] [--assemblyscript azoth_sys.ts]
       abi_gen.py --def kernel/sys/abi/wasi_snapshot_preview1.def --kernel WasiImports.h

Each .def is one import module; its ABI_FUNCTION rows (format at the top of
wasi_snapshot_preview1.def) give every function's Wasm signature and typed parameters. The tool
checks the parameters against the signature letters, so the two cannot drift, and writes:

  --kernel  the kernel side, a C++ header: per function a trampoline that decodes the Wasm
            arguments into typed values and guest views (kernel/sys/abi/Abi.h), checks the
            row's capability and `checked` parameters, calls the hand-written typed handler
            (declared here) and answers through the module's one error translation; the table
            import resolution uses, and resolve() (resolve_booted() for azoth's Booted rows).
  --sdk     the C SDK header (azoth.def only): statuses, rights, constants, structures and one
            declaration per function, its C parameters derived from the kinds.
  --reference / --check-reference
            docs/azoth-abi.md, the table as a page for module authors (written, or compared)
  --rust / --zig / --assemblyscript
            the same for the other SDK languages (azoth.def only; bindings.py): the raw
            declarations the hand-written safe wrappers in sdk/ build on.
"""
import argparse
import os
import re
import sys

import bindings

STATUS = re.compile(r'^AZOTH_STATUS\((\w+),\s*(\d+),\s*(\w+)\)\s*$')
TRAP = re.compile(r'^AZOTH_TRAP\((\w+),\s*(\d+),\s*"([^"]*)"\)\s*$')
RIGHT = re.compile(r'^AZOTH_RIGHT\((\w+),\s*(\d+)\)\s*$')
FUNCTION = re.compile(r'^ABI_FUNCTION\((\w+),\s*"([iIfF]*):([iIfF]*)",\s*"([^"]*)",\s*(\w+),\s*(\w+)\)\s*$')
FAST_PATH = re.compile(r'^ABI_FAST_PATH\((\w+)\)\s*$')
RECORD = re.compile(r'^ABI_RECORD\((\w+),\s*(\d+),\s*(\d+)\)\s*$')
CONSTANT = re.compile(r'^AZOTH_CONSTANT\((\w+),\s*(\d+)\)\s*$')
STRUCT = re.compile(r'^AZOTH_STRUCT\((\w+)\)\s*$')
FIELD = re.compile(r'^AZOTH_FIELD\((\w+),\s*(\w+),\s*(\w+)\)\s*$')
STRUCT_END = re.compile(r'^AZOTH_STRUCT_END\((\w+)\)\s*$')
PARAMETER = re.compile(r'^(checked\s+)?(\w+)(?:<(\w+)(\[\])?>)?\s+(\w+)(?::(\w+))?$')

CAPABILITIES = {'None', 'Supervisor', 'SerialPort', 'Console', 'Pci', 'EntropySource', 'ProcessAdmin'}
STATUSES = {'Implemented', 'Booted', 'Unsupported'}
FIELD_TYPES = {'u32': ('uint32_t', 4), 'u64': ('uint64_t', 8)}
CAPABILITY_NAMES = {'Supervisor': 'supervisor', 'SerialPort': 'serial-port', 'Console': 'console', 'Pci': 'pci', 'EntropySource': 'entropy-source',
                    'ProcessAdmin': 'process-admin'}

# Scalar kinds: Wasm letter, kernel type, C type.
SCALARS = {'u32': ('i', 'u32', 'uint32_t'), 'i32': ('i', 'i32', 'int32_t'), 'u64': ('I', 'u64', 'uint64_t'),
           'i64': ('I', 'i64', 'int64_t'), 'handle': ('i', 'Handle', 'azoth_handle_t'), 'fd': ('i', 'u32', 'uint32_t')}
# Element types of out<T> / in<T> besides the table's structures and records.
ELEMENTS = {'u8': ('u8', 'uint8_t'), 'u32': ('u32', 'uint32_t'), 'u64': ('u64', 'uint64_t'), 'handle': ('u32', 'azoth_handle_t')}
# (pointer, length) kinds: kernel view, C pointer type.
PAIRS = {'in_bytes': ('BytesIn', 'const void*'), 'out_bytes': ('BytesOut', 'void*'),
         'in_chars': ('BytesIn', 'const char*'), 'out_chars': ('BytesOut', 'char*')}

# What differs between the import modules: the handlers' context, the status type and its one
# translation, the answer of a row nobody serves.
MODULES = {
    'wasi_snapshot_preview1': {
        'header': 'WasiImports.h', 'namespace': 'wasi', 'includes': ['kernel/sys/Wasi.h', 'kernel/sys/Errno.h'],
        'contexts': {'Implemented': 'WasiContext'}, 'status': 'Errno', 'translate': 'errno_from',
        'unsupported': lambda name: 'Errno::NotCapable' if name.startswith(('path_', 'sock_')) else 'Errno::NoSys',
    },
    'azoth': {
        'header': 'AzothImports.h', 'namespace': 'azoth', 'includes': ['kernel/sys/Azoth.h', 'kernel/sys/abi/AzothAbi.h'],
        'contexts': {'Implemented': 'AzothContext', 'Booted': 'process::Process'}, 'status': 'Status',
        'translate': 'status_for', 'unsupported': lambda name: 'E_UNSUPPORTED',
    },
}
# The name the hand-written handlers give their context parameter; the prototypes use it too, so
# each declaration names its parameters as the definition does (the rest come from the rows).
CONTEXT_PARAMETERS = {'WasiContext': 'context', 'AzothContext': 'context', 'process::Process': 'process'}


# Raw Wasm-level C signatures, for the test modules that call every import with words of their
# choosing (the ABI fuzzer, the soak): one letter per value, i = i32, I = i64.
RAW_C_TYPES = {'i': 'int32_t', 'I': 'int64_t'}


def raw_import_call(module, function, symbol):
    """C for calling the import `function` (a row of parse()) of `module` by its raw signature:
    its declaration as `symbol`, and `static int32_t call_<symbol>(const uint64_t* words)`, which
    passes words[0], words[1], ... and answers its result (0 when it has none). None when the
    signature is not i32/i64 with at most one result."""
    letters, results = function['params'], function['results']
    if any(letter not in RAW_C_TYPES for letter in letters + results) or len(results) > 1:
        return None
    c_params = ', '.join(RAW_C_TYPES[letter] for letter in letters) or 'void'
    result = RAW_C_TYPES[results] if results else 'void'
    call_args = ', '.join(f'({RAW_C_TYPES[letter]})words[{i}]' for i, letter in enumerate(letters))
    body = f'return {symbol}({call_args});' if results else f'{symbol}({call_args}); return 0;'
    return [f'__attribute__((import_module("{module}"), import_name("{function["name"]}"))) {result} {symbol}({c_params});',
            f'static int32_t call_{symbol}(const uint64_t* words) {{ (void)words; {body} }}']


def write_c_header(path, lines, c_type, array, count_macro, entries):
    """Writes `lines` to the file `path`, then the table `static const c_type array[]` of `entries`
    (one C initialiser a line) and `count_macro`, its element count."""
    lines = lines + ['', f'static const {c_type} {array}[] = {{'] + entries + [
        '};', f'#define {count_macro} (sizeof {array} / sizeof {array}[0])', '']
    with open(path, 'w') as file:
        file.write('\n'.join(lines))


def fail(message):
    sys.exit(f'abi-gen: {message}')


def parse(path):
    table = {'statuses': [], 'rights': [], 'functions': [], 'constants': [], 'structs': [], 'records': [], 'fast': [], 'traps': []}
    comment = []
    open_struct = None
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if line.startswith('//'):
                comment.append(line[2:].strip())
                continue
            if not line or line.startswith('#'):
                comment = []
                continue
            if open_struct and not (FIELD.match(line) or STRUCT_END.match(line)):
                fail(f'{path}:{number}: AZOTH_STRUCT({open_struct["name"]}) is not closed')
            if m := STATUS.match(line):
                table['statuses'].append((m[1], int(m[2]), m[3]))
            elif m := TRAP.match(line):
                table['traps'].append((m[1], int(m[2]), m[3]))
            elif m := RIGHT.match(line):
                table['rights'].append((m[1], int(m[2])))
            elif m := CONSTANT.match(line):
                table['constants'].append((m[1], int(m[2]), [c for c in comment if c]))
            elif m := RECORD.match(line):
                table['records'].append((m[1], int(m[2]), int(m[3])))
            elif m := FAST_PATH.match(line):
                table['fast'].append((m[1], number))
            elif m := STRUCT.match(line):
                open_struct = {'name': m[1], 'fields': [], 'line': number, 'comment': [c for c in comment if c]}
            elif m := FIELD.match(line):
                if not open_struct or open_struct['name'] != m[1]:
                    fail(f'{path}:{number}: AZOTH_FIELD outside AZOTH_STRUCT({m[1]})')
                if m[2] not in FIELD_TYPES:
                    fail(f'{path}:{number}: field type {m[2]!r} is not one of {sorted(FIELD_TYPES)}')
                open_struct['fields'].append((m[2], m[3]))
            elif m := STRUCT_END.match(line):
                if not open_struct or open_struct['name'] != m[1] or not open_struct['fields']:
                    fail(f'{path}:{number}: AZOTH_STRUCT_END({m[1]}) without its AZOTH_STRUCT and fields')
                table['structs'].append(open_struct)
                open_struct = None
            elif m := FUNCTION.match(line):
                if m[5] not in CAPABILITIES:
                    fail(f'{path}:{number}: {m[1]}: unknown capability {m[5]!r}')
                if m[6] not in STATUSES:
                    fail(f'{path}:{number}: {m[1]}: unknown status {m[6]!r}')
                table['functions'].append({'name': m[1], 'params': m[2], 'results': m[3], 'typed': m[4], 'capability': m[5],
                                           'status': m[6], 'line': number, 'comment': [c for c in comment if c]})
            else:
                fail(f'{path}:{number}: cannot parse: {line}')
            comment = []
    if open_struct:
        fail(f'{path}: AZOTH_STRUCT({open_struct["name"]}) is not closed')
    return table


def check_struct(struct):
    offset = 0
    for type_name, _ in struct['fields']:
        size = FIELD_TYPES[type_name][1]
        if offset % size:
            fail(f"line {struct['line']}: {struct['name']}: field at offset {offset} is not naturally aligned (no padding in the ABI)")
        offset += size


def parameters_of(function, table):
    """The typed parameters of a row: dicts with kind, element, array, name, length, checked,
    letters (Wasm values), kernel (view type) and c (C parameters)."""
    structs = {s['name'] for s in table['structs']}
    records = {r[0] for r in table['records']}
    where = f"line {function['line']}: {function['name']}"
    result = []
    for piece in [p.strip() for p in function['typed'].split(',')] if function['typed'].strip() else []:
        m = PARAMETER.match(piece)
        if not m:
            fail(f'{where}: cannot parse parameter {piece!r}')
        checked, kind, element, array, name, length = bool(m[1]), m[2], m[3], bool(m[4]), m[5], m[6]
        p = {'kind': kind, 'name': name, 'length': length, 'checked': checked, 'element': element, 'array': array}
        if kind in SCALARS:
            if element or length or checked:
                fail(f'{where}: scalar parameter {piece!r} takes no element, length or `checked`')
            letter, p['kernel'], c_type = SCALARS[kind]
            p['letters'], p['c'] = letter, [f'{c_type} {name}']
        elif kind in ('out', 'in'):
            if not element or length:
                fail(f'{where}: {piece!r}: write {kind}<T> name')
            if element in ELEMENTS:
                kernel_element, c_element = ELEMENTS[element]
            elif element in structs:
                kernel_element, c_element = f'{element}_t', f'azoth_{element}_t'
            elif element in records:
                kernel_element, c_element = f'records::{element}', f'void'
            else:
                fail(f'{where}: unknown C type in {piece!r} (no element type {element!r} in the table)')
            if array and checked:
                fail(f'{where}: {piece!r}: an array has no length of its own to check')
            view = ('Out' if kind == 'out' else 'In') + ('Array' if array else '')
            p['kernel'] = f'{view}<{kernel_element}>'
            p['letters'], p['c'] = 'i', [f"{'const ' if kind == 'in' else ''}{c_element}* {name}"]
        elif kind in PAIRS:
            if element or not length:
                fail(f'{where}: {piece!r}: write {kind} pointer:length')
            p['kernel'], c_pointer = PAIRS[kind]
            p['letters'], p['c'] = 'ii', [f'{c_pointer} {name}', f'uint32_t {length}']
        elif kind == 'call_results':
            if element or length:
                fail(f'{where}: {piece!r}: write call_results name')
            p['kernel'], p['letters'], p['c'] = 'CallResults', 'i', [f'uint64_t* {name}']
        else:
            fail(f'{where}: unknown parameter kind {kind!r}')
        result.append(p)
    letters = ''.join(p['letters'] for p in result)
    if len(letters) != len(function['params']):
        fail(f"{where} has {len(letters)} Wasm values in its parameters for signature {function['params']!r}")
    for p, offset in zip(result, offsets(result)):
        expected = function['params'][offset:offset + len(p['letters'])]
        if expected != p['letters']:
            width = '64-bit integer' if expected == 'I' else '32-bit value'
            fail(f"{where}: {p['kind']} {p['name']} is not a {width} (signature has {expected!r})")
    return result


def offsets(parameters):
    at = 0
    for p in parameters:
        yield at
        at += len(p['letters'])


def check_table(table, module):
    names = [f['name'] for f in table['functions']]
    if not names:
        fail('no functions found')
    if len(set(names)) != len(names):
        fail('duplicate function names')
    if table['statuses']:
        values = [v for _, v, _ in table['statuses']]
        if len(set(values)) != len(values) or table['statuses'][0][:2] != ('OK', 0):
            fail('status values must be unique and start with OK = 0')
    for kind, items in (('constant', [c[0] for c in table['constants']]), ('structure', [s['name'] for s in table['structs']]),
                        ('record', [r[0] for r in table['records']])):
        if len(set(items)) != len(items):
            fail(f'duplicate {kind} names')
    for struct in table['structs']:
        check_struct(struct)
    for name, size, align in table['records']:
        if align not in (1, 2, 4, 8) or size % align:
            fail(f'record {name}: size {size} is not a multiple of its alignment {align}')
    for name, number in table['fast']:
        function = next((f for f in table['functions'] if f['name'] == name), None)
        if not function or function['status'] != 'Implemented' or function['results'] != 'i' or 'f' in function['params'].lower():
            fail(f'line {number}: ABI_FAST_PATH({name}) names no Implemented integer function')
    for function in table['functions']:
        function['parameters'] = parameters_of(function, table)
        if module == 'azoth' and function['results'] != 'i':
            fail(f"line {function['line']}: {function['name']} must return one i32 status")
        if function['results'] not in ('i', ''):
            fail(f"line {function['line']}: {function['name']}: an import answers one i32 status or nothing")
        if function['status'] in MODULES[module]['contexts'] and function['status'] != 'Booted' and function['capability'] != 'None':
            fail(f"line {function['line']}: {function['name']}: only Booted rows can need a capability")


# ---- The C SDK header ----

def generate_sdk(table):
    out = ['// Generated by tools/abi-gen from kernel/sys/abi/azoth.def. Do not edit.',
           '// The `azoth` import module for wasm32 modules written in C or C++.',
           '#pragma once', '', '#include <stdint.h>', '',
           '#ifdef __cplusplus', 'extern "C" {', '#endif', '',
           'typedef uint32_t azoth_handle_t;', 'typedef int32_t azoth_status_t;', '',
           '#define AZOTH_NO_RESULTS ((uint64_t*)0xFFFFFFFFu)',
           '#define AZOTH_WAIT_FOREVER UINT64_MAX',
           '#define AZOTH_TRANSFER_MOVE 0u', '#define AZOTH_TRANSFER_COPY 1u',
           '#ifdef __cplusplus', '#define AZOTH_STATIC_ASSERT static_assert', '#else',
           '#define AZOTH_STATIC_ASSERT _Static_assert', '#endif', '',
           '// Status codes']
    for name, value, _ in table['statuses']:
        out.append(f'#define AZOTH_{name} {value}')
    out += ['', '// The name of a status ("E_NOT_FOUND"), for messages; "?" for a value not in the table.',
            'static inline const char* azoth_status_name(azoth_status_t status)', '{', '    switch (status) {']
    for name, value, _ in table['statuses']:
        out.append(f'    case {value}: return "{name}";')
    out += ['    default: return "?";', '    }', '}']
    if table['traps']:
        out += ['', '// Why a child trapped (azoth_child_exit_t.exit_code when kind is AZOTH_EXIT_TRAPPED)']
        for name, value, _ in table['traps']:
            out.append(f'#define AZOTH_TRAP_{name} {value}u')
        out += ['static inline const char* azoth_trap_name(uint32_t kind)', '{', '    switch (kind) {']
        for name, value, text in table['traps']:
            out.append(f'    case {value}: return "{text}";')
        out += ['    default: return "?";', '    }', '}']
    out += ['', '// Handle rights']
    for name, bit in table['rights']:
        out.append(f'#define AZOTH_RIGHT_{name} (1u << {bit})')
    out += ['', '// Constants']
    for name, value, comment in table['constants']:
        for line in comment:
            out.append(f'// {line}')
        out.append(f'#define AZOTH_{name} {value}u')
    for struct in table['structs']:
        out.append('')
        for line in struct['comment']:
            out.append(f'// {line}')
        out.append('typedef struct {')
        for type_name, field in struct['fields']:
            out.append(f'    {FIELD_TYPES[type_name][0]} {field};')
        out.append(f"}} azoth_{struct['name']}_t;")
        size = sum(FIELD_TYPES[t][1] for t, _ in struct['fields'])
        out.append(f"AZOTH_STATIC_ASSERT(sizeof(azoth_{struct['name']}_t) == {size}, \"azoth_{struct['name']}_t layout\");")
    out += ['', '// Imports (module "azoth")']
    for function in table['functions']:
        for line in function['comment']:
            out.append(f'// {line}')
        parameters = ', '.join(c for p in function['parameters'] for c in p['c']) or 'void'
        needs = '' if function['capability'] == 'None' else f" Needs the `{CAPABILITY_NAMES[function['capability']]}` capability."
        served = {'Implemented': '', 'Booted': ' Booted kernel only.', 'Unsupported': ' Not implemented yet.'}[function['status']]
        if needs or served:
            out.append(f'//{needs}{served}')
        out.append(f'__attribute__((import_module("azoth"), import_name("{function["name"]}")))')
        out.append(f'azoth_status_t azoth_{function["name"]}({parameters});')
    out += ['', '#ifdef __cplusplus', '}', '#endif', '']
    return '\n'.join(out)


# ---- The kernel header ----

def decode(p, at, slots):
    """The C++ expression of parameter p from the arguments starting at Wasm value `at`."""
    def word(index, wide):
        if slots:
            return f'arguments[{index}]' if wide else f'static_cast<u32>(arguments[{index}])'
        return f'arguments[{index}].as_i64()' if wide else f'arguments[{index}].as_i32()'
    kind = p['kind']
    if kind in SCALARS:
        value = word(at, p['letters'] == 'I')
        return value if kind in ('u32', 'u64', 'handle', 'fd') else f'static_cast<{p["kernel"]}>({value})'
    if kind in PAIRS:
        return f'{p["kernel"]}(memory, {word(at, False)}, {word(at + 1, False)})'
    return f'{p["kernel"]}(memory, {word(at, False)})'


def trampoline(function, module, config, slots):
    name = function['name']
    context = config['contexts'].get(function['status']) if function['status'] != 'Unsupported' else None
    status_type, translate = config['status'], config['translate']
    has_result = function['results'] == 'i'
    suffix = 'slots' if slots else 'import'
    if slots:
        head = f'inline ErrorOr {name}_{suffix}(wasm::HostCall& host, const u64* arguments, u64* results)'
        store = lambda value: f'results[0] = {value};'
    else:
        head = f'inline ErrorOr {name}_{suffix}(wasm::HostCall& host, Span<const wasm::Value> arguments, Span<wasm::Value> results)'
        store = lambda value: f'results[0] = wasm::Value::from_i32({value});'
    out = [head, '{']
    if context is None:
        out += ['    (void)host;', '    (void)arguments;']
        answer = config['unsupported'](name)
        out.append('    ' + store(f'static_cast<u32>(static_cast<i32>({answer}))'))
        out += ['    return {};', '}']
        return out
    out.append(f'    auto& context = *static_cast<{context}*>(host.user_data);')
    parameters = function['parameters']
    if any(p['kind'] not in SCALARS for p in parameters):
        out.append('    GuestMemory memory(host.caller_memory);')
    else:
        out.append('    (void)arguments;' if not parameters else '')
    if function['capability'] != 'None':
        out.append(f"    if (!holds(context, Capability::{function['capability']})) {{")
        out.append('        ' + store('static_cast<u32>(static_cast<i32>(E_PERMISSION_DENIED))'))
        out.append('        return {};')
        out.append('    }')
    names = []
    for p, at in zip(parameters, offsets(parameters)):
        out.append(f"    {'auto' if p['kind'] not in SCALARS else p['kernel']} {p['name']}_ = {decode(p, at, slots)};")
        names.append(f"{p['name']}_")
    for p in parameters:
        if p['checked']:
            out.append(f"    if (auto checked = {p['name']}_.check(); checked.is_error()) {{")
            out.append('        ' + store(f'static_cast<u32>(static_cast<i32>({translate}(checked.error())))'))
            out.append('        return {};')
            out.append('    }')
    call = f"{name}(context{''.join(', ' + n for n in names)})"
    if has_result:
        out.append('    ' + store(f'status_word<{status_type}, &{translate}>({call})'))
        out.append('    return {};')
    else:
        out.append('    (void)results;')
        out.append(f'    return {call};')
    out.append('}')
    return [line for line in out if line != '']


def prototype(function, config, fast):
    context = config['contexts'][function['status']]
    parameters = ''.join(f", {p['kernel']} {p['name']}" for p in function['parameters'])
    result = f"Result<{config['status']}>" if function['results'] == 'i' else 'ErrorOr'
    # A fast-path handler is inlined into its slot trampoline (same translation unit).
    attribute = '[[gnu::always_inline]] ' if function['name'] in fast else ''
    return f"{attribute}{result} {function['name']}({context}& {CONTEXT_PARAMETERS[context]}{parameters});"


def generate_kernel(table, module, definition):
    config = MODULES[module]
    functions = table['functions']
    fast = {name for name, _ in table['fast']}
    contexts = sorted({config['contexts'][f['status']] for f in functions if f['status'] in config['contexts']})
    out = [f'// Generated by tools/abi-gen from kernel/sys/abi/{os.path.basename(definition)}. Do not edit.',
           f'// The kernel side of import module "{module}": decoding, dispatch and error translation (docs/abi.md).',
           '#pragma once', '', '#include <kernel/sys/abi/Abi.h>']
    out += [f'#include <{include}>' for include in config['includes']]
    if 'process::Process' in contexts:
        out += ['', 'namespace ath::process {', 'class Process;', '}']
    out += ['', f"namespace ath::sys::abi::{config['namespace']} {{", '',
            f'inline constexpr StringView module_name = "{module}";',
            f'inline constexpr usize function_count = {len(functions)};']
    if module == 'azoth':
        out += ['', '// The one translation of a kernel error into an azoth status (AZOTH_STATUS rows).',
                'inline Status status_for(const Error& error)', '{', '    switch (error.code) {']
        for name, _, code in table['statuses']:
            if code != 'None':
                out.append(f'    case ErrorCode::{code}: return {name};')
        out += ['    default: break; // Unlinkable: cannot come out of a call', '    }', '    return E_INVALID_STATE;', '}']
    if table['records']:
        out += ['', '// The preview1 structures the kernel reads or writes as bytes (ABI_RECORD).', 'namespace records {']
        for name, size, align in table['records']:
            out.append(f'struct alignas({align}) {name} {{')
            out.append(f'    u8 bytes[{size}];')
            out.append('};')
            out.append(f'static_assert(sizeof({name}) == {size});')
        out.append('} // namespace records')
    if any(f['capability'] != 'None' for f in functions):
        for context in contexts:
            if any(f['capability'] != 'None' and config['contexts'].get(f['status']) == context for f in functions):
                out += ['', f'// Whether the caller holds a manifest capability (written with the handlers).',
                        f'bool holds(const {context}& {CONTEXT_PARAMETERS[context]}, Capability capability);']
    out += ['', '// The handlers, written by hand (same names as the rows): typed arguments, no decoding.']
    for function in functions:
        if function['status'] in config['contexts']:
            out.append(prototype(function, config, fast))
    out += ['', '// The trampolines: decode, check, call, answer.']
    for function in functions:
        out += trampoline(function, module, config, False)
        if function['name'] in fast:
            out += trampoline(function, module, config, True)
    # The tables: the Implemented context links every row (a Booted row answers E_UNSUPPORTED
    # there); a booted process links its Booted rows through booted_imports.
    by_context = {'Implemented': functions}
    booted_rows = [f for f in functions if f['status'] == 'Booted']
    if booted_rows:
        by_context['Booted'] = booted_rows
    for key, rows in by_context.items():
        table_name = 'imports' if key == 'Implemented' else 'booted_imports'
        out += ['', f'inline constexpr Import {table_name}[] = {{']
        for function in rows:
            callback = f"&{function['name']}_import"
            if key == 'Implemented' and function['status'] == 'Booted':
                callback = f"&{function['name']}_unsupported"
            slot = f"&{function['name']}_slots" if function['name'] in fast else 'nullptr'
            out.append(f"    {{ \"{function['name']}\", \"{function['params']}:{function['results']}\", {callback}, {slot} }},")
        out.append('};')
    if booted_rows:
        # A hosted AzothContext links the Booted rows and answers E_UNSUPPORTED for them.
        unsupported = []
        for function in booted_rows:
            answer = config['unsupported'](function['name'])
            unsupported += [f"inline ErrorOr {function['name']}_unsupported(wasm::HostCall&, Span<const wasm::Value>, Span<wasm::Value> results)",
                            '{', f'    results[0] = wasm::Value::from_i32(static_cast<u32>(static_cast<i32>({answer})));', '    return {};', '}']
        marker = out.index('inline constexpr Import imports[] = {')
        out[marker - 1:marker - 1] = [''] + unsupported
    implemented = config['contexts']['Implemented']
    out += ['', f'// The host function for {module}.`field` bound to `context` (cached in `cache`, one slot per row).',
            f'inline Result<wasm::Function*> resolve(wasm::Store& store, StringView field, const wasm::FunctionType& expected, {implemented}& context, Span<wasm::Function*> cache)',
            '{', '    return resolve_import(Span<const Import>(imports), store, field, expected, &context, cache);', '}']
    if 'Booted' in by_context:
        out += ['', '// The host function for a Booted row bound to a booted process (Unlinkable for other rows).',
                'inline Result<wasm::Function*> resolve_booted(wasm::Store& store, StringView field, const wasm::FunctionType& expected, process::Process& context)',
                '{', '    return resolve_import(Span<const Import>(booted_imports), store, field, expected, &context, {});', '}']
    out += ['', f"}} // namespace ath::sys::abi::{config['namespace']}", '']
    return '\n'.join(out)


def write(path, text):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, 'w') as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--def', dest='definition', required=True)
    parser.add_argument('--sdk', help='the C SDK header to write (azoth.def only)')
    parser.add_argument('--output', help='the same as --sdk (older spelling)')
    parser.add_argument('--kernel', help='the kernel C++ header to write')
    parser.add_argument('--rust', help='the raw Rust bindings to write (azoth.def only)')
    parser.add_argument('--zig', help='the raw Zig bindings to write (azoth.def only)')
    parser.add_argument('--assemblyscript', help='the raw AssemblyScript bindings to write (azoth.def only)')
    parser.add_argument('--reference', help='the reference page to write (azoth.def only: docs/azoth-abi.md)')
    parser.add_argument('--check-reference', help='exit 1 when this reference page differs from the table')
    arguments = parser.parse_args()
    module = os.path.basename(arguments.definition).removesuffix('.def')
    if module not in MODULES:
        # Tests check a table under another name (tools/abi-gen drift test): the module is the one
        # whose statuses or records it has.
        with open(arguments.definition) as f:
            module = 'azoth' if 'AZOTH_STATUS(' in f.read() else 'wasi_snapshot_preview1'
    table = parse(arguments.definition)
    check_table(table, module)
    sdk = arguments.sdk or arguments.output
    if sdk:
        if module != 'azoth':
            fail('only azoth.def has an SDK header (WASI modules use wasi-libc)')
        write(sdk, generate_sdk(table))
    if arguments.kernel:
        write(arguments.kernel, generate_kernel(table, module, arguments.definition))
    if arguments.reference or arguments.check_reference:
        if module != 'azoth':
            fail('only azoth.def has a reference page')
        page = bindings.reference(table, CAPABILITY_NAMES)
        if arguments.reference:
            write(arguments.reference, page)
        if arguments.check_reference:
            with open(arguments.check_reference) as f:
                if f.read() != page:
                    fail(f'{arguments.check_reference} differs from the table: regenerate it with '
                         f'tools/abi-gen/abi_gen.py --def {arguments.definition} --reference {arguments.check_reference}')
    for language in ('rust', 'zig', 'assemblyscript'):
        path = getattr(arguments, language)
        if path:
            if module != 'azoth':
                fail(f'only azoth.def has {language} bindings (WASI modules use their language\'s own WASI support)')
            write(path, bindings.generate(bindings.LANGUAGES[language], table, CAPABILITY_NAMES))


if __name__ == '__main__':
    main()
