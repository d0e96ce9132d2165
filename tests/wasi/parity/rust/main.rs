//! The WASI parity program in Rust (tests/wasi/parity/README.md): std only, plus WASI's
//! random_get (std has no public random source).
use std::io::Write;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn random_get(buffer: *mut u8, length: usize) -> u16;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "parity: argc-1={}", args.len() - 1).unwrap();
    for (i, arg) in args.iter().enumerate().skip(1) {
        writeln!(out, "parity: argv[{}]={}", i, arg).unwrap();
    }
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "(unset)".to_string());
    writeln!(out, "parity: GREETING={}", greeting).unwrap();
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    writeln!(out, "parity: realtime after 2020: {}", if seconds > 1577836800 { "yes" } else { "no" }).unwrap();
    let first = Instant::now();
    let second = Instant::now();
    writeln!(out, "parity: monotonic: {}", if second >= first { "yes" } else { "no" }).unwrap();
    let mut bytes = [0u8; 32];
    let status = unsafe { random_get(bytes.as_mut_ptr(), bytes.len()) };
    let ok = status == 0 && bytes.iter().any(|&b| b != 0);
    writeln!(out, "parity: random: {}", if ok { "ok" } else { "FAIL" }).unwrap();
    writeln!(out, "parity: sum 1..1000={}", (1..=1000u64).sum::<u64>()).unwrap();
    out.flush().unwrap();
    drop(out);
    eprintln!("parity: to stderr");
    std::process::exit(3);
}
