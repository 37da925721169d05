//! Shared parts of the property-based fuzz targets (tests/fuzz_*.rs):
//! the case-count policy, an independent model of the descriptor path
//! (`model`), and the generators of hostile shared memory (`strategies`).
//!
//! Why property tests and not cargo-fuzz: cargo-fuzz needs a nightly
//! toolchain, and CI has stable only. proptest runs inside `cargo test`,
//! shrinks a failure to a small case, and records it under
//! `tests/*.proptest-regressions` (commit those files: they replay first).
//!
//! Case counts: each target names a default small enough for CI (a few
//! seconds for the whole suite); `PROPTEST_CASES=N` overrides it for long
//! local runs, e.g. `PROPTEST_CASES=100000 cargo test --release --test
//! fuzz_descriptor`.

// Each fuzz binary uses a different subset of the shared helpers.
#![allow(dead_code)]

pub mod model;
pub mod strategies;

use proptest::test_runner::{Config, FileFailurePersistence};

/// The config for a target whose CI run uses `ci_cases` cases.
pub fn config(ci_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ci_cases);
    Config {
        cases,
        // Beside the test file: tests/ has no lib.rs for the default
        // "proptest-regressions/" lookup to anchor on.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}
