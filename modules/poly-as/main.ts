// poly-as: the AssemblyScript member of the polyglot ring (modules/README.md, "The polyglot
// ring"). It serves the endpoint `poly-as` (OP_ID: its language id, OP_MIX: the ring's mixing
// function) and calls the next member, named by argv[1], checking its answers against its own mix.
import * as azoth from "./azoth";

const LANG_ID: u64 = 5;
const OP_ID: u64 = 0;
const OP_MIX: u64 = 1;

function mix(a: u64, b: u64, id: u64): u64 {
  return (a ^ id) * 0x100000001B3 + b;
}

export function azoth_handle(op: u64, a: u64, b: u64, c: u64): u64 {
  if (op == OP_ID) return LANG_ID;
  if (op == OP_MIX) return mix(a, b, LANG_ID);
  return u64.MAX_VALUE;
}

// One trip to the next member: its language id, or a failed status (negative) / -1000 for a
// wrong answer.
function ringStep(next: string): i64 {
  const found = azoth.Endpoint.find(next);
  if (!found.ok) return -found.status;
  const endpoint = found.value;
  const id = endpoint.call(OP_ID);
  const a: u64 = 0x0123456789ABCDEF;
  const b: u64 = 0xFEDCBA9876543210;
  const mixed = endpoint.call(OP_MIX, a, b);
  endpoint.close();
  if (!id.ok) return -id.status;
  if (!mixed.ok) return -mixed.status;
  if (mixed.value.w0 != mix(a, b, id.value.w0) || id.value.w0 == LANG_ID) return -1000;
  return <i64>id.value.w0;
}

const args = process.argv;
if (args.length < 2) {
  azoth.println("poly-as: FAIL no next member in args");
  process.exit(1);
}
const next = args[1];
const pause = azoth.Event.create().unwrap();
let attempt = 0;
while (true) {
  const result = ringStep(next);
  if (result > 0) {
    azoth.println("poly-as: " + next + " (language " + result.toString() + ") mixed correctly");
    break;
  }
  // Not up yet (E_NOT_FOUND) or busy calling around the ring (E_BUSY): retry, letting go of this
  // module meanwhile (event_wait, not a sleep).
  const status = <i32>-result;
  if ((status != azoth.sys.E_NOT_FOUND && status != azoth.sys.E_BUSY) || ++attempt == 3000) {
    azoth.println("poly-as: FAIL calling " + next + ": " + (result == -1000 ? "wrong answer" : azoth.statusName(status)));
    process.exit(1);
  }
  pause.wait(1, 10000000);
}
const ended = azoth.serveForever();
azoth.println("poly-as: FAIL serving: " + azoth.statusName(ended));
process.exit(1);
