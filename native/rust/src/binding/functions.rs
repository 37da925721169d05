//! Free functions: `abiVersion()`, `kinds()`, `benchNative()`.

// napi-derive registers exports only outside `cfg(test)`, so in the unit
// test build nothing calls these and rustc would flag them as dead.
#![cfg_attr(test, allow(dead_code))]

use napi_derive::napi;

use super::guard::guarded;
use crate::errors::PoolError;

/// Layout/ABI version (docs/TRANSPORT.md: 1).
#[napi]
pub fn abi_version() -> napi::Result<u32> {
    guarded(|| Ok(crate::ABI_VERSION))
}

/// `"1=echo,2=sha256,3=spin,4=sleep,5=fail,6=panic"`.
#[napi]
pub fn kinds() -> napi::Result<String> {
    guarded(|| Ok(crate::kinds::KINDS_STRING.to_owned()))
}

/// Elapsed ns for `n` empty echo tasks in batches of `batch` through a
/// private pool of `workers`, driven from Rust (bench.rs). Blocks the
/// calling thread for the run.
#[napi]
pub fn bench_native(n: f64, batch: u32, workers: u32) -> napi::Result<f64> {
    guarded(|| {
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0) {
            return Err(PoolError::BadOptions(format!(
                "n must be a whole number >= 0, got {n}"
            )));
        }
        let elapsed = crate::bench::bench_native(n as u64, batch, workers)?;
        Ok(elapsed.as_nanos() as f64)
    })
}
