package pool

import "testing"

// A running spin or sleep sees its cancel word and ends ABORTED.
func TestCancelRunning(t *testing.T) {
	for _, kind := range []uint16{3, 4} { // spin, sleep
		h := newHarness(t, 8, 1)
		arena := h.seg(0, 64)
		h.task(0, put(arena, 0, kind, micros(60_000_000), 0, 32, 0))
		h.submit(0)
		h.untilRunning(1)
		h.cancel(0)
		h.await(1)
		r := h.result(0)
		wantResult(t, "cancel running", r, StatusAborted, "cancelled")
		want := uint32(0)
		if kind == 4 {
			want = NoWorker // the intake started it (intake.go)
		}
		if r.Worker != want {
			t.Errorf("kind %d: worker %d, want %d", kind, r.Worker, want)
		}
	}
}

// A queued task whose cancel word is set when a worker pops it ends ABORTED
// without running (exec_ns 0, output untouched).
func TestCancelQueued(t *testing.T) {
	for _, kind := range []uint16{1, 3, 4} { // echo, spin, sleep
		h := newHarness(t, 8, 1)
		// No off-worker token: a sleep queues behind the spin on q like any
		// task. With one it would start on the intake at once (intake.go;
		// TestIntakeCancelQueuedAndHandedOff covers that queue).
		h.p.off.limit = 0
		arena := h.seg(0, 64)
		// spin, not sleep: a sleep waits off the worker (offworker.go).
		h.task(0, put(arena, 0, 3, micros(60_000_000), 0, 32, 0)) // occupies the only worker
		h.submit(0)
		h.untilRunning(1)
		h.task(1, put(arena, 0, kind, micros(1), 16, 40, 16))
		arena[40] = 0xEE
		h.submit(1)
		h.cancel(1)
		h.cancel(0)
		got := h.await(2)
		if got[0] != 0 || got[1] != 1 {
			t.Fatalf("completion order %v", got)
		}
		r := h.result(1)
		wantResult(t, "cancel queued", r, StatusAborted, "cancelled")
		if r.ExecNs != 0 || r.OutLen != 0 || arena[40] != 0xEE {
			t.Errorf("queued task ran: %+v out[0]=%x", r, arena[40])
		}
	}
}
