#!/usr/bin/env python3
"""Generates the C SDK header for the `azoth` import module from kernel/sys/abi/azoth.def.

usage: abi_gen.py --def kernel/sys/abi/azoth.def --output azoth.h 

The .def file is the single list of the ABI; the kernel includes it as an X-macro table and this
tool turns the same lines into C declarations. It also checks every C parameter list against the
Wasm signature letters (i: 32-bit integer or pointer, I: 64-bit integer), so the two cannot drift,
and emits the table's constants (AZOTH_CONSTANT) and the structures the calls fill (AZOTH_STRUCT).
"""
import argparse
import re
import sys

STATUS = re.compile(r'^AZOTH_STATUS\((\w+),\s*(\d+),\s*(\w+)\)\s*$')
RIGHT = re.compile(r'^AZOTH_RIGHT\((\w+),\s*(\d+)\)\s*$')
FUNCTION = re.compile(r'^AZOTH_FUNCTION\((\w+),\s*"([iI]*):([iI]*)",\s*"([^"]*)",\s*(\w+),\s*(\w+)\)\s*$')
CONSTANT = re.compile(r'^AZOTH_CONSTANT\((\w+),\s*(\d+)\)\s*$')
STRUCT = re.compile(r'^AZOTH_STRUCT\((\w+)\)\s*$')
FIELD = re.compile(r'^AZOTH_FIELD\((\w+),\s*(\w+),\s*(\w+)\)\s*$')
STRUCT_END = re.compile(r'^AZOTH_STRUCT_END\((\w+)\)\s*$')

CAPABILITIES = {'None', 'Supervisor', 'SerialPort', 'Console'}
STATUSES = {'Implemented', 'Booted', 'Unsupported'}
FIELD_TYPES = {'u32': ('uint32_t', 4), 'u64': ('uint64_t', 8)}
WASM32 = {'uint32_t', 'int32_t', 'azoth_handle_t'}
WASM64 = {'uint64_t', 'int64_t'}


CAPABILITY_NAMES = {'Supervisor': 'supervisor', 'SerialPort': 'serial-port', 'Console': 'console'}


def fail(message):
    sys.exit(f'abi-gen: {message}')


def parse(path):
    statuses, rights, functions, constants, structs = [], [], [], [], []
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
                statuses.append((m[1], int(m[2])))
            elif m := RIGHT.match(line):
                rights.append((m[1], int(m[2])))
            elif m := CONSTANT.match(line):
                constants.append((m[1], int(m[2]), [c for c in comment if c]))
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
                structs.append(open_struct)
                open_struct = None
            elif m := FUNCTION.match(line):
                if m[5] not in CAPABILITIES:
                    fail(f'{path}:{number}: {m[1]}: unknown capability {m[5]!r}')
                if m[6] not in STATUSES:
                    fail(f'{path}:{number}: {m[1]}: unknown status {m[6]!r}')
                functions.append({'name': m[1], 'params': m[2], 'results': m[3], 'c': m[4], 'capability': m[5],
                                  'status': m[6], 'line': number, 'comment': [c for c in comment if c]})
            else:
                fail(f'{path}:{number}: cannot parse: {line}')
            comment = []
    if open_struct:
        fail(f'{path}: AZOTH_STRUCT({open_struct["name"]}) is not closed')
    return statuses, rights, functions, constants, structs


def check_struct(struct):
    offset = 0
    for type_name, _ in struct['fields']:
        size = FIELD_TYPES[type_name][1]
        if offset % size:
            fail(f"line {struct['line']}: {struct['name']}: field at offset {offset} is not naturally aligned (no padding in the ABI)")
        offset += size


def check_parameters(function, known_types):
    pieces = [p.strip() for p in function['c'].split(',')] if function['c'] else []
    if len(pieces) != len(function['params']):
        fail(f"line {function['line']}: {function['name']} has {len(pieces)} C parameters for signature {function['params']!r}")
    for letter, piece in zip(function['params'], pieces):
        type_text = piece.rsplit(' ', 1)[0].replace('const ', '').replace('*', '').strip()
        is_pointer = '*' in piece
        if type_text not in known_types:
            fail(f"line {function['line']}: {function['name']}: unknown C type in {piece!r}")
        if letter == 'i' and not (is_pointer or type_text in WASM32):
            fail(f"line {function['line']}: {function['name']}: {piece!r} is not a 32-bit value")
        if letter == 'I' and (is_pointer or type_text not in WASM64):
            fail(f"line {function['line']}: {function['name']}: {piece!r} is not a 64-bit integer")
    if function['results'] != 'i':
        fail(f"line {function['line']}: {function['name']} must return one i32 status")


def generate(statuses, rights, functions, constants, structs):
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
    for name, value in statuses:
        out.append(f'#define AZOTH_{name} {value}')
    out += ['', '// Handle rights']
    for name, bit in rights:
        out.append(f'#define AZOTH_RIGHT_{name} (1u << {bit})')
    out += ['', '// Constants']
    for name, value, comment in constants:
        for line in comment:
            out.append(f'// {line}')
        out.append(f'#define AZOTH_{name} {value}u')
    for struct in structs:
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
    for function in functions:
        for line in function['comment']:
            out.append(f'// {line}')
        parameters = function['c'] or 'void'
        needs = '' if function['capability'] == 'None' else f" Needs the `{CAPABILITY_NAMES[function['capability']]}` capability."
        served = {'Implemented': '', 'Booted': ' Booted kernel only.', 'Unsupported': ' Not implemented yet.'}[function['status']]
        if needs or served:
            out.append(f'//{needs}{served}')
        out.append(f'__attribute__((import_module("azoth"), import_name("{function["name"]}")))')
        out.append(f'azoth_status_t azoth_{function["name"]}({parameters});')
    out += ['', '#ifdef __cplusplus', '}', '#endif', '']
    return '\n'.join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--def', dest='definition', required=True)
    parser.add_argument('--output', required=True)
    arguments = parser.parse_args()
    statuses, rights, functions, constants, structs = parse(arguments.definition)
    if not functions:
        fail('no functions found')
    names = [f['name'] for f in functions]
    if len(set(names)) != len(names):
        fail('duplicate function names')
    values = [v for _, v in statuses]
    if len(set(values)) != len(values) or statuses[0] != ('OK', 0):
        fail('status values must be unique and start with OK = 0')
    constant_names = [name for name, _, _ in constants]
    if len(set(constant_names)) != len(constant_names):
        fail('duplicate constant names')
    struct_names = [s['name'] for s in structs]
    if len(set(struct_names)) != len(struct_names):
        fail('duplicate structure names')
    for struct in structs:
        check_struct(struct)
    known_types = WASM32 | WASM64 | {'void', 'char', 'uint8_t', 'int8_t', 'uint16_t', 'int16_t'} | {f'azoth_{n}_t' for n in struct_names}
    for function in functions:
        check_parameters(function, known_types)
    text = generate(statuses, rights, functions, constants, structs)
    with open(arguments.output, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
