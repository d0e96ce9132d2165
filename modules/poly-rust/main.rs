//! poly-rust: the Rust member of the polyglot ring (modules/README.md, "The polyglot ring"). It
//! serves the endpoint `poly-rust` (OP_ID: its language id, OP_MIX: the ring's mixing function)
//! and calls the next member, named by argv[1], checking its answers against its own mix.
use azoth::{Endpoint, Event, Words};

const LANG_ID: u64 = 3;
const OP_ID: u64 = 0;
const OP_MIX: u64 = 1;

fn mix(a: u64, b: u64, id: u64) -> u64 {
    (a ^ id).wrapping_mul(0x100000001B3).wrapping_add(b)
}

fn handle(words: Words) -> u64 {
    match words[0] {
        OP_ID => LANG_ID,
        OP_MIX => mix(words[1], words[2], LANG_ID),
        _ => u64::MAX,
    }
}
azoth::serve!(handle);

enum Failure {
    Azoth(azoth::Error),
    WrongAnswer,
}

impl From<azoth::Error> for Failure {
    fn from(error: azoth::Error) -> Failure {
        Failure::Azoth(error)
    }
}

fn ring_step(next: &str) -> Result<u64, Failure> {
    let endpoint = Endpoint::find(next)?; // closed when it goes out of scope
    let id = endpoint.call([OP_ID, 0, 0, 0])?[0];
    let (a, b) = (0x0123456789ABCDEFu64, 0xFEDCBA9876543210u64);
    let mixed = endpoint.call([OP_MIX, a, b, 0])?[0];
    if mixed != mix(a, b, id) || id == LANG_ID {
        return Err(Failure::WrongAnswer);
    }
    Ok(id)
}

fn main() {
    let next = match std::env::args().nth(1) {
        Some(next) => next,
        None => {
            println!("poly-rust: FAIL no next member in args");
            std::process::exit(1);
        }
    };
    let pause = Event::create().expect("event_create");
    let mut attempt = 0;
    loop {
        match ring_step(&next) {
            Ok(id) => {
                println!("poly-rust: {} (language {}) mixed correctly", next, id);
                break;
            }
            // Not up yet (E_NOT_FOUND) or busy calling around the ring (E_BUSY): retry, letting
            // go of this module meanwhile (event_wait, not a sleep).
            Err(Failure::Azoth(error))
                if (error.status() == azoth::sys::E_NOT_FOUND || error.status() == azoth::sys::E_BUSY) && attempt < 3000 =>
            {
                attempt += 1;
                let _ = pause.wait(1, 10_000_000);
            }
            Err(Failure::Azoth(error)) => {
                println!("poly-rust: FAIL calling {}: {}", next, error);
                std::process::exit(1);
            }
            Err(Failure::WrongAnswer) => {
                println!("poly-rust: FAIL calling {}: wrong answer", next);
                std::process::exit(1);
            }
        }
    }
    let error = azoth::serve_forever();
    println!("poly-rust: FAIL serving: {}", error);
    std::process::exit(1);
}
