//! Every vector of test/vectors/kinds.json, through the kinds module alone
//! and through the full pool + ring path over heap memory.

mod common;

use common::*;
use crossfair_rust::cancel::CancelToken;
use crossfair_rust::driver::Driver;
use crossfair_rust::kinds::{self, Kind, Outcome};
use crossfair_rust::mem::{Input, Output};
use crossfair_rust::panic_guard::{catch_task_panic, install_quiet_hook};
use crossfair_rust::status::Status;
use serde_json::Value;

struct Vector {
    name: String,
    kind: Kind,
    input: Vec<u8>,
    status: Status,
    output: Vec<u8>,
    message: Option<String>,
}

fn load() -> Vec<Vector> {
    let v = vectors("kinds.json");
    check_tables(&v);
    v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x: &Value| Vector {
            name: x["name"].as_str().unwrap().to_owned(),
            kind: Kind::from_name(x["kind"].as_str().unwrap()).unwrap(),
            input: hex(x["input_hex"].as_str().unwrap()),
            status: status_of(x["status"].as_str().unwrap()),
            output: hex(x["output_hex"].as_str().unwrap()),
            message: x.get("message").map(|m| m.as_str().unwrap().to_owned()),
        })
        .collect()
}

#[test]
fn every_kind_vector_through_the_kinds_module() {
    install_quiet_hook();
    let all = load();
    assert!(all.len() >= 30, "vector file looks truncated");
    for v in &all {
        let mut out = vec![0u8; v.input.len().max(64)];
        let (status, out_len, msg) = {
            let mut output = Output::from_slice(&mut out);
            let r = catch_task_panic(|| {
                kinds::run(
                    v.kind,
                    Input::from_slice(&v.input),
                    &mut output,
                    &CancelToken::never(),
                )
            });
            match r {
                Ok(Outcome::Ok { out_len }) => (Status::Ok, out_len, Vec::new()),
                Ok(Outcome::Failed(m)) => (Status::TaskFailed, 0, m.as_bytes().to_vec()),
                Ok(Outcome::BadInput(m)) => (Status::BadInput, 0, m.as_bytes().to_vec()),
                Ok(Outcome::OutputTooLarge { needed }) => {
                    (Status::OutputTooLarge, needed, Vec::new())
                }
                Ok(Outcome::Aborted) => (Status::Aborted, 0, Vec::new()),
                Err(m) => (Status::TaskPanic, 0, m.as_bytes().to_vec()),
            }
        };
        assert_eq!(status, v.status, "{}", v.name);
        if status == Status::Ok {
            assert_eq!(&out[..out_len as usize], &v.output[..], "{}", v.name);
        }
        if let Some(m) = &v.message {
            assert_eq!(msg, m.as_bytes(), "{}", v.name);
        }
    }
}

#[test]
fn every_kind_vector_through_pool_and_ring() {
    let all = load();
    // Input i at i * STRIDE, output at OUT_BASE + i * STRIDE.
    const STRIDE: u32 = 8192;
    let out_base = STRIDE * all.len() as u32;
    for workers in [1, 2] {
        let mut d = Driver::new(64, workers, &[(0, 2 * out_base as usize)]).unwrap();
        let mut idxs = Vec::new();
        for (i, v) in all.iter().enumerate() {
            let i = i as u32;
            assert!(v.input.len() < STRIDE as usize);
            prepare(
                &mut d,
                i,
                v.kind,
                &v.input,
                i * STRIDE,
                out_base + i * STRIDE,
                STRIDE,
            );
            idxs.push(i);
        }
        assert_eq!(d.submit_raw(&idxs).unwrap() as usize, all.len());
        let mut done = wait_all(&mut d, all.len());
        done.sort_unstable();
        assert_eq!(done, idxs);
        for (i, v) in all.iter().enumerate() {
            let r = d.slot(i as u32).result();
            assert_eq!(r.status, v.status.code(), "{} (workers {workers})", v.name);
            assert!(r.worker < workers, "{}", v.name);
            if v.status == Status::Ok {
                assert_eq!(r.out_len as usize, v.output.len(), "{}", v.name);
                let out = d
                    .segment(0)
                    .read((out_base + i as u32 * STRIDE) as usize, r.out_len as usize);
                assert_eq!(out, v.output, "{}", v.name);
                assert!(r.msg.is_empty(), "{}", v.name);
            }
            if let Some(m) = &v.message {
                assert_eq!(r.msg, m.as_bytes(), "{}", v.name);
            }
        }
        let s = d.pool().stats();
        assert_eq!(s.completed, all.len() as u64);
        assert_eq!(
            s.panics,
            all.iter().filter(|v| v.status == Status::TaskPanic).count() as u64
        );
        assert_eq!((s.queued, s.running, s.workers), (0, 0, u64::from(workers)));
    }
}
