//! Shared fixtures for the integration tests: the JSON vectors in
//! test/vectors/ (read relative to CARGO_MANIFEST_DIR) and small helpers
//! over the native [`Driver`].

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossfair_rust::descriptor::Descriptor;
use crossfair_rust::driver::Driver;
use crossfair_rust::kinds::Kind;
use crossfair_rust::status::Status;
use serde_json::Value;

/// Generous upper bound for anything a test waits on; hitting it is a
/// failure (lost wake-up, stuck worker), not a timing assumption.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Parses `test/vectors/<name>`.
pub fn vectors(name: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "test",
        "vectors",
        name,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("vector JSON")
}

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub fn status_of(name: &str) -> Status {
    Status::from_name(name).unwrap_or_else(|| panic!("unknown status {name}"))
}

/// The header tables of a vector file agree with this crate's tables.
pub fn check_tables(v: &Value) {
    for (name, code) in v["status_codes"].as_object().unwrap() {
        assert_eq!(
            status_of(name).code() as i64,
            code.as_i64().unwrap(),
            "{name}"
        );
    }
    for (name, id) in v["kind_ids"].as_object().unwrap() {
        let k = Kind::from_name(name).unwrap_or_else(|| panic!("unknown kind {name}"));
        assert_eq!(k.id() as u64, id.as_u64().unwrap(), "{name}");
    }
    assert_eq!(
        v["message_max_bytes"].as_u64(),
        Some(crossfair_rust::message::MSG_CAP as u64)
    );
}

/// A descriptor for `kind` reading `in_len` bytes at `in_off` of segment
/// 0 and writing up to `out_cap` bytes at `out_off`.
pub fn desc(kind: Kind, in_off: u32, in_len: u32, out_off: u32, out_cap: u32) -> Descriptor {
    Descriptor {
        kind: kind.id(),
        in_seg: 0,
        in_off,
        in_len,
        out_seg: 0,
        out_off,
        out_cap,
    }
}

/// Writes `input` at `in_off` of segment 0 and prepares slot `idx`.
pub fn prepare(
    d: &mut Driver,
    idx: u32,
    kind: Kind,
    input: &[u8],
    in_off: u32,
    out_off: u32,
    out_cap: u32,
) {
    d.segment(0).write(in_off as usize, input);
    d.prepare(
        idx,
        &desc(kind, in_off, input.len() as u32, out_off, out_cap),
    );
}

/// Waits for `n` completions; fails the test if they do not arrive.
pub fn wait_all(d: &mut Driver, n: usize) -> Vec<u32> {
    let done = d.wait_for(n, DEADLINE);
    assert_eq!(done.len(), n, "completions within {DEADLINE:?}: {done:?}");
    done
}

/// Polls `cond` until true; fails the test at DEADLINE.
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}
