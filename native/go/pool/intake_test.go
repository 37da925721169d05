package pool

// The intake (intake.go): a waiting task starts beside busy workers, the
// token bound falls back to a worker, faults and bad descriptors on either
// route. Tests that need the worker busy give it a 60 s spin and cancel it
// at the end: a sleep that completes while the spin is still pending did
// not queue behind it.

import (
	"bytes"
	"testing"
	"time"
)

// untilStarted polls until the counters c show n tasks started (a
// condition, as untilRunning).
func (h *harness) untilStarted(c *workerCounters, n uint64) {
	h.t.Helper()
	deadline := time.Now().Add(testDeadline)
	for c.started.Load() < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("untilStarted(%d): %d", n, c.started.Load())
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// intakeCounters returns the intake's counters (started/completed/panics).
func (h *harness) intakeCounters() *workerCounters {
	return &h.p.counters[h.p.workers+intakeCounters]
}

// busyWorker gives worker 0 of a one-worker pool a 60 s spin in slot idx
// (input at arena[off:]) and returns once the worker started it.
func (h *harness) busyWorker(arena []byte, idx, off uint32) {
	h.t.Helper()
	h.task(idx, put(arena, 0, 3, micros(60_000_000), off, off, 0))
	h.submit(idx)
	h.untilStarted(&h.p.counters[0], 1)
}

// endBusyWorker cancels the spin of busyWorker, which must still be
// pending, and the tasks queued behind it, and checks the spin ends ABORTED
// on worker 0 and the queued tasks ABORTED.
func (h *harness) endBusyWorker(idx uint32, queued ...uint32) {
	h.t.Helper()
	if st := h.result(idx).Status; st != StatusPending {
		h.t.Fatalf("the blocking spin ended early: status %d", st)
	}
	h.cancel(idx)
	for _, i := range queued {
		h.cancel(i)
	}
	h.await(1 + len(queued))
	r := h.result(idx)
	wantResult(h.t, "blocking spin", r, StatusAborted, "cancelled")
	if r.Worker != 0 {
		h.t.Errorf("spin ran on worker %d, want 0", r.Worker)
	}
	for _, i := range queued {
		wantResult(h.t, "queued behind the spin", h.result(i), StatusAborted, "cancelled")
	}
}

// Regression (sleeps queued behind CPU work): the only worker runs a spin
// and two more spins are queued ahead of a 20 ms sleep in one submit call;
// the sleep still starts at once and completes, with exec_ns about its
// duration, while the spin runs.
func TestSleepNotQueuedBehindSpins(t *testing.T) {
	const us = 20_000
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 64)
	h.busyWorker(arena, 0, 0)
	// Inputs apart from the running spin's (offset 0): it may read it still.
	h.task(1, put(arena, 0, 3, micros(60_000_000), 16, 16, 0))
	h.task(2, put(arena, 0, 3, micros(60_000_000), 16, 16, 0))
	h.task(3, put(arena, 0, 4, micros(us), 32, 32, 0))
	h.submit(1, 2, 3) // FIFO order: the sleep is behind two spins
	if got := h.await(1); got[0] != 3 {
		t.Fatalf("first completion %d, want the sleep 3", got[0])
	}
	r := h.result(3)
	wantResult(t, "sleep beside spins", r, StatusOK, "")
	if r.Worker != NoWorker {
		t.Errorf("worker %d, want NoWorker (started by the intake)", r.Worker)
	}
	// Lower bound exact; the upper bound only says it was not serialised
	// behind anything (generous for -race and a loaded machine).
	if e := time.Duration(r.ExecNs); e < us*time.Microsecond || e > us*time.Microsecond+time.Second {
		t.Errorf("exec_ns %v for a %v sleep", e, us*time.Microsecond)
	}
	h.endBusyWorker(0, 1, 2)
}

// With no token free a waiting task goes on q and runs on a worker, while
// the task holding the only token waits off the worker.
func TestWaitingTaskWithoutTokenRunsOnWorker(t *testing.T) {
	h := newHarness(t, 8, 1)
	h.p.off.limit = 1
	arena := h.seg(0, 64)
	h.task(0, put(arena, 0, 4, micros(60_000_000), 0, 32, 0))
	h.submit(0)
	h.untilTokens(1)
	h.untilWatch(true, 1) // handed off: its wait is registered
	h.task(1, put(arena, 0, 4, micros(1000), 16, 32, 0))
	h.submit(1)
	if got := h.await(1); got[0] != 1 {
		t.Fatalf("completion %d, want 1", got[0])
	}
	r := h.result(1)
	wantResult(t, "no token", r, StatusOK, "")
	if r.Worker != 0 {
		t.Errorf("worker %d, want 0: it should have run on the worker", r.Worker)
	}
	if n := h.p.off.running.Load(); n != 1 {
		t.Errorf("tokens %d, want 1 (slot 0's)", n)
	}
	h.cancel(0)
	h.await(1)
	r = h.result(0)
	wantResult(t, "off the worker", r, StatusAborted, "cancelled")
	if r.Worker != NoWorker {
		t.Errorf("worker %d, want NoWorker", r.Worker)
	}
	h.untilTokens(0)
	if st := h.p.Stats(); st.Completed != 2 || st.Running != 0 || st.Queued != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Fault injection applies to sleeps started by the intake as on a worker:
// errorRate 1 ends them INJECTED there (token back), hangRate 1 hangs them
// off the worker until cancelled, delayFactor 3 triples them. worker =
// NoWorker shows the route; the worker is busy with a spin meanwhile.
func TestIntakeFaults(t *testing.T) {
	h := newHarness(t, 16, 1)
	arena := h.seg(0, 64)
	h.busyWorker(arena, 0, 0)
	intake := h.intakeCounters()

	if err := h.p.Inject(Faults{ErrorRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	for i := uint32(1); i <= 4; i++ {
		h.task(i, put(arena, 0, 4, micros(60_000_000), 16, 16, 0))
	}
	h.submit(1, 2, 3, 4)
	for _, i := range h.await(4) {
		r := h.result(i)
		wantResult(t, "injected", r, StatusInjected, "injected fault")
		if r.Worker != NoWorker {
			t.Errorf("slot %d: worker %d, want NoWorker", i, r.Worker)
		}
	}
	h.untilTokens(0)

	if err := h.p.Inject(Faults{HangRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	h.task(5, put(arena, 0, 4, micros(1), 16, 16, 0))
	h.task(6, put(arena, 0, 4, micros(1), 16, 16, 0))
	h.submit(5, 6)
	h.untilTokens(2)
	h.untilWatch(true, 2) // both hang off the worker
	h.cancel(5)
	h.cancel(6)
	for _, i := range h.await(2) {
		r := h.result(i)
		wantResult(t, "hang", r, StatusAborted, "cancelled")
		if r.Worker != NoWorker {
			t.Errorf("slot %d: worker %d, want NoWorker", i, r.Worker)
		}
	}

	if err := h.p.Inject(Faults{DelayFactor: 3}); err != nil {
		t.Fatal(err)
	}
	h.task(7, put(arena, 0, 4, micros(2000), 16, 16, 0))
	h.submit(7)
	h.await(1)
	r := h.result(7)
	wantResult(t, "delay", r, StatusOK, "")
	if time.Duration(r.ExecNs) < 6*time.Millisecond {
		t.Errorf("exec_ns %v, want >= 6ms (3 x 2 ms)", time.Duration(r.ExecNs))
	}
	if n := intake.started.Load(); n != 7 {
		t.Errorf("intake started %d tasks, want 7", n)
	}
	if err := h.p.Inject(NoFaults); err != nil {
		t.Fatal(err)
	}
	h.endBusyWorker(0)
	h.untilTokens(0)
}

// A corrupted descriptor completes with its error status and no crash on
// either route: through the intake (a token free) and through a worker
// (none free). An unknown kind never goes to the intake.
func TestIntakeBadDescriptors(t *testing.T) {
	cases := []struct {
		name string
		d    Desc
		st   Status
	}{
		{"in_off past the segment", Desc{Kind: 4, InOff: 60, InLen: 8}, StatusBadDescriptor},
		{"in_off+in_len wraps", Desc{Kind: 4, InOff: 0xFFFFFFF8, InLen: 16}, StatusBadDescriptor},
		{"out_off+out_cap wraps", Desc{Kind: 4, InLen: 4, OutOff: 0xFFFFFFFF, OutCap: 2}, StatusBadDescriptor},
		{"in_seg unregistered", Desc{Kind: 4, InSeg: 7, InLen: 4}, StatusBadDescriptor},
		{"out_seg out of range", Desc{Kind: 4, InLen: 4, OutSeg: 1 << 20}, StatusBadDescriptor},
		{"input not micros", Desc{Kind: 4, InOff: 32, InLen: 3}, StatusBadInput},
		{"unknown kind", Desc{Kind: 99, InLen: 4}, StatusUnknownKind},
		{"kind past the table", Desc{Kind: 0xFFFF, InLen: 4}, StatusUnknownKind},
	}
	for _, route := range []struct {
		name   string
		limit  int32
		worker uint32 // expected for kind 4; unknown kinds always run on worker 0
	}{{"intake", maxOffWaits, NoWorker}, {"worker", 0, 0}} {
		t.Run(route.name, func(t *testing.T) {
			h := newHarness(t, 16, 1)
			h.p.off.limit = route.limit
			arena := h.seg(0, 64)
			copy(arena, "1000")
			copy(arena[32:], "abc")
			var idxs []uint32
			for i, c := range cases {
				h.task(uint32(i), c.d)
				idxs = append(idxs, uint32(i))
			}
			h.submit(idxs...)
			h.await(len(idxs))
			for i, c := range cases {
				r := h.result(uint32(i))
				wantResult(t, c.name, r, c.st, "*")
				want := route.worker
				if c.d.Kind != 4 {
					want = 0
				}
				if r.Worker != want {
					t.Errorf("%s: worker %d, want %d", c.name, r.Worker, want)
				}
			}
			h.untilTokens(0)
			if st := h.p.Stats(); st.Completed != uint64(len(cases)) || st.Running != 0 || st.Queued != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A slot whose kind JS rewrote after submit (a protocol violation) is run
// for what it says when the intake reaches it: an echo runs there and gives
// the token back; an unknown kind fails UNKNOWN_KIND.
func TestIntakeRunsRewrittenKind(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 64)
	h.p.segs.mu.Lock() // the intake blocks in slot 0's data phase
	h.task(0, put(arena, 0, 4, micros(1000), 0, 0, 0))
	h.submit(0)
	h.untilStarted(h.intakeCounters(), 1)
	h.task(1, put(arena, 0, 4, micros(2000), 8, 16, 8))
	h.task(2, put(arena, 0, 4, micros(3000), 24, 24, 0))
	h.submit(1, 2)                         // both on waitQ, holding tokens
	le.PutUint16(h.r.Slot(1)[slKind:], 1)  // echo
	le.PutUint16(h.r.Slot(2)[slKind:], 77) // unknown
	h.p.segs.mu.Unlock()                   // orders the rewrites before the intake's reads
	h.await(3)
	wantResult(t, "sleep", h.result(0), StatusOK, "")
	r := h.result(1)
	wantResult(t, "rewritten to echo", r, StatusOK, "")
	if !bytes.Equal(arena[16:16+r.OutLen], []byte("2000")) || r.Worker != NoWorker {
		t.Errorf("echo: output %q, worker %d", arena[16:16+r.OutLen], r.Worker)
	}
	wantResult(t, "rewritten to unknown", h.result(2), StatusUnknownKind, "unknown kind 77")
	h.untilTokens(0)
}
