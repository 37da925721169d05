//! Env cleanup hooks: stop a pool before its Node environment goes.
//!
//! docs/NATIVE-RULES.md §9: per-environment native state must be released in an
//! env cleanup hook, and native threads stopped before a worker_threads
//! environment is destroyed (Node 20 lacks the fix for a threadsafe
//! function outliving its worker). Each live `RustPool` registers one hook.
//!
//! Protocol:
//! 1. `register` (constructor, after the wake function exists, so this hook
//!    runs before Node's own threadsafe-function cleanup; hooks run in
//!    reverse order of registration): leak a box holding an `Arc` of the
//!    pool state and hand its pointer to `napi_add_env_cleanup_hook`.
//! 2. At env teardown, `run_hook` marks the state `hook_ran`, closes the
//!    pool (waiting up to [`TEARDOWN_CLOSE_TIMEOUT`]), releases the wake
//!    function, and frees the box.
//! 3. If the `RustPool` is finalized first, `Hook::remove` unregisters the
//!    hook and frees the box, unless the hook already ran (then the box is
//!    gone and only the flag is read). Both run on the JS thread, so the
//!    flag needs no ordering beyond program order (`Relaxed`).

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use napi::sys;

use crate::errors::PoolError;
use crate::pool::Pool;

use super::wake::WakeFn;

/// How long env teardown waits for workers (about 1000 ms). Handlers
/// poll shutdown every 1 ms, so this only matters for a stuck handler.
pub const TEARDOWN_CLOSE_TIMEOUT: Duration = Duration::from_millis(1000);

/// The pool state a hook (and the JS object) shares.
pub struct PoolInner {
    pub pool: Pool,
    pub wake: Arc<WakeFn>,
    hook_ran: AtomicBool,
}

impl PoolInner {
    pub fn new(pool: Pool, wake: Arc<WakeFn>) -> PoolInner {
        PoolInner {
            pool,
            wake,
            hook_ran: AtomicBool::new(false),
        }
    }

    /// Close, then release the wake function (no notify can follow a
    /// close that returned 0; after a timeout, a stuck worker's notify
    /// becomes a no-op once released).
    pub fn teardown(&self, timeout: Duration) -> usize {
        let busy = self.pool.close(timeout);
        self.wake.release();
        busy
    }
}

struct HookData {
    inner: Arc<PoolInner>,
}

/// A registered hook.
pub struct Hook {
    data: *mut HookData,
}

unsafe extern "C" fn run_hook(arg: *mut c_void) {
    // SAFETY: `arg` is the box leaked by `register`; Node calls the hook at
    // most once, and only if `remove` did not unregister it first.
    let data = unsafe { Box::from_raw(arg.cast::<HookData>()) };
    data.inner.hook_ran.store(true, Ordering::Relaxed);
    // No panic may unwind into Node: teardown only closes and releases, but
    // be certain.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        data.inner.teardown(TEARDOWN_CLOSE_TIMEOUT)
    }));
}

/// Step 1.
pub fn register(env: sys::napi_env, inner: &Arc<PoolInner>) -> Result<Hook, PoolError> {
    let data = Box::into_raw(Box::new(HookData {
        inner: Arc::clone(inner),
    }));
    // SAFETY: valid env on its JS thread; `data` stays alive until the hook
    // runs or `remove` reclaims it.
    let status = unsafe { sys::napi_add_env_cleanup_hook(env, Some(run_hook), data.cast()) };
    if status != sys::Status::napi_ok {
        // SAFETY: not registered, so we still own the box.
        drop(unsafe { Box::from_raw(data) });
        return Err(PoolError::Internal(format!(
            "napi_add_env_cleanup_hook failed (napi status {status})"
        )));
    }
    Ok(Hook { data })
}

impl Hook {
    /// Step 3.
    pub fn remove(self, env: sys::napi_env, inner: &PoolInner) {
        if inner.hook_ran.load(Ordering::Relaxed) {
            return;
        }
        // SAFETY: same env, fun and arg as registered; the hook has not run,
        // so after removal nobody else will touch `data`.
        unsafe {
            sys::napi_remove_env_cleanup_hook(env, Some(run_hook), self.data.cast());
            drop(Box::from_raw(self.data));
        }
    }
}
