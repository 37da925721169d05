//! The wake-up path to JS: a raw Node-API threadsafe function.
//!
//! Owns: one `napi_threadsafe_function` over the `onWake` callback.
//! Raw Node-API instead of napi-rs's `ThreadsafeFunction` because the
//! wake-up carries no data: with a NULL `call_js_cb`, Node calls the
//! function with no arguments, so a notify is one non-blocking
//! `napi_call_threadsafe_function(tsfn, NULL)` with no boxing or
//! allocation per call, and release timing is ours to control.
//!
//! Invariants:
//! - The handle lives in a mutex'd Option. `release` takes it out, so no
//!   call, ref or unref can follow a release (calling a released
//!   threadsafe function is undefined behaviour in Node-API).
//! - Created unreferenced: an idle pool does not keep the process alive.
//!   JS refs it (`setRef(true)`) while tasks are in flight.
//!
//! Protocol:
//! 1. `new` (JS thread): create with max queue 0 (unbounded; the wake word
//!    bounds outstanding calls to one per drain), initial thread count 1,
//!    then unref.
//! 2. `notify` (any thread): non-blocking call if not released.
//! 3. `set_ref` (JS thread): napi_ref/unref_threadsafe_function.
//! 4. `release` (JS thread: close returned 0, env cleanup, or finalize).

use std::ffi::c_void;
use std::ptr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use napi::sys;

use crate::errors::PoolError;

/// Async resource name shown by async_hooks / diagnostics.
const RESOURCE_NAME: &str = "crossfair-rust-wake";

struct Raw(sys::napi_threadsafe_function);

// SAFETY: Node-API threadsafe functions are made to be called from any
// thread; ref/unref/release happen on the JS thread only (callers' rule).
unsafe impl Send for Raw {}

/// The `onWake` threadsafe function.
pub struct WakeFn {
    raw: Mutex<Option<Raw>>,
}

fn check(status: sys::napi_status, what: &str) -> Result<(), PoolError> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(PoolError::Internal(format!(
            "{what} failed (napi status {status})"
        )))
    }
}

impl WakeFn {
    fn lock(&self) -> MutexGuard<'_, Option<Raw>> {
        // Poison: the Option is valid after any panic.
        self.raw.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Step 1. `func` must be a JS function value in `env`.
    pub fn new(env: sys::napi_env, func: sys::napi_value) -> Result<WakeFn, PoolError> {
        let mut name = ptr::null_mut();
        // SAFETY: valid env on the JS thread (constructor call); the string
        // pointer/length describe RESOURCE_NAME.
        check(
            unsafe {
                sys::napi_create_string_utf8(
                    env,
                    RESOURCE_NAME.as_ptr().cast(),
                    RESOURCE_NAME.len() as isize,
                    &mut name,
                )
            },
            "napi_create_string_utf8",
        )?;
        let mut tsfn = ptr::null_mut();
        // SAFETY: env and func are valid for this call; no finalize data,
        // no context, NULL call_js_cb (Node calls `func()` itself).
        check(
            unsafe {
                sys::napi_create_threadsafe_function(
                    env,
                    func,
                    ptr::null_mut(),
                    name,
                    0,
                    1,
                    ptr::null_mut(),
                    None,
                    ptr::null_mut(),
                    None,
                    &mut tsfn,
                )
            },
            "napi_create_threadsafe_function",
        )?;
        // SAFETY: tsfn was just created in this env, on its JS thread.
        let unref = unsafe { sys::napi_unref_threadsafe_function(env, tsfn) };
        let wake = WakeFn {
            raw: Mutex::new(Some(Raw(tsfn))),
        };
        check(unref, "napi_unref_threadsafe_function")?;
        Ok(wake)
    }

    /// Step 2: queue one `onWake()` call on the JS thread.
    pub fn notify(&self) {
        if let Some(Raw(tsfn)) = *self.lock() {
            // SAFETY: not released (we hold the lock that `release` takes).
            // The status is ignored on purpose: `napi_closing` during
            // teardown means nobody is left to wake.
            let _ = unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn,
                    ptr::null_mut::<c_void>(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
        }
    }

    /// Step 3: keep the event loop alive (true) or not (false).
    pub fn set_ref(&self, env: sys::napi_env, on: bool) -> Result<(), PoolError> {
        if let Some(Raw(tsfn)) = *self.lock() {
            // SAFETY: JS thread of the env that created tsfn; not released.
            let status = unsafe {
                if on {
                    sys::napi_ref_threadsafe_function(env, tsfn)
                } else {
                    sys::napi_unref_threadsafe_function(env, tsfn)
                }
            };
            check(status, "napi_(un)ref_threadsafe_function")?;
        }
        Ok(())
    }

    /// Step 4: release; later notifies are no-ops. Idempotent.
    pub fn release(&self) {
        if let Some(Raw(tsfn)) = self.lock().take() {
            // SAFETY: taken out under the lock, so this is the only release
            // and no call can start after it.
            let _ = unsafe {
                sys::napi_release_threadsafe_function(
                    tsfn,
                    sys::ThreadsafeFunctionReleaseMode::release,
                )
            };
        }
    }
}
