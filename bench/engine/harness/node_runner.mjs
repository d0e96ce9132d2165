// Times a kernel's run() under node/V8: instantiates the module (no imports), then calls run()
// the given number of times, timing each call with performance.now(). The V8 tier is chosen by
// the flags node is started with (--liftoff --no-wasm-tier-up, or --no-liftoff for TurboFan).
// Prints one JSON object like the native harness.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [path, repetitionsText] = process.argv.slice(2);
const repetitions = Number(repetitionsText ?? 5);
if (!path || !Number.isInteger(repetitions) || repetitions < 1) {
    console.error('usage: node node_runner.mjs FILE.wasm [repetitions >= 1]');
    process.exit(2);
}

const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
const run = instance.exports.run;
const seconds = [];
const cpuSeconds = []; // user + system CPU of the process: robust on a loaded machine
let firstChecksum;
for (let i = 0; i < repetitions; ++i) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const checksum = run() >>> 0;
    seconds.push((performance.now() - start) / 1000);
    const cpu = process.cpuUsage(cpuStart);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    if (i === 0) {
        firstChecksum = checksum;
    } else if (checksum !== firstChecksum) {
        console.error(`checksum changed between calls: ${firstChecksum} then ${checksum}`);
        process.exit(1);
    }
}
console.log(JSON.stringify({ seconds, cpu_seconds: cpuSeconds, checksum: firstChecksum }));
