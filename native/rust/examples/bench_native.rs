//! Prints ns/task of `bench_native` for batches 1, 16, 256, 4096.
//!
//! `cargo run --release --example bench_native [-- n workers]`

use crossfair_rust::bench::bench_native;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let workers: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    for batch in [1u32, 16, 256, 4096] {
        // Fewer tasks at batch 1: each batch costs two thread wake-ups.
        let n = if batch == 1 { n / 20 } else { n };
        let t = bench_native(n, batch, workers).expect("bench_native");
        println!(
            "batch {batch:>5} workers {workers}: {:>8.1} ns/task ({n} tasks)",
            t.as_nanos() as f64 / n as f64
        );
    }
}
