//! Result status codes written to a slot's `status` field.
//!
//! The numbers are part of the wire contract (docs/TRANSPORT.md, "Status
//! codes") and are mirrored in test/vectors/*.json `status_codes`; the
//! vector tests check that this table and the JSON agree.

/// A slot's result status. `repr(i32)` because the slot field is an `i32`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Preset by JS; never written by native code.
    Pending = -1,
    Ok = 0,
    TaskFailed = 1,
    TaskPanic = 2,
    UnknownKind = 3,
    BadInput = 4,
    BadDescriptor = 5,
    OutputTooLarge = 6,
    Aborted = 7,
    Injected = 8,
}

impl Status {
    /// Every status, in code order (for tables and tests).
    pub const ALL: [Status; 10] = [
        Status::Pending,
        Status::Ok,
        Status::TaskFailed,
        Status::TaskPanic,
        Status::UnknownKind,
        Status::BadInput,
        Status::BadDescriptor,
        Status::OutputTooLarge,
        Status::Aborted,
        Status::Injected,
    ];

    /// The wire value.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The name used in docs/TRANSPORT.md and the test vectors.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Ok => "OK",
            Status::TaskFailed => "TASK_FAILED",
            Status::TaskPanic => "TASK_PANIC",
            Status::UnknownKind => "UNKNOWN_KIND",
            Status::BadInput => "BAD_INPUT",
            Status::BadDescriptor => "BAD_DESCRIPTOR",
            Status::OutputTooLarge => "OUTPUT_TOO_LARGE",
            Status::Aborted => "ABORTED",
            Status::Injected => "INJECTED",
        }
    }

    /// Looks a status up by its vector name.
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Looks a status up by its wire value.
    pub fn from_code(code: i32) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }
}
