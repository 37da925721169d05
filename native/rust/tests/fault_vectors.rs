//! Every vector of test/vectors/faults.json: the pool accepts exactly the
//! fault settings TS accepts (src/faults.ts FAULT_RANGES), and refuses the rest.

mod common;

use common::*;
use crossfair_rust::faults::{FaultConfig, MAX_DELAY_FACTOR};
use serde_json::Value;

/// A vector value: a number, or "NaN" / "Inf" / "-Inf" (JSON has none of them).
fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Inf" => f64::INFINITY,
        Value::String(s) if s == "-Inf" => f64::NEG_INFINITY,
        _ => v
            .as_f64()
            .unwrap_or_else(|| panic!("not a fault value: {v}")),
    }
}

fn config(f: &Value) -> FaultConfig {
    FaultConfig {
        error_rate: num(&f["errorRate"]),
        delay_factor: num(&f["delayFactor"]),
        hang_rate: num(&f["hangRate"]),
    }
}

#[test]
fn ranges_are_the_shared_ones() {
    let v = vectors("faults.json");
    assert_eq!(v["ranges"]["delayFactor"][0].as_f64(), Some(1.0));
    assert_eq!(
        v["ranges"]["delayFactor"][1].as_f64(),
        Some(MAX_DELAY_FACTOR)
    );
    for rate in ["errorRate", "hangRate"] {
        assert_eq!(v["ranges"][rate][0].as_f64(), Some(0.0), "{rate}");
        assert_eq!(v["ranges"][rate][1].as_f64(), Some(1.0), "{rate}");
    }
    assert_eq!(config(&v["none"]), FaultConfig::NONE);
}

#[test]
fn validate_accepts_exactly_the_ok_vectors() {
    let v = vectors("faults.json");
    let all = v["vectors"].as_array().unwrap();
    assert!(all.len() > 10);
    for t in all {
        let name = t["name"].as_str().unwrap();
        let cfg = config(&t["faults"]);
        let ok = t["ok"].as_bool().unwrap();
        assert_eq!(cfg.validate().is_ok(), ok, "{name}: {cfg:?}");
    }
}

#[test]
fn inject_accepts_exactly_the_ok_vectors() {
    let v = vectors("faults.json");
    let d = crossfair_rust::driver::Driver::new(8, 1, &[]).unwrap();
    for t in v["vectors"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let ok = t["ok"].as_bool().unwrap();
        assert_eq!(d.pool().inject(config(&t["faults"])).is_ok(), ok, "{name}");
    }
}
