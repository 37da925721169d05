//! Fault injection: make tasks fail, run slower, or hang, on purpose.
//!
//! Owns: the per-pool fault settings and the per-task decision. The worker
//! applies the decision (worker.rs, steps 4-6):
//! - `error_rate` p: with probability p the task ends INJECTED, msg
//!   "injected fault", without running its handler.
//! - `hang_rate` p: with probability p the handler "hangs": it waits
//!   without CPU until cancel or shutdown, then ends ABORTED.
//! - `delay_factor` f in [1, 1000]: after a handler that took t, the worker
//!   waits until (f x t) has passed since the handler started, cancellably
//!   (cancel during the stretch ends ABORTED). f = 1 is no delay.
//!
//! The ranges are the ones TS validates (src/faults.ts FAULT_RANGES); this
//! side accepts exactly those and refuses the rest, checked against the
//! shared vectors (test/vectors/faults.json, tests/fault_vectors.rs).
//!
//! Randomness: one xorshift64* generator per worker (no shared state, no
//! locks, reproducible per seed). Settings are read with one acquire load of
//! `active` when faults are off, which is the common case.
//!
//! Changing settings while tasks run is allowed; a task may see a mix of old
//! and new values, which is harmless for a test tool.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Largest `delay_factor` accepted (src/faults.ts FAULT_RANGES).
pub const MAX_DELAY_FACTOR: f64 = 1000.0;

/// The message of an INJECTED result (TRANSPORT.md status table).
pub const INJECTED_MSG: &str = "injected fault";

/// Fault settings, as given to `inject()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultConfig {
    pub error_rate: f64,
    pub delay_factor: f64,
    pub hang_rate: f64,
}

impl FaultConfig {
    /// No faults.
    pub const NONE: FaultConfig = FaultConfig {
        error_rate: 0.0,
        delay_factor: 1.0,
        hang_rate: 0.0,
    };

    /// Checks ranges: rates in [0, 1]; delay factor in [1, MAX_DELAY_FACTOR]
    /// (NaN is in no range).
    pub fn validate(&self) -> Result<(), String> {
        let rate_ok = |r: f64| (0.0..=1.0).contains(&r);
        if !rate_ok(self.error_rate) {
            return Err(format!("errorRate {} is not in [0, 1]", self.error_rate));
        }
        if !rate_ok(self.hang_rate) {
            return Err(format!("hangRate {} is not in [0, 1]", self.hang_rate));
        }
        if !(1.0..=MAX_DELAY_FACTOR).contains(&self.delay_factor) {
            return Err(format!(
                "delayFactor {} is not in [1, {MAX_DELAY_FACTOR}]",
                self.delay_factor
            ));
        }
        Ok(())
    }

    fn is_none(&self) -> bool {
        self.error_rate == 0.0 && self.hang_rate == 0.0 && self.delay_factor <= 1.0
    }
}

/// What to do to one task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    pub inject_error: bool,
    pub hang: bool,
    /// > 1 stretches the run; <= 1 leaves it alone.
    pub delay_factor: f64,
}

impl Plan {
    pub const NONE: Plan = Plan {
        inject_error: false,
        hang: false,
        delay_factor: 1.0,
    };
}

/// The pool's current settings.
pub struct Faults {
    active: AtomicBool,
    error_rate: AtomicU64,
    delay_factor: AtomicU64,
    hang_rate: AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults::new()
    }
}

impl Faults {
    pub fn new() -> Faults {
        Faults {
            active: AtomicBool::new(false),
            error_rate: AtomicU64::new(0f64.to_bits()),
            delay_factor: AtomicU64::new(1f64.to_bits()),
            hang_rate: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// Replaces the settings (caller validated them).
    pub fn set(&self, cfg: FaultConfig) {
        self.error_rate
            .store(cfg.error_rate.to_bits(), Ordering::Relaxed);
        self.delay_factor
            .store(cfg.delay_factor.to_bits(), Ordering::Relaxed);
        self.hang_rate
            .store(cfg.hang_rate.to_bits(), Ordering::Relaxed);
        // Release: pairs with the acquire load in `plan`, so a worker that
        // sees `active` sees the values stored above.
        self.active.store(!cfg.is_none(), Ordering::Release);
    }

    /// True when any fault is configured.
    pub fn is_active(&self) -> bool {
        // Acquire: pairs with the release store in `set`.
        self.active.load(Ordering::Acquire)
    }

    /// Decides the faults for one task.
    pub fn plan(&self, rng: &mut XorShift) -> Plan {
        // Acquire: pairs with the release store in `set`.
        if !self.active.load(Ordering::Acquire) {
            return Plan::NONE;
        }
        let get = |a: &AtomicU64| f64::from_bits(a.load(Ordering::Relaxed));
        let error_rate = get(&self.error_rate);
        let hang_rate = get(&self.hang_rate);
        Plan {
            inject_error: error_rate > 0.0 && rng.next_f64() < error_rate,
            hang: hang_rate > 0.0 && rng.next_f64() < hang_rate,
            delay_factor: get(&self.delay_factor),
        }
    }
}

/// xorshift64* (Vigna 2014): tiny, fast, good enough for fault sampling.
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is remapped: xorshift must not start at 0).
    pub fn new(seed: u64) -> XorShift {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1): the top 53 bits as a fraction.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_one_and_zero_are_certain() {
        let f = Faults::new();
        let mut rng = XorShift::new(1);
        assert_eq!(f.plan(&mut rng), Plan::NONE);
        f.set(FaultConfig {
            error_rate: 1.0,
            delay_factor: 1.0,
            hang_rate: 0.0,
        });
        for _ in 0..1000 {
            let p = f.plan(&mut rng);
            assert!(p.inject_error && !p.hang);
        }
        f.set(FaultConfig::NONE);
        assert_eq!(f.plan(&mut rng), Plan::NONE);
    }

    #[test]
    fn validate_rejects_out_of_range() {
        let ok = FaultConfig::NONE;
        assert!(ok.validate().is_ok());
        assert!(FaultConfig {
            error_rate: 1.5,
            ..ok
        }
        .validate()
        .is_err());
        assert!(FaultConfig {
            hang_rate: f64::NAN,
            ..ok
        }
        .validate()
        .is_err());
        assert!(FaultConfig {
            delay_factor: 0.5,
            ..ok
        }
        .validate()
        .is_err());
        assert!(FaultConfig {
            delay_factor: 0.0,
            ..ok
        }
        .validate()
        .is_err());
    }

    #[test]
    fn next_f64_is_in_unit_interval() {
        let mut rng = XorShift::new(42);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let x = rng.next_f64();
            assert!((0.0..1.0).contains(&x));
            sum += x;
        }
        // Mean of 10k uniform samples is 0.5 +- 0.01 with overwhelming odds.
        assert!((sum / 10_000.0 - 0.5).abs() < 0.02);
    }
}
