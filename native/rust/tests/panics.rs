//! A panicking handler -> TASK_PANIC with the payload as message; the pool
//! keeps serving.

mod common;

use common::*;
use crossfair_rust::driver::Driver;
use crossfair_rust::kinds::Kind;
use crossfair_rust::status::Status;

#[test]
fn panic_becomes_task_panic_and_the_pool_keeps_serving() {
    let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
    prepare(&mut d, 0, Kind::Panic, b"kaboom", 0, 100, 0);
    prepare(&mut d, 1, Kind::Echo, b"still here", 16, 200, 16);
    d.submit_raw(&[0, 1]).unwrap();
    wait_all(&mut d, 2);
    let r = d.slot(0).result();
    assert_eq!(
        (r.status, r.msg.as_slice()),
        (Status::TaskPanic.code(), &b"kaboom"[..])
    );
    let r = d.slot(1).result();
    assert_eq!(r.status, Status::Ok.code());
    assert_eq!(d.segment(0).read(200, r.out_len as usize), b"still here");
    assert_eq!(d.pool().stats().panics, 1);
}

#[test]
fn ten_thousand_panics_on_two_workers() {
    const ROUNDS: usize = 10_000 / 64;
    let mut d = Driver::new(64, 2, &[(0, 4096)]).unwrap();
    d.segment(0).write(0, b"oops");
    let idxs: Vec<u32> = (0..64).collect();
    for _ in 0..ROUNDS {
        for &i in &idxs {
            d.prepare(i, &desc(Kind::Panic, 0, 4, 0, 0));
        }
        d.submit_raw(&idxs).unwrap();
        for i in wait_all(&mut d, 64) {
            let r = d.slot(i).result();
            assert_eq!(
                (r.status, r.msg.as_slice()),
                (Status::TaskPanic.code(), &b"oops"[..])
            );
        }
    }
    let s = d.pool().stats();
    assert_eq!(
        (s.panics, s.completed, s.workers),
        ((ROUNDS * 64) as u64, (ROUNDS * 64) as u64, 2)
    );
}
