#!/usr/bin/env python3
"""new-module: scaffold modules/NAME/ in one of the SDK's languages (./azoth new-module).

usage: new-module.py NAME --lang c|cpp|rust|zig|as [--app|--service|--driver] [--root DIR] [--force]

Writes modules/NAME/ with:
  the source        main.c / main.cpp / main.rs / main.zig / main.ts (sdk/ has the bindings)
  NAME.manifest     the process's manifest (docs/processes.md has every key)
  NAME.expect       its test: regular expressions (one per line) that must each match a whole
                    line of the default image's serial log (boot.<arch>.uart checks every module's)

No build file is edited: sdk/modules.cmake finds every modules/NAME/ with NAME.manifest and a
source in a known language, builds it and puts it into the default image.

Kinds:
  --app      (default) prints a greeting with its arguments and exits 0
  --service  serves the endpoint NAME: OP_PING -> 0, OP_ADD -> w1 + w2; its main thread parks
             (event_wait) so the handler serves
  --driver   a service with a timer: it binds a periodic timer to an event, counts three ticks
             (the shape of a driver's interrupt loop: wait, handle, acknowledge), then serves.
             Device and IRQ handles come from manifest lines (commented in the manifest).
"""
import argparse
import os
import re
import sys

LANGUAGES = ('c', 'cpp', 'rust', 'zig', 'as')
SOURCE = {'c': 'main.c', 'cpp': 'main.cpp', 'rust': 'main.rs', 'zig': 'main.zig', 'as': 'main.ts'}
LANGUAGE_NAME = {'c': 'C', 'cpp': 'C++', 'rust': 'Rust', 'zig': 'Zig', 'as': 'AssemblyScript'}


def app(lang, name):
    if lang == 'c':
        return f'''/* {name}: an Azoth app in C (scaffolded by ./azoth new-module; docs/writing-modules.md). */
#include <stdio.h>

int main(int argc, char** argv)
{{
    printf("{name}: hello from C with %d argument(s)\\n", argc - 1);
    for (int i = 1; i < argc; ++i)
        printf("{name}: argument %d: %s\\n", i, argv[i]);
    return 0;
}}
'''
    if lang == 'cpp':
        return f'''// {name}: an Azoth app in C++ (scaffolded by ./azoth new-module; docs/writing-modules.md).
#include <cstdio>

int main(int argc, char** argv)
{{
    std::printf("{name}: hello from C++ with %d argument(s)\\n", argc - 1);
    for (int i = 1; i < argc; ++i)
        std::printf("{name}: argument %d: %s\\n", i, argv[i]);
    return 0;
}}
'''
    if lang == 'rust':
        return f'''//! {name}: an Azoth app in Rust (scaffolded by ./azoth new-module; docs/writing-modules.md).
fn main() {{
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("{name}: hello from Rust with {{}} argument(s)", args.len());
    for (i, arg) in args.iter().enumerate() {{
        println!("{name}: argument {{}}: {{}}", i + 1, arg);
    }}
}}
'''
    if lang == 'zig':
        return f'''//! {name}: an Azoth app in Zig (scaffolded by ./azoth new-module; docs/writing-modules.md).
const std = @import("std");

pub fn main() !void {{
    var buffer: [4096]u8 = undefined;
    var fixed = std.heap.FixedBufferAllocator.init(&buffer);
    const args = try std.process.argsAlloc(fixed.allocator());
    var line: [256]u8 = undefined;
    const out = std.io.getStdOut().writer();
    try out.writeAll(try std.fmt.bufPrint(&line, "{name}: hello from Zig with {{d}} argument(s)\\n", .{{args.len - 1}}));
    for (args[1..], 1..) |arg, i| {{
        try out.writeAll(try std.fmt.bufPrint(&line, "{name}: argument {{d}}: {{s}}\\n", .{{ i, arg }}));
    }}
}}
'''
    return f'''// {name}: an Azoth app in AssemblyScript (scaffolded by ./azoth new-module; docs/writing-modules.md).
const args = process.argv;
// One write per line (console.log writes the newline separately: other modules' output could land
// in between on the shared console).
process.stdout.write("{name}: hello from AssemblyScript with " + (args.length - 1).toString() + " argument(s)\\n");
for (let i = 1; i < args.length; ++i) process.stdout.write("{name}: argument " + i.toString() + ": " + args[i] + "\\n");
'''


def service(lang, name, driver):
    ticks_c = '''
    /* The driver's loop: a periodic timer stands in for the device's interrupt. */
    azoth_handle_t timer;
    if (azoth_timer_create(&timer) != AZOTH_OK || azoth_timer_bind(timer, event, 2) != AZOTH_OK
        || azoth_timer_set(timer, 10000000ull, 10000000ull) != AZOTH_OK) {
        printf("NAME: FAIL timer\\n");
        return 1;
    }
    for (int tick = 1; tick <= 3; ++tick) {
        if (azoth_event_wait(event, 2, 1000000000ull, &bits) != AZOTH_OK) {
            printf("NAME: FAIL no tick\\n");
            return 1;
        }
        printf("NAME: tick %d\\n", tick);
    }
    azoth_timer_cancel(timer);
''' if driver else ''
    if lang == 'c':
        return f'''/* {name}: an Azoth {"driver" if driver else "service"} in C (scaffolded by ./azoth new-module; docs/writing-modules.md).
 * It serves the endpoint `{name}` (its manifest's `serves`): azoth_handle runs on the caller's
 * thread for every azoth_call. */
#include <azoth.h>
#include <stdio.h>
#include <string.h>

enum {{ OP_PING = 0, OP_ADD = 1 }};

__attribute__((export_name("azoth_handle"))) int64_t azoth_handle(int64_t op, int64_t a, int64_t b, int64_t c)
{{
    (void)c;
    switch (op) {{
    case OP_PING: return 0;
    case OP_ADD: return a + b;
    default: return -1;
    }}
}}

int main(void)
{{
    azoth_handle_t event;
    uint32_t bits;
    if (azoth_event_create(&event) != AZOTH_OK)
        return 1;
{ticks_c.replace("NAME", name)}    /* Park: calls to `{name}` run azoth_handle while this thread waits (a call from this thread
     * to its own endpoint would wait for itself: the kernel refuses it with E_BUSY). */
    printf("{name}: serving\\n");
    fflush(stdout);
    for (;;)
        if (azoth_event_wait(event, 1, AZOTH_WAIT_FOREVER, &bits) != AZOTH_OK)
            return 1;
}}
'''
    if lang == 'cpp':
        ticks = '''
    // The driver's loop: a periodic timer stands in for the device's interrupt.
    auto timer = azoth::Timer::create();
    if (!timer || !timer->bind(*event, 2) || !timer->set(10000000ull, 10000000ull)) {
        std::printf("NAME: FAIL timer\\n");
        return 1;
    }
    for (int tick = 1; tick <= 3; ++tick) {
        if (!event->wait(2, 1000000000ull)) {
            std::printf("NAME: FAIL no tick\\n");
            return 1;
        }
        std::printf("NAME: tick %d\\n", tick);
    }
    (void)timer->cancel();
'''.replace("NAME", name) if driver else ''
        return f'''// {name}: an Azoth {"driver" if driver else "service"} in C++ (scaffolded by ./azoth new-module; docs/writing-modules.md).
// It serves the endpoint `{name}` (its manifest's `serves`).
#include <azoth.hpp>
#include <cstdio>

namespace {{

constexpr uint64_t OP_PING = 0;
constexpr uint64_t OP_ADD = 1;

uint64_t handle(const uint64_t (&words)[4])
{{
    switch (words[0]) {{
    case OP_PING: return 0;
    case OP_ADD: return words[1] + words[2];
    default: return ~uint64_t(0);
    }}
}}

}} // namespace

AZOTH_SERVE(handle)

int main()
{{
    auto event = azoth::Event::create();
    if (!event)
        return 1;
{ticks}    // Park: calls to `{name}` run the handler while this thread waits (a call from this thread to
    // its own endpoint would wait for itself: the kernel refuses it with E_BUSY).
    std::printf("{name}: serving\\n");
    std::fflush(stdout);
    std::printf("{name}: FAIL serving: %s\\n", azoth::status_name(azoth::serve_forever()));
    return 1;
}}
'''
    if lang == 'rust':
        ticks = '''
    // The driver's loop: a periodic timer stands in for the device's interrupt.
    let timer = azoth::Timer::create().expect("timer_create");
    timer.bind(&event, 2).expect("timer_bind");
    timer.set(10_000_000, 10_000_000).expect("timer_set");
    for tick in 1..=3 {
        if event.wait(2, 1_000_000_000).is_err() {
            println!("NAME: FAIL no tick");
            std::process::exit(1);
        }
        println!("NAME: tick {}", tick);
    }
    let _ = timer.cancel();
'''.replace("NAME", name) if driver else ''
        return f'''//! {name}: an Azoth {"driver" if driver else "service"} in Rust (scaffolded by ./azoth new-module; docs/writing-modules.md).
//! It serves the endpoint `{name}` (its manifest's `serves`).
use azoth::{{Event, Words}};

const OP_PING: u64 = 0;
const OP_ADD: u64 = 1;

fn handle(words: Words) -> u64 {{
    match words[0] {{
        OP_PING => 0,
        OP_ADD => words[1].wrapping_add(words[2]),
        _ => u64::MAX,
    }}
}}
azoth::serve!(handle);

fn main() {{
    let event = Event::create().expect("event_create");
{ticks}    // Park: calls to `{name}` run the handler while this thread waits (a call from this thread to
    // its own endpoint would wait for itself: the kernel refuses it with E_BUSY).
    println!("{name}: serving");
    drop(event);
    println!("{name}: FAIL serving: {{}}", azoth::serve_forever());
    std::process::exit(1);
}}
'''
    if lang == 'zig':
        ticks = '''
    // The driver's loop: a periodic timer stands in for the device's interrupt.
    const timer = try azoth.Timer.create();
    defer timer.close();
    try timer.bind(event, 2);
    try timer.set(10_000_000, 10_000_000);
    var tick: u32 = 1;
    while (tick <= 3) : (tick += 1) {
        _ = try event.wait(2, 1_000_000_000);
        try out.writeAll(try std.fmt.bufPrint(&line, "NAME: tick {d}\\n", .{tick}));
    }
    try timer.cancel();
'''.replace("NAME", name) if driver else ''
        return f'''//! {name}: an Azoth {"driver" if driver else "service"} in Zig (scaffolded by ./azoth new-module; docs/writing-modules.md).
//! It serves the endpoint `{name}` (its manifest's `serves`).
const std = @import("std");
const azoth = @import("azoth");

const OP_PING: u64 = 0;
const OP_ADD: u64 = 1;

fn handle(words: azoth.Words) u64 {{
    return switch (words[0]) {{
        OP_PING => 0,
        OP_ADD => words[1] +% words[2],
        else => std.math.maxInt(u64),
    }};
}}

comptime {{
    azoth.serve(handle);
}}

pub fn main() !void {{
    const out = std.io.getStdOut().writer();
    var line: [128]u8 = undefined;
    const event = try azoth.Event.create();
    defer event.close();
{ticks}    // Park: calls to `{name}` run the handler while this thread waits (a call from this thread to
    // its own endpoint would wait for itself: the kernel refuses it with E_BUSY).
    try out.writeAll("{name}: serving\\n");
    const err = azoth.serveForever();
    try out.writeAll(try std.fmt.bufPrint(&line, "{name}: FAIL serving: {{s}}\\n", .{{@errorName(err)}}));
    std.process.exit(1);
}}
'''
    ticks = '''
// The driver's loop: a periodic timer stands in for the device's interrupt.
const timer = azoth.Timer.create().unwrap();
if (timer.bind(event, 2) != azoth.OK || timer.set(10000000, 10000000) != azoth.OK) {
  azoth.println("NAME: FAIL timer");
  process.exit(1);
}
for (let tick = 1; tick <= 3; ++tick) {
  event.wait(2, 1000000000).unwrap();
  azoth.println("NAME: tick " + tick.toString());
}
timer.cancel();
timer.close();
'''.replace("NAME", name) if driver else ''
    return f'''// {name}: an Azoth {"driver" if driver else "service"} in AssemblyScript (scaffolded by ./azoth new-module; docs/writing-modules.md).
// It serves the endpoint `{name}` (its manifest's `serves`).
import * as azoth from "./azoth";

const OP_PING: u64 = 0;
const OP_ADD: u64 = 1;

export function azoth_handle(op: u64, a: u64, b: u64, c: u64): u64 {{
  if (op == OP_PING) return 0;
  if (op == OP_ADD) return a + b;
  return u64.MAX_VALUE;
}}

const event = azoth.Event.create().unwrap();
{ticks}// Park: calls to `{name}` run azoth_handle while this code waits (a call from here to its own
// endpoint would wait for itself: the kernel refuses it with E_BUSY).
azoth.println("{name}: serving");
azoth.println("{name}: FAIL serving: " + azoth.statusName(azoth.serveForever()));
process.exit(1);
'''


def manifest(name, lang, kind):
    lines = [f'# {name}: an Azoth {kind} in {LANGUAGE_NAME[lang]} (docs/processes.md has every key).',
             f'args = {name} azoth']
    if kind == 'app':
        lines.append('restart = never')
    else:
        lines += [f'# The endpoint this module serves (clients name it in a `handle = endpoint:{name}:call` line).',
                  f'serves = {name}', 'restart = on-failure', 'max-restarts = 3']
    if kind == 'driver':
        lines += ['# A real driver names its device and interrupt here, e.g.:',
                  '#   handle = device:uart:read+write', '#   handle = irq:uart-irq:write']
    lines.append('capabilities = console')
    return '\n'.join(lines) + '\n'


def expect(name, kind):
    if kind == 'app':
        return f'^{name}: hello from .* with 1 argument\\(s\\)$\n^{name}: argument 1: azoth$\n^init: {name} exited \\(code 0\\); not restarted$\n'
    lines = [f'^{name}: serving$']
    if kind == 'driver':
        lines = [f'^{name}: tick 3$'] + lines
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description='scaffold modules/NAME/ (./azoth new-module)')
    parser.add_argument('name')
    parser.add_argument('--lang', required=True, choices=LANGUAGES)
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument('--app', dest='kind', action='store_const', const='app')
    kind.add_argument('--service', dest='kind', action='store_const', const='service')
    kind.add_argument('--driver', dest='kind', action='store_const', const='driver')
    parser.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    parser.add_argument('--force', action='store_true', help='replace an existing modules/NAME/')
    args = parser.parse_args()
    kind = args.kind or 'app'
    name = args.name
    if not re.fullmatch(r'[a-z][a-z0-9-]{0,30}', name):
        sys.exit('new-module: NAME must be 1..31 of a-z, 0-9 and -, starting with a letter')
    directory = os.path.join(args.root, 'modules', name)
    if os.path.exists(directory) and not args.force:
        sys.exit(f'new-module: modules/{name} exists (--force replaces it)')
    os.makedirs(directory, exist_ok=True)
    for old in os.listdir(directory):
        if args.force:
            os.remove(os.path.join(directory, old))
    source = app(args.lang, name) if kind == 'app' else service(args.lang, name, kind == 'driver')
    files = {SOURCE[args.lang]: source, f'{name}.manifest': manifest(name, args.lang, kind), f'{name}.expect': expect(name, kind)}
    for file_name, text in files.items():
        with open(os.path.join(directory, file_name), 'w') as f:
            f.write(text)
    print(f'new-module: modules/{name}/ ({LANGUAGE_NAME[args.lang]} {kind}): {", ".join(files)}')
    print(f'  boot it:   ./azoth run            (the default image picks it up)')
    print(f"  test it:   ./azoth test boot   (boot.<arch>.uart checks {name}.expect; one arch:")
    print("             ctest --test-dir build/hosted -R 'boot\\.x86_64\\.uart')")


if __name__ == '__main__':
    main()
