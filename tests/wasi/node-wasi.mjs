// Runs a WASI preview1 command module under node's WASI (the third runtime of the parity tests,
// tests/wasi/parity/README.md): node node-wasi.mjs [--env KEY=VALUE]... FILE.wasm [ARGS...]
// argv[0] is FILE.wasm as given (as ./azoth exec does); exits with the module's exit status.
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";

const argv = process.argv.slice(2);
const env = {};
while (argv.length && argv[0] === "--env") {
    const [key, ...value] = argv[1].split("=");
    env[key] = value.join("=");
    argv.splice(0, 2);
}
if (!argv.length) {
    console.error("usage: node node-wasi.mjs [--env KEY=VALUE]... FILE.wasm [ARGS...]");
    process.exit(2);
}
const wasi = new WASI({ version: "preview1", args: argv, env, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(argv[0]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
