//! The napi binding: converts JS values and delegates to the core.
//!
//! Nothing here decides anything the core could decide; every entry point
//! runs inside [`guard::guarded`] so no panic crosses into Node
//! (docs/NATIVE-RULES.md §10), and errors are thrown as `Error("E_CODE: ...")`
//! built by `errors.rs`.

mod env_cleanup;
mod functions;
mod guard;
mod rust_pool;
mod wake;
