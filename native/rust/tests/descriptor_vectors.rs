//! Every vector of test/vectors/descriptors.json: a segment table and one
//! descriptor per vector, through the pool's bounds checks.

mod common;

use common::*;
use crossfair_rust::descriptor::Descriptor;
use crossfair_rust::driver::Driver;
use crossfair_rust::status::Status;

fn field(d: &serde_json::Value, k: &str) -> u32 {
    d[k].as_u64().unwrap_or_else(|| panic!("desc.{k}")) as u32
}

#[test]
fn every_descriptor_vector() {
    let v = vectors("descriptors.json");
    check_tables(&v);
    let all = v["vectors"].as_array().unwrap();
    assert!(all.len() >= 10, "vector file looks truncated");
    for x in all {
        let name = x["name"].as_str().unwrap();
        let segs: Vec<(u32, usize)> = x["segments"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, len)| (id.parse().unwrap(), len.as_u64().unwrap() as usize))
            .collect();
        let mut d = Driver::new(8, 1, &segs).unwrap();
        // Fill every segment with a pattern so an OK echo is checkable.
        for &(id, len) in &segs {
            let pattern: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            d.segment(id).write(0, &pattern);
        }
        let j = &x["desc"];
        let desc = Descriptor {
            kind: field(j, "kind") as u16,
            in_seg: field(j, "in_seg"),
            in_off: field(j, "in_off"),
            in_len: field(j, "in_len"),
            out_seg: field(j, "out_seg"),
            out_off: field(j, "out_off"),
            out_cap: field(j, "out_cap"),
        };
        d.prepare(3, &desc);
        assert_eq!(d.submit_raw(&[3]).unwrap(), 1, "{name}");
        assert_eq!(wait_all(&mut d, 1), vec![3], "{name}");
        let r = d.slot(3).result();
        let want = status_of(x["status"].as_str().unwrap());
        assert_eq!(r.status, want.code(), "{name}");
        if let Some(n) = x.get("out_len") {
            assert_eq!(u64::from(r.out_len), n.as_u64().unwrap(), "{name}");
        }
        if want == Status::Ok && desc.kind == 1 {
            let input = d
                .segment(desc.in_seg)
                .read(desc.in_off as usize, desc.in_len as usize);
            let output = d
                .segment(desc.out_seg)
                .read(desc.out_off as usize, r.out_len as usize);
            assert_eq!(input, output, "{name}");
        }
    }
}

#[test]
fn bad_slot_index_is_skipped() {
    let v = vectors("descriptors.json");
    assert_eq!(
        v["bad_slot_index_is_skipped"],
        serde_json::Value::Bool(true)
    );
    let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
    prepare(
        &mut d,
        5,
        crossfair_rust::kinds::Kind::Echo,
        b"hi",
        0,
        100,
        8,
    );
    let accepted = d.submit_raw(&[8, u32::MAX, 5, 4096]).unwrap();
    assert_eq!(accepted, 1, "only the in-range index counts");
    assert_eq!(wait_all(&mut d, 1), vec![5]);
    assert_eq!(d.slot(5).result().status, Status::Ok.code());
    // Nothing else arrives: close publishes whatever is left, and nothing is.
    assert_eq!(d.pool().close(DEADLINE), 0);
    let mut rest = Vec::new();
    d.drain(&mut rest);
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(d.pool().stats().completed, 1);
}
