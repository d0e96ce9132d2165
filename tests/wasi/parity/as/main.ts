// The WASI parity program in AssemblyScript with @assemblyscript/wasi-shim
// (tests/wasi/parity/README.md). Lines are written whole (console.log writes the newline apart).
const args = process.argv;
let report = "parity: argc-1=" + (args.length - 1).toString() + "\n";
for (let i = 1; i < args.length; ++i) report += "parity: argv[" + i.toString() + "]=" + args[i] + "\n";
const greeting = process.env.has("GREETING") ? process.env.get("GREETING") : "(unset)";
report += "parity: GREETING=" + greeting + "\n";
report += "parity: realtime after 2020: " + (Date.now() > 1577836800000 ? "yes" : "no") + "\n";
const first = process.hrtime();
const second = process.hrtime();
report += "parity: monotonic: " + (second >= first ? "yes" : "no") + "\n";
const bytes = new Uint8Array(32);
crypto.getRandomValues(bytes);
let nonzero: u8 = 0;
for (let i = 0; i < bytes.length; ++i) nonzero |= bytes[i];
report += "parity: random: " + (nonzero != 0 ? "ok" : "FAIL") + "\n";
let sum: u64 = 0;
for (let i: u64 = 1; i <= 1000; ++i) sum += i;
report += "parity: sum 1..1000=" + sum.toString() + "\n";
process.stdout.write(report);
process.stderr.write("parity: to stderr\n");
process.exit(3);
