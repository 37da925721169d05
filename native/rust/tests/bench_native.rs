//! `bench_native` runs end to end (timing is reported, not asserted).

use crossfair_rust::bench::{bench_native, MAX_BATCH};
use crossfair_rust::errors::PoolError;

#[test]
fn bench_native_completes_every_batch_size() {
    for (batch, workers) in [(1, 1), (16, 2), (256, 1), (4096, 2)] {
        let n = 20_000;
        let t = bench_native(n, batch, workers).unwrap();
        println!(
            "bench_native batch {batch} workers {workers}: {:.1} ns/task (debug build unless --release)",
            t.as_nanos() as f64 / n as f64
        );
    }
    assert_eq!(bench_native(0, 1, 1).unwrap().as_secs(), 0);
}

#[test]
fn bench_native_refuses_bad_arguments() {
    assert!(matches!(
        bench_native(1, 0, 1),
        Err(PoolError::BadOptions(_))
    ));
    assert!(matches!(
        bench_native(1, MAX_BATCH + 1, 1),
        Err(PoolError::BadOptions(_))
    ));
    assert!(matches!(
        bench_native(1, 1, 0),
        Err(PoolError::BadOptions(_))
    ));
}
