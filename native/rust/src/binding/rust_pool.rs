//! `RustPool`: the JS class over one core [`Pool`].
//!
//! Owns the napi references that keep JS memory alive while native code
//! may touch it (docs/NATIVE-RULES.md §5, §10): the control region view, and each
//! registered segment view until it is unregistered or the pool closes
//! with 0 busy workers. If a close times out, or the object is finalized
//! while workers are stuck, the references are kept (or leaked) so the
//! memory outlives every worker.
//!
//! Pointers: napi-rs's `Uint8Array` takes a strong reference and records
//! the data pointer from `napi_get_typedarray_info` (backing store +
//! byteOffset). A SharedArrayBuffer's backing store never moves, detaches
//! or resizes, so that pointer stays valid while the reference is held;
//! smoke.mjs checks it end to end (JS writes -> worker threads read ->
//! worker threads write -> JS reads, across calls).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Function, JsValue, Uint8Array};
use napi::{sys, Env};
use napi_derive::napi;

use super::env_cleanup::{self, Hook, PoolInner};
use super::guard::guarded;
use super::wake::WakeFn;
use crate::errors::PoolError;
use crate::faults::FaultConfig;
use crate::pool::{Pool, DROP_CLOSE_TIMEOUT};

/// A Rust worker pool over a JS control region.
#[napi]
pub struct RustPool {
    inner: Arc<PoolInner>,
    env: sys::napi_env,
    hook: Option<Hook>,
    ctrl: Option<Uint8Array>,
    segments: HashMap<u32, Uint8Array>,
}

/// Start and length of a typed array's bytes, with write provenance.
fn raw_parts(view: &mut Uint8Array) -> (*mut u8, usize) {
    // SAFETY: `as_mut` only builds a slice over the view's data; we take
    // its pointer and length and drop the slice at once. Concurrent access
    // to the memory is governed by the ring protocol, not by this borrow.
    let bytes = unsafe { view.as_mut() };
    (bytes.as_mut_ptr(), bytes.len())
}

fn millis(ms: f64, what: &str) -> Result<Duration, PoolError> {
    if ms.is_finite() && ms >= 0.0 {
        Ok(Duration::from_secs_f64(ms / 1000.0))
    } else {
        Err(PoolError::BadArgument(format!(
            "{what} must be a number >= 0, got {ms}"
        )))
    }
}

#[napi]
impl RustPool {
    /// `new RustPool(ctrl, workers, onWake)`; a bad layout or worker count
    /// throws "E_BAD_OPTIONS: ...".
    #[napi(constructor)]
    pub fn new(
        env: Env,
        mut ctrl: Uint8Array,
        workers: f64,
        on_wake: Function<'_>,
    ) -> napi::Result<Self> {
        guarded(|| {
            if !(workers.fract() == 0.0
                && (1.0..=f64::from(crate::pool::MAX_WORKERS)).contains(&workers))
            {
                return Err(PoolError::BadOptions(format!(
                    "workers must be an integer in 1..={}, got {workers}",
                    crate::pool::MAX_WORKERS
                )));
            }
            let raw_env = env.raw();
            let wake = Arc::new(WakeFn::new(raw_env, on_wake.raw())?);
            let (ptr, len) = raw_parts(&mut ctrl);
            let notify_wake = Arc::clone(&wake);
            // SAFETY: `ctrl` (a strong napi reference) is stored in the
            // returned object and released only after close returned 0, or
            // leaked (see Drop).
            let pool = unsafe {
                Pool::new(
                    ptr,
                    len,
                    workers as u32,
                    Box::new(move || notify_wake.notify()),
                )
            };
            let pool = match pool {
                Ok(p) => p,
                Err(e) => {
                    wake.release();
                    return Err(e);
                }
            };
            let inner = Arc::new(PoolInner::new(pool, wake));
            let hook = match env_cleanup::register(raw_env, &inner) {
                Ok(h) => h,
                Err(e) => {
                    inner.teardown(DROP_CLOSE_TIMEOUT);
                    return Err(e);
                }
            };
            Ok(RustPool {
                inner,
                env: raw_env,
                hook: Some(hook),
                ctrl: Some(ctrl),
                segments: HashMap::new(),
            })
        })
    }

    /// Registers (or replaces) data segment `id` (0..4095).
    #[napi]
    pub fn register_segment(&mut self, id: u32, mut seg: Uint8Array) -> napi::Result<()> {
        guarded(|| {
            let (ptr, len) = raw_parts(&mut seg);
            // SAFETY: `seg`'s reference is stored below and dropped only on
            // unregister/replace (caller: no task using it in flight) or
            // after close returned 0.
            unsafe { self.inner.pool.register_segment(id, ptr, len)? };
            self.segments.insert(id, seg);
            Ok(())
        })
    }

    /// Forgets data segment `id` and drops its reference.
    #[napi]
    pub fn unregister_segment(&mut self, id: u32) -> napi::Result<()> {
        guarded(|| {
            self.inner.pool.unregister_segment(id)?;
            self.segments.remove(&id);
            Ok(())
        })
    }

    /// Queues the slot indices at submit-ring positions start..start+count;
    /// returns how many were accepted. Throws "E_CLOSED: ..." after close.
    #[napi]
    pub fn submit(&self, start: u32, count: u32) -> napi::Result<u32> {
        guarded(|| self.inner.pool.submit(start, count))
    }

    /// Fault injection (faults.rs). All 0 / delayFactor 1 clears.
    #[napi]
    pub fn inject(&self, error_rate: f64, delay_factor: f64, hang_rate: f64) -> napi::Result<()> {
        guarded(|| {
            self.inner.pool.inject(FaultConfig {
                error_rate,
                delay_factor,
                hang_rate,
            })
        })
    }

    /// Refs (true) or unrefs (false) the wake-up function, so in-flight
    /// tasks keep the process alive and an idle pool does not.
    #[napi]
    pub fn set_ref(&self, on: bool) -> napi::Result<()> {
        guarded(|| self.inner.wake.set_ref(self.env, on))
    }

    /// `[queued, running, completed, panics, workers]`.
    #[napi]
    pub fn stats(&self) -> napi::Result<Vec<f64>> {
        guarded(|| {
            Ok(self
                .inner
                .pool
                .stats()
                .to_array()
                .map(|v| v as f64)
                .to_vec())
        })
    }

    /// Closes the pool; returns the number of workers still busy after
    /// `timeoutMs`. At 0, memory references and the wake function are
    /// released.
    #[napi]
    pub fn close(&mut self, timeout_ms: f64) -> napi::Result<u32> {
        guarded(|| {
            let busy = self.inner.pool.close(millis(timeout_ms, "timeoutMs")?);
            if busy == 0 {
                self.inner.wake.release();
                self.segments.clear();
                self.ctrl = None;
            }
            Ok(busy as u32)
        })
    }
}

impl Drop for RustPool {
    /// Finalized by GC (or env teardown): unhook, close, release. If
    /// workers are still busy, leak the memory references so the memory
    /// outlives them.
    fn drop(&mut self) {
        // No panic may unwind into Node from a finalizer.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if let Some(hook) = self.hook.take() {
                hook.remove(self.env, &self.inner);
            }
            let busy = self.inner.teardown(DROP_CLOSE_TIMEOUT);
            if busy > 0 {
                std::mem::forget(self.ctrl.take());
                std::mem::forget(std::mem::take(&mut self.segments));
            }
        }));
    }
}
