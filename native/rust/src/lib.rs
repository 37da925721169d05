//! crossfair-rust: a Rust worker pool that Node drives through shared memory.
//!
//! The wire contract is docs/TRANSPORT.md (rings, slots, statuses). The
//! crate is a plain Rust core, tested by `cargo test` without Node, plus a
//! thin napi binding (`binding/`) that only converts and delegates.
//!
//! ```text
//!   JS (TS scheduler)          binding/            core
//!   ─────────────────          ────────            ────
//!   new RustPool(ctrl,..) ───▶ rust_pool.rs ─────▶ pool.rs ──spawns──▶ worker.rs
//!   submit(start,count)   ───▶                     queue.rs ◀─pop───── │
//!                                                  ring.rs, descriptor.rs,
//!                                                  segments.rs, kinds.rs,
//!                                                  faults.rs, panic_guard.rs
//!   onWake() ◀── wake.rs (threadsafe function) ◀── notify (wake CAS 0->1)
//! ```
//!
//! Native-only drivers (`driver.rs`, `bench.rs`) play the JS role over heap
//! memory for tests and `benchNative`.

pub mod bench;
pub mod cancel;
pub mod completions;
pub mod descriptor;
pub mod driver;
pub mod errors;
pub mod faults;
pub mod heap;
pub mod kinds;
pub mod mem;
pub mod message;
pub mod panic_guard;
pub mod pool;
pub mod priority;
pub mod queue;
pub mod ring;
pub mod segments;
pub mod stats;
pub mod status;
mod worker;

mod binding;

/// ABI/layout version reported by `abiVersion()` (TRANSPORT.md: 1).
pub const ABI_VERSION: u32 = 1;
