package pool

import (
	"sync/atomic"
	"testing"
	"time"
)

// Close with running and queued tasks: running handlers see shutdown,
// queued ones complete ABORTED unrun, Close returns 0, and afterwards the
// pool refuses work and never notifies again.
func TestCloseWithRunningTasks(t *testing.T) {
	h := openHarness(t, 16, 2)
	p := h.p
	var notifies atomic.Int32
	p.SetNotify(func() { notifies.Add(1) })
	arena := h.seg(0, 256)
	h.task(0, put(arena, 0, 3, micros(60_000_000), 0, 128, 0))  // spin
	h.task(1, put(arena, 0, 4, micros(60_000_000), 16, 128, 0)) // sleep
	var idxs []uint32
	for i := uint32(2); i < 10; i++ {
		h.task(i, put(arena, 0, 1, []byte("q"), 32, 128, 8))
		idxs = append(idxs, i)
	}
	h.submit(0, 1)
	h.untilRunning(2)
	h.submit(idxs...)

	start := time.Now()
	busy, err := p.Close(testDeadline)
	if busy != 0 || err != nil {
		t.Fatalf("Close: busy %d err %v", busy, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	// All ten completed; memory still readable (it is ours); no more pool
	// access from here on.
	if n := atomic.LoadUint32(h.r.CompTail()); n != 10 {
		t.Fatalf("comp_tail %d, want 10", n)
	}
	for i := uint32(0); i < 10; i++ {
		r := h.result(i)
		wantResult(t, "closed", r, StatusAborted, "pool closed")
		if i >= 2 && r.Worker != NoWorker {
			t.Errorf("queued slot %d: worker %d", i, r.Worker)
		}
	}
	if _, err := p.Submit(0, 1); err != ErrClosed {
		t.Errorf("Submit after close: %v", err)
	}
	if _, err := p.Wait(0); err != ErrClosed {
		t.Errorf("Wait after close: %v", err)
	}
	if err := p.Inject(Faults{ErrorRate: 1, DelayFactor: 1}); err != ErrClosed {
		t.Errorf("Inject after close: %v", err)
	}
	if err := p.RegisterSegment(1, nil); err != ErrClosed {
		t.Errorf("RegisterSegment after close: %v", err)
	}
	n := notifies.Load()
	if n < 1 {
		t.Errorf("no notify before close returned")
	}
	if busy, _ := p.Close(0); busy != 0 {
		t.Errorf("second Close: busy %d", busy)
	}
	if notifies.Load() != n {
		t.Errorf("notify after Close returned 0")
	}
	if st := p.Stats(); st.Queued != 0 || st.Running != 0 || st.Completed != 10 {
		t.Errorf("stats %+v", st)
	}
}

// Close of an idle pool with timeout 0 returns 0 at once.
func TestCloseIdleImmediately(t *testing.T) {
	ctrl := make([]byte, ControlSize(8))
	WriteHeader(ctrl, 8)
	p, err := New(ctrl, 4)
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := p.Close(0); busy != 0 || err != nil {
		t.Fatalf("Close(0): %d %v", busy, err)
	}
	if _, err := p.Close(-time.Millisecond); err != ErrBadArg {
		t.Errorf("negative timeout: %v", err)
	}
}

// Close with a timeout shorter than a busy handler's reaction reports it busy;
// a later Close waits for it.
func TestCloseReportsBusy(t *testing.T) {
	h := openHarness(t, 8, 1)
	p := h.p
	arena := h.seg(0, 64)
	h.task(0, put(arena, 0, 4, micros(60_000_000), 0, 32, 0))
	// Hold the segment lock for writing: the worker blocks in its data phase
	// (parsing the sleep input), so it stays busy past Close's timeout.
	p.segs.mu.Lock()
	h.submit(0)
	h.untilRunning(1)
	busy, _ := p.Close(0)
	if busy != 1 {
		t.Errorf("Close(0) with a blocked worker: busy %d, want 1", busy)
	}
	if _, err := p.Wait(0); err == ErrClosed {
		t.Errorf("Wait: closed before the busy worker finished")
	}
	p.segs.mu.Unlock()
	if busy, _ := p.Close(testDeadline); busy != 0 {
		t.Fatalf("second Close: busy %d", busy)
	}
	wantResult(t, "busy at close", h.result(0), StatusAborted, "pool closed")
}
