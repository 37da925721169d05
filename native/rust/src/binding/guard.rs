//! The boundary guard: panics and core errors become thrown JS errors.

use std::panic::{self, AssertUnwindSafe};

use crate::errors::PoolError;
use crate::panic_guard::payload_message;

/// Runs `f`; a core error or a panic becomes a napi error whose message is
/// `"E_CODE: detail"`.
pub fn guarded<T>(f: impl FnOnce() -> Result<T, PoolError>) -> napi::Result<T> {
    // AssertUnwindSafe: after a panic here the call fails as a whole; the
    // pool's shared state is atomics and poison-tolerant mutexes, valid
    // after any unwind.
    let result = match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload_message(payload.as_ref());
            Err(PoolError::Panic(
                String::from_utf8_lossy(msg.as_bytes()).into_owned(),
            ))
        }
    };
    result.map_err(|e| napi::Error::from_reason(e.to_string()))
}
