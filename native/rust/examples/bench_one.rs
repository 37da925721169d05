//! `cargo run --release --example bench_one -- n batch workers`: one bench_native run.
fn main() {
    let a: Vec<u64> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let (n, batch, workers) = (a[0], a[1] as u32, a[2] as u32);
    let t = crossfair_rust::bench::bench_native(n, batch, workers).unwrap();
    println!(
        "batch {batch} workers {workers}: {:.1} ns/task",
        t.as_nanos() as f64 / n as f64
    );
}
