package pool

// Waiting kinds off the worker (offworker.go): overlap, cancel, close, the
// bound, faults, panics, grouping.

import (
	"sync/atomic"
	"testing"
	"time"
)

// sleeps queues n sleep tasks of us microseconds in slots 0..n-1 (input
// in arena, segment 0) and submits them in one call.
func (h *harness) sleeps(arena []byte, n int, us int) []uint32 {
	h.t.Helper()
	var idxs []uint32
	for i := uint32(0); i < uint32(n); i++ {
		h.task(i, put(arena, 0, 4, micros(us), 0, 32, 0))
		idxs = append(idxs, i)
	}
	if got := h.submit(idxs...); got != n {
		h.t.Fatalf("submit accepted %d of %d", got, n)
	}
	return idxs
}

// untilTokens polls until n off-worker tokens are taken (a condition: a
// task counts as running from just before its worker takes the token, and
// its goroutine gives the token back just after it published).
func (h *harness) untilTokens(n int32) {
	h.t.Helper()
	deadline := time.Now().Add(testDeadline)
	for h.p.off.running.Load() != n {
		if time.Now().After(deadline) {
			h.t.Fatalf("untilTokens(%d): %d taken", n, h.p.off.running.Load())
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// The set of waiting kinds is a property of the kind table: sleep only.
func TestWaitingKindsAreSleepOnly(t *testing.T) {
	for _, k := range kindTable {
		if k != nil && k.waits != (k.Name == "sleep") {
			t.Errorf("kind %s: waits = %v", k.Name, k.waits)
		}
	}
}

// One worker, 100 concurrent 20 ms sleeps: they overlap (running > 1, seen
// as a condition) and all end far sooner than 100 x 20 ms = 2 s in series.
func TestSleepsOverlapOnOneWorker(t *testing.T) {
	const n, us = 100, 20_000
	h := newHarness(t, 128, 1)
	start := time.Now()
	idxs := h.sleeps(h.seg(0, 64), n, us)
	h.untilRunning(2)
	h.await(n)
	if d := time.Since(start); d >= time.Second {
		t.Errorf("%d sleeps of %d us on one worker took %v: they did not overlap", n, us, d)
	}
	for _, i := range idxs {
		r := h.result(i)
		wantResult(t, "sleep", r, StatusOK, "")
		if r.Worker != NoWorker {
			t.Errorf("slot %d: worker %d, want NoWorker (the intake started it)", i, r.Worker)
		}
		if time.Duration(r.ExecNs) < us*time.Microsecond {
			t.Errorf("slot %d: exec_ns %v < the sleep", i, time.Duration(r.ExecNs))
		}
	}
	if st := h.p.Stats(); st.Running != 0 || st.Completed != n {
		t.Errorf("stats %+v", st)
	}
}

// 100 sleeps of 60 s all run at once on one worker (only possible off the
// worker), count as running, leave the worker free for an echo, and end
// ABORTED when cancelled.
func TestOffWorkerSleepsCancel(t *testing.T) {
	const n = 100
	h := newHarness(t, 128, 1)
	idxs := h.sleeps(h.seg(0, 64), n, 60_000_000)
	h.untilRunning(n)
	h.untilTokens(n) // all n wait off the worker at once
	arena := h.seg(1, 64)
	h.task(n, put(arena, 1, 1, []byte("free"), 40, 48, 8))
	h.submit(n)
	if got := h.await(1); got[0] != n {
		t.Fatalf("first completion %d, want the echo %d", got[0], n)
	}
	wantResult(t, "echo beside the sleeps", h.result(n), StatusOK, "")
	for _, i := range idxs {
		h.cancel(i)
	}
	h.await(n)
	for _, i := range idxs {
		wantResult(t, "cancelled off-worker sleep", h.result(i), StatusAborted, "cancelled")
	}
	h.untilTokens(0)
}

// Close ends off-worker sleeps ABORTED, waits for their results, returns 0.
func TestCloseEndsOffWorkerSleeps(t *testing.T) {
	const n = 10
	h := newHarness(t, 16, 1)
	idxs := h.sleeps(h.seg(0, 64), n, 60_000_000)
	h.untilRunning(n)
	start := time.Now()
	if busy, err := h.p.Close(testDeadline); busy != 0 || err != nil {
		t.Fatalf("Close: busy %d err %v", busy, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	if tail := atomic.LoadUint32(h.r.CompTail()); tail != n {
		t.Fatalf("comp_tail %d, want %d: Close returned before every result was published", tail, n)
	}
	for _, i := range idxs {
		wantResult(t, "closed", h.result(i), StatusAborted, "pool closed")
	}
	if st := h.p.Stats(); st.Running != 0 || st.Completed != n {
		t.Errorf("stats %+v", st)
	}
}

// An off-worker wait counts as busy: Close(0) while one cannot stop yet
// returns 1, and a later Close returns 0 once it ended.
func TestCloseCountsOffWorkerWaitsBusy(t *testing.T) {
	h := newHarness(t, 8, 1)
	entered, release := make(chan struct{}), make(chan struct{})
	h.p.off.testHook = func() {
		entered <- struct{}{}
		<-release
	}
	h.sleeps(h.seg(0, 64), 1, 60_000_000)
	select {
	case <-entered:
	case <-time.After(testDeadline):
		close(release)
		t.Fatal("the sleep never reached its off-worker goroutine")
	}
	if busy, _ := h.p.Close(0); busy != 1 {
		t.Errorf("Close(0) with an off-worker wait held: busy %d, want 1", busy)
	}
	if _, err := h.p.Wait(0); err == ErrClosed {
		t.Errorf("Wait: closed before the off-worker wait finished")
	}
	close(release)
	if busy, _ := h.p.Close(testDeadline); busy != 0 {
		t.Fatalf("second Close: busy %d", busy)
	}
	wantResult(t, "off-worker at close", h.result(0), StatusAborted, "pool closed")
}

// With the bound at 2, a third sleep waits on the worker; all still end.
func TestOffWorkerBoundRunsExtraOnWorker(t *testing.T) {
	h := newHarness(t, 8, 1)
	h.p.off.limit = 2
	idxs := h.sleeps(h.seg(0, 64), 3, 60_000_000)
	// Two off the worker, the third on it: tasks 0 and 1 took their tokens
	// in Submit (intake.go), task 2 found none and queued for the worker.
	h.untilRunning(3)
	if got := h.p.off.running.Load(); got != 2 {
		t.Errorf("off-worker waits %d, want the bound 2", got)
	}
	for _, i := range idxs {
		h.cancel(i)
	}
	h.await(3)
	for _, i := range idxs {
		wantResult(t, "bounded", h.result(i), StatusAborted, "cancelled")
	}

	// Short sleeps past the bound complete OK, some on the worker.
	h2 := newHarness(t, 16, 1)
	h2.p.off.limit = 1
	idxs = h2.sleeps(h2.seg(0, 64), 8, 2000)
	h2.await(8)
	for _, i := range idxs {
		wantResult(t, "bounded short", h2.result(i), StatusOK, "")
	}
	h2.untilTokens(0)
}

// Fault injection applies off the worker: a hang waits there until
// cancelled; an injected error ends on the worker and gives its token back.
// (TestInjectDelay and TestInjectDelayCancel cover the delay: they sleep.)
func TestOffWorkerFaults(t *testing.T) {
	h := newHarness(t, 8, 1)
	if err := h.p.Inject(Faults{HangRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	h.sleeps(h.seg(0, 64), 1, 1)
	h.untilTokens(1) // the hang waits off the worker
	h.cancel(0)
	h.await(1)
	wantResult(t, "hang", h.result(0), StatusAborted, "cancelled")

	h2 := newHarness(t, 8, 1)
	if err := h2.p.Inject(Faults{ErrorRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	h2.sleeps(h2.seg(0, 64), 1, 60_000_000)
	h2.await(1)
	wantResult(t, "injected", h2.result(0), StatusInjected, "injected fault")
	h2.untilTokens(0)
}

// A panic on the off-worker goroutine is recovered there: TASK_PANIC with
// the panic value, counted, and the pool keeps serving.
func TestOffWorkerPanicRecovered(t *testing.T) {
	h := newHarness(t, 8, 1)
	h.p.off.testHook = func() { panic("off-worker boom") }
	h.sleeps(h.seg(0, 64), 1, 1000)
	h.await(1)
	wantResult(t, "off-worker panic", h.result(0), StatusTaskPanic, "off-worker boom")
	arena := h.seg(1, 64)
	h.task(1, put(arena, 1, 1, []byte("after"), 40, 48, 8))
	h.submit(1)
	h.await(1)
	wantResult(t, "echo after", h.result(1), StatusOK, "")
	if st := h.p.Stats(); st.Panics != 1 || st.Completed != 2 || st.Running != 0 {
		t.Errorf("stats %+v", st)
	}
}

// A handed-off sleep does not publish the worker's pending group first
// (rule 3 is about waits on the worker): echo, sleep, echo, sleep, echo in
// one grab is 3 groups (two sleeps alone, the echoes together at rule 1),
// not 5.
func TestHandOffDoesNotPublishPendingFirst(t *testing.T) {
	h := newHarness(t, 8, 1)
	h.p.groupAge = noAge
	arena := h.seg(0, 64)
	for i := uint32(0); i < 5; i++ {
		if i%2 == 1 {
			h.task(i, put(arena, 0, 4, micros(1000), 0, 32, 0))
		} else {
			h.task(i, put(arena, 0, 1, nil, 8, 32, 0))
		}
	}
	h.submit(0, 1, 2, 3, 4)
	h.await(5)
	if g := h.p.comp.groupCount(); g != 3 {
		t.Errorf("groups %d, want 3", g)
	}
}
