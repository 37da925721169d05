//! Errors the pool reports to its callers, with stable codes.
//!
//! The binding throws `Error(code + ": " + detail)`, so the TS side matches
//! on the message prefix (`/^E_CLOSED: /`). Codes are only created here.

/// A refused call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// Bad constructor/inject options or a bad control-region layout.
    BadOptions(String),
    /// A call after `close`.
    Closed,
    /// A bad argument to a call on a live pool (segment id, ring count).
    BadArgument(String),
    /// The OS refused a resource (thread spawn).
    Internal(String),
    /// A panic was caught at the napi boundary (a bug in this crate).
    Panic(String),
}

impl PoolError {
    /// The stable code, the message prefix JS matches.
    pub fn code(&self) -> &'static str {
        match self {
            PoolError::BadOptions(_) => "E_BAD_OPTIONS",
            PoolError::Closed => "E_CLOSED",
            PoolError::BadArgument(_) => "E_BAD_ARGUMENT",
            PoolError::Internal(_) => "E_INTERNAL",
            PoolError::Panic(_) => "E_PANIC",
        }
    }
}

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.code();
        match self {
            PoolError::Closed => write!(f, "{code}: the pool is closed"),
            PoolError::BadOptions(d)
            | PoolError::BadArgument(d)
            | PoolError::Internal(d)
            | PoolError::Panic(d) => write!(f, "{code}: {d}"),
        }
    }
}

impl std::error::Error for PoolError {}
