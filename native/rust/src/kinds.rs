//! The built-in task kinds and their handlers.
//!
//! Owns: what each kind id does to its input (docs/TRANSPORT.md, "Kinds").
//! Handlers are pure functions of (input, output view, cancel token) to an
//! [`Outcome`]; they know nothing of slots, rings or threads, so
//! `cargo test` drives them directly with the shared vectors.
//!
//! | id | name   | input                      | output / status |
//! |----|--------|----------------------------|-----------------|
//! | 1  | echo   | any bytes                  | the same bytes |
//! | 2  | sha256 | any bytes                  | 32-byte SHA-256 digest |
//! | 3  | spin   | ASCII decimal microseconds | burns CPU that long; empty output |
//! | 4  | sleep  | ASCII decimal microseconds | waits without CPU; empty output |
//! | 5  | fail   | message bytes              | TASK_FAILED, msg = input |
//! | 6  | panic  | message bytes              | panics; TASK_PANIC, msg = input |
//!
//! `panic` really unwinds (`panic_any`), so it exercises the pool's
//! `catch_unwind` boundary; its payload is a [`PanicMsg`] holding the input
//! cut by the message rule.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::cancel::CancelToken;
use crate::mem::{Input, Output};
use crate::message::Msg;

/// Kind ids (the table above).
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Echo = 1,
    Sha256 = 2,
    Spin = 3,
    Sleep = 4,
    Fail = 5,
    Panic = 6,
}

/// Every kind, in id order.
pub const ALL_KINDS: [Kind; 6] = [
    Kind::Echo,
    Kind::Sha256,
    Kind::Spin,
    Kind::Sleep,
    Kind::Fail,
    Kind::Panic,
];

/// The `kinds()` string the loaders compare (crossfair.h `cf_kinds` format).
pub const KINDS_STRING: &str = "1=echo,2=sha256,3=spin,4=sleep,5=fail,6=panic";

/// Largest spin/sleep duration: 60 s (TRANSPORT.md).
pub const MAX_DURATION_MICROS: u64 = 60_000_000;
/// Most digits a spin/sleep input may have (TRANSPORT.md).
pub const MAX_DURATION_DIGITS: usize = 10;
/// SHA-256 digest size.
pub const SHA256_LEN: u32 = 32;

const BAD_DURATION: &str = "input must be 1 to 10 ASCII digits, microseconds <= 60000000";

impl Kind {
    pub fn from_id(id: u16) -> Option<Kind> {
        ALL_KINDS.into_iter().find(|k| *k as u16 == id)
    }

    pub fn id(self) -> u16 {
        self as u16
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Echo => "echo",
            Kind::Sha256 => "sha256",
            Kind::Spin => "spin",
            Kind::Sleep => "sleep",
            Kind::Fail => "fail",
            Kind::Panic => "panic",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        ALL_KINDS.into_iter().find(|k| k.name() == name)
    }
}

/// What a handler produced. `Msg` is inline, so no variant allocates.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// OK; `out_len` bytes written at the start of the output.
    Ok { out_len: u32 },
    /// TASK_FAILED with a message.
    Failed(Msg),
    /// BAD_INPUT with a message.
    BadInput(Msg),
    /// OUTPUT_TOO_LARGE; `needed` goes to `out_len`.
    OutputTooLarge { needed: u32 },
    /// ABORTED: cancel or shutdown seen.
    Aborted,
}

/// The payload the `panic` kind unwinds with.
pub struct PanicMsg(pub Msg);

/// Parses a spin/sleep input: 1..=10 ASCII digits, value <= 60 s.
pub fn parse_micros(input: &[u8]) -> Option<Duration> {
    if input.is_empty() || input.len() > MAX_DURATION_DIGITS {
        return None;
    }
    let mut value: u64 = 0;
    for &b in input {
        if !b.is_ascii_digit() {
            return None;
        }
        // 10 digits < 10^10 fits in u64 with room to spare.
        value = value * 10 + u64::from(b - b'0');
    }
    (value <= MAX_DURATION_MICROS).then(|| Duration::from_micros(value))
}

/// Runs `kind` over `input`, writing into `output`.
pub fn run(
    kind: Kind,
    input: Input<'_>,
    output: &mut Output<'_>,
    cancel: &CancelToken<'_>,
) -> Outcome {
    match kind {
        Kind::Echo => {
            // Input length is a u32 descriptor field (or a test slice).
            let len = u32::try_from(input.len()).unwrap_or(u32::MAX);
            if output.copy_from_input(&input) {
                Outcome::Ok { out_len: len }
            } else {
                Outcome::OutputTooLarge { needed: len }
            }
        }
        Kind::Sha256 => {
            if output.cap() < SHA256_LEN as usize {
                return Outcome::OutputTooLarge { needed: SHA256_LEN };
            }
            let digest = input.with_bytes(|b| Sha256::digest(b));
            output.write(&digest);
            Outcome::Ok {
                out_len: SHA256_LEN,
            }
        }
        Kind::Spin | Kind::Sleep => {
            let Some(d) = input.with_bytes(parse_micros) else {
                return Outcome::BadInput(Msg::from_bytes(BAD_DURATION.as_bytes()));
            };
            let deadline = Instant::now() + d;
            let waited = if kind == Kind::Spin {
                cancel.spin_until(deadline)
            } else {
                cancel.sleep_until(deadline)
            };
            match waited {
                Ok(()) => Outcome::Ok { out_len: 0 },
                Err(_) => Outcome::Aborted,
            }
        }
        Kind::Fail => Outcome::Failed(input.with_bytes(Msg::from_bytes)),
        Kind::Panic => std::panic::panic_any(PanicMsg(input.with_bytes(Msg::from_bytes))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_string_matches_the_table() {
        let s: Vec<String> = ALL_KINDS
            .iter()
            .map(|k| format!("{}={}", k.id(), k.name()))
            .collect();
        assert_eq!(s.join(","), KINDS_STRING);
    }

    #[test]
    fn parse_micros_rules() {
        assert_eq!(parse_micros(b"0"), Some(Duration::ZERO));
        assert_eq!(
            parse_micros(b"0000000100"),
            Some(Duration::from_micros(100))
        );
        assert_eq!(parse_micros(b"60000000"), Some(Duration::from_secs(60)));
        for bad in [
            &b""[..],
            b"60000001",
            b"12345678901",
            b"-5",
            b" 10",
            b"1.5",
            b"+1",
            b"abc",
        ] {
            assert_eq!(
                parse_micros(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
