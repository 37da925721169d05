package pool

// Cancel and Close reach every task the intake (intake.go) holds: queued on
// waitQ, in its grab, handed off. The intake is held in place by the
// segment write lock: it blocks in the data phase of its first task, so the
// tasks submitted next stay on waitQ.

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// blockIntake takes the segment write lock, submits a 60 s sleep in slot
// idx and returns once the intake started it (it is then blocked in its
// data phase). The caller unlocks h.p.segs.mu.
func (h *harness) blockIntake(arena []byte, idx uint32) {
	h.t.Helper()
	h.task(idx, put(arena, 0, 4, micros(60_000_000), 0, 0, 0))
	h.p.segs.mu.Lock()
	before := h.intakeCounters().started.Load()
	h.submit(idx)
	h.untilStarted(h.intakeCounters(), before+1)
}

// waitQLen is len(waitQ) under mu.
func (p *Pool) waitQLen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitQ.len()
}

// Cancel ends tasks queued for the intake (ABORTED unrun, exec_ns 0) and
// tasks it handed off; every token comes back.
func TestIntakeCancelQueuedAndHandedOff(t *testing.T) {
	h := newHarness(t, 16, 1)
	arena := h.seg(0, 64)
	h.blockIntake(arena, 0)
	for i := uint32(1); i <= 5; i++ {
		h.task(i, put(arena, 0, 4, micros(60_000_000), 0, 0, 0))
	}
	h.submit(1, 2, 3, 4, 5)
	if n := h.p.waitQLen(); n != 5 {
		t.Fatalf("waitQ holds %d, want 5", n)
	}
	if n := h.p.off.running.Load(); n != 6 {
		t.Fatalf("tokens %d, want 6 (one per task)", n)
	}
	if st := h.p.Stats(); st.Queued != 5 || st.Running != 1 {
		t.Errorf("stats %+v, want 5 queued, 1 running", st)
	}
	for i := uint32(1); i <= 3; i++ {
		h.cancel(i)
	}
	h.p.segs.mu.Unlock()
	for _, i := range h.await(3) {
		if i < 1 || i > 3 {
			t.Fatalf("completion %d, want a cancelled one (1-3)", i)
		}
		r := h.result(i)
		wantResult(t, "cancelled on waitQ", r, StatusAborted, "cancelled")
		if r.ExecNs != 0 || r.Worker != NoWorker {
			t.Errorf("slot %d: exec_ns %d worker %d", i, r.ExecNs, r.Worker)
		}
	}
	h.untilWatch(true, 3) // 0, 4, 5 wait off the worker
	h.untilTokens(3)
	for _, i := range []uint32{0, 4, 5} {
		h.cancel(i)
	}
	for _, i := range h.await(3) {
		wantResult(t, "cancelled off the worker", h.result(i), StatusAborted, "cancelled")
	}
	h.untilTokens(0)
	if st := h.p.Stats(); st.Completed != 6 || st.Running != 0 || st.Queued != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Close ends everything the intake holds: Close itself aborts waitQ (and
// gives back its tokens), the intake's blocked task ends at shutdown, an
// off-worker wait it started ends too; Close reports the blocked intake
// busy until it finished, then 0, and every task completed once.
func TestCloseEndsIntakeTasks(t *testing.T) {
	h := newHarness(t, 16, 1)
	arena := h.seg(0, 64)
	h.task(6, put(arena, 0, 4, micros(60_000_000), 0, 0, 0))
	h.submit(6)
	h.untilWatch(true, 1) // slot 6 handed off
	h.blockIntake(arena, 0)
	for i := uint32(1); i <= 5; i++ {
		h.task(i, put(arena, 0, 4, micros(60_000_000), 0, 0, 0))
	}
	h.submit(1, 2, 3, 4, 5)
	if busy, _ := h.p.Close(0); busy < 1 {
		t.Errorf("Close(0) with the intake blocked: busy %d, want >= 1", busy)
	}
	// Close published waitQ's five before it waited.
	if tail := atomic.LoadUint32(h.r.CompTail()); tail < 5 {
		t.Errorf("comp_tail %d after Close(0), want >= 5", tail)
	}
	for i := uint32(1); i <= 5; i++ {
		r := h.result(i)
		wantResult(t, "on waitQ at close", r, StatusAborted, "pool closed")
		if r.Worker != NoWorker || r.ExecNs != 0 {
			t.Errorf("slot %d: worker %d exec_ns %d", i, r.Worker, r.ExecNs)
		}
	}
	if n := h.p.off.running.Load(); n > 2 {
		t.Errorf("tokens %d after Close took waitQ, want <= 2", n)
	}
	if _, err := h.p.Wait(0); err == ErrClosed {
		t.Errorf("Wait: closed while the intake is still busy")
	}
	h.p.segs.mu.Unlock()
	if busy, err := h.p.Close(testDeadline); busy != 0 || err != nil {
		t.Fatalf("second Close: busy %d err %v", busy, err)
	}
	if tail := atomic.LoadUint32(h.r.CompTail()); tail != 7 {
		t.Fatalf("comp_tail %d, want 7", tail)
	}
	for _, i := range []uint32{0, 6} {
		wantResult(t, "running at close", h.result(i), StatusAborted, "pool closed")
	}
	if n := h.p.off.running.Load(); n != 0 {
		t.Errorf("tokens %d after Close returned 0", n)
	}
	if st := h.p.Stats(); st.Completed != 7 || st.Running != 0 || st.Queued != 0 {
		t.Errorf("stats %+v", st)
	}
}

// After Close no goroutine of the pool is left (workers, intake, off-worker
// waits, watcher), whether the intake was parked or working.
func TestIntakeNoGoroutineLeakAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, load := range []bool{false, true} {
		h := openHarness(t, 256, 2)
		p := h.p
		if load {
			arena := h.seg(0, 64)
			var idxs []uint32
			for i := uint32(0); i < 200; i++ {
				kind := uint16(4)
				if i%4 == 0 {
					kind = 3 // spin
				}
				h.task(i, put(arena, 0, kind, micros(60_000_000), 0, 0, 0))
				idxs = append(idxs, i)
			}
			h.submit(idxs...)
			h.untilWatch(true, 150)
		}
		if busy, err := p.Close(testDeadline); busy != 0 || err != nil {
			t.Fatalf("Close: busy %d err %v", busy, err)
		}
	}
	awaitGoroutinesBack(t, before)
}
