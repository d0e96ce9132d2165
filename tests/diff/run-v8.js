// The V8 side of the differential test: runs a binaryen -ttf module in node the way
// `wasm-run --fuzz` runs it in our engine, printing the same lines (see README.md):
//   call NAME | log <type> <bits> | result <type> <bits> | trap <message> | instantiate trap <message>
// Needs node --experimental-wasm-type-reflection (for the exports' signatures).
'use strict';
const fs = require('fs');

const lines = [];
const emit = (line) => lines.push(line);
const V128_TRAP = 'host: v128 at the JS boundary';

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new BigUint64Array(f64.buffer);

function hex(value, digits) {
    return '0x' + value.toString(16).padStart(digits, '0');
}

function valueText(type, value) {
    switch (type) {
    case 'i32': return 'i32 ' + hex(value >>> 0, 8);
    case 'i64': return 'i64 ' + hex(BigInt.asUintN(64, BigInt(value)), 16);
    case 'f32':
        if (Number.isNaN(value)) return 'f32 nan';
        f32[0] = value;
        return 'f32 ' + hex(f32Bits[0], 8);
    case 'f64':
        if (Number.isNaN(value)) return 'f64 nan';
        f64[0] = value;
        return 'f64 ' + hex(f64Bits[0], 16);
    case 'funcref':
    case 'anyfunc': return 'funcref ' + (value === null ? 'null' : 'function');
    case 'externref': return 'externref ' + (value === null ? 'null' : 'value');
    default: return type + ' ?';
    }
}

function errorText(error) {
    return (error && error.constructor ? error.constructor.name : 'Error') + ': ' + (error && error.message);
}

function zeroArgument(type) {
    if (type === 'i64') return 0n;
    if (type === 'funcref' || type === 'anyfunc' || type === 'externref') return null;
    return 0;
}

function main() {
    const bytes = fs.readFileSync(process.argv[2]);
    let module;
    try {
        module = new WebAssembly.Module(bytes);
    } catch (error) {
        emit('error: module: ' + errorText(error));
        return 1;
    }
    const logger = (type) => (value) => emit('log ' + valueText(type, value));
    const support = {
        'log-i32': logger('i32'),
        'log-i64': logger('i64'),
        'log-f32': logger('f32'),
        'log-f64': logger('f64'),
        // V8 throws a TypeError before this runs: a v128 cannot cross into JS.
        'log-v128': () => emit('log v128 ?'),
    };
    for (const entry of WebAssembly.Module.imports(module)) {
        if (entry.module !== 'fuzzing-support' || !(entry.name in support)) {
            emit('error: instantiate: unknown import ' + entry.module + '.' + entry.name);
            return 1;
        }
    }
    let instance;
    try {
        instance = new WebAssembly.Instance(module, { 'fuzzing-support': support });
    } catch (error) {
        if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
            emit('instantiate trap ' + errorText(error));
            return 0;
        }
        emit('error: instantiate: ' + errorText(error));
        return 1;
    }
    const exports = instance.exports;
    const hangLimitInitializer = typeof exports.hangLimitInitializer === 'function' ? exports.hangLimitInitializer : null;
    for (const name of Object.keys(exports)) {
        const func = exports[name];
        if (typeof func !== 'function' || func === hangLimitInitializer) continue;
        if (hangLimitInitializer) hangLimitInitializer();
        emit('call ' + name);
        const type = WebAssembly.Function.type(func);
        if (type.parameters.includes('v128') || type.results.includes('v128')) {
            emit('trap ' + V128_TRAP);
            continue;
        }
        try {
            const result = func(...type.parameters.map(zeroArgument));
            const results = type.results.length === 1 ? [result] : (type.results.length === 0 ? [] : Array.from(result));
            type.results.forEach((resultType, index) => emit('result ' + valueText(resultType, results[index])));
        } catch (error) {
            emit('trap ' + errorText(error));
        }
    }
    return 0;
}

const status = main();
process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
process.exitCode = status;
