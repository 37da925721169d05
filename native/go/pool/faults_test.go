package pool

import (
	"testing"
	"time"
)

func TestInjectErrorRate(t *testing.T) {
	h := newHarness(t, 16, 2)
	arena := h.seg(0, 256)
	if err := h.p.Inject(Faults{ErrorRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	var idxs []uint32
	for i := uint32(0); i < 16; i++ {
		h.task(i, put(arena, 0, 1, []byte("x"), 0, 128, 8))
		idxs = append(idxs, i)
	}
	h.submit(idxs...)
	h.await(16)
	for _, i := range idxs {
		wantResult(t, "injected", h.result(i), StatusInjected, "injected fault")
	}
	// Clearing restores normal service.
	if err := h.p.Inject(Faults{DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	h.task(0, put(arena, 0, 1, []byte("x"), 0, 128, 8))
	h.submit(0)
	h.await(1)
	wantResult(t, "after clear", h.result(0), StatusOK, "")
}

// A rate strictly between 0 and 1 injects some and not all (p = 0.5, 400
// tasks: all-or-none has probability 2^-399).
func TestInjectErrorRatePartial(t *testing.T) {
	h := newHarness(t, 512, 2)
	arena := h.seg(0, 256)
	if err := h.p.Inject(Faults{ErrorRate: 0.5, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	var idxs []uint32
	for i := uint32(0); i < 400; i++ {
		h.task(i, put(arena, 0, 1, nil, 0, 128, 8))
		idxs = append(idxs, i)
	}
	h.submit(idxs...)
	h.await(len(idxs))
	injected := 0
	for _, i := range idxs {
		if h.result(i).Status == StatusInjected {
			injected++
		}
	}
	if injected == 0 || injected == len(idxs) {
		t.Errorf("injected %d of %d", injected, len(idxs))
	}
}

// hangRate 1: the handler hangs until cancelled, then ABORTED.
func TestInjectHang(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 256)
	if err := h.p.Inject(Faults{HangRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	h.task(0, put(arena, 0, 1, []byte("x"), 0, 128, 8))
	h.submit(0)
	h.untilRunning(1)
	if n, _ := h.p.Wait(0); n != 0 {
		t.Fatal("hung task completed")
	}
	h.cancel(0)
	h.await(1)
	wantResult(t, "hang", h.result(0), StatusAborted, "cancelled")
}

// delayFactor 3 on a 2 ms sleep: the task takes at least 6 ms (a lower
// bound, so no timing flake), and the output is intact.
func TestInjectDelay(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 256)
	if err := h.p.Inject(Faults{DelayFactor: 3}); err != nil {
		t.Fatal(err)
	}
	h.task(0, put(arena, 0, 4, micros(2000), 0, 128, 8))
	h.submit(0)
	h.await(1)
	r := h.result(0)
	wantResult(t, "delay", r, StatusOK, "")
	if time.Duration(r.ExecNs) < 6*time.Millisecond {
		t.Errorf("exec_ns %v, want >= 6ms", time.Duration(r.ExecNs))
	}
}

// The injected delay is cancellable.
func TestInjectDelayCancel(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 256)
	// MaxDelayFactor x a 30 ms sleep: 30 s of delay unless the cancel works.
	// The cancel is sent once the sleep is most likely over, so it lands in
	// the delay (landing in the sleep would end ABORTED too).
	if err := h.p.Inject(Faults{DelayFactor: MaxDelayFactor}); err != nil {
		t.Fatal(err)
	}
	h.task(0, put(arena, 0, 4, micros(30_000), 0, 128, 8))
	h.submit(0)
	h.untilRunning(1)
	time.Sleep(60 * time.Millisecond)
	h.cancel(0)
	h.await(1)
	wantResult(t, "delay cancel", h.result(0), StatusAborted, "cancelled")
}

func TestInjectValidation(t *testing.T) {
	h := newHarness(t, 8, 1)
	for _, f := range []Faults{
		{ErrorRate: -0.1, DelayFactor: 1}, {ErrorRate: 1.1, DelayFactor: 1}, {HangRate: 2, DelayFactor: 1},
		{DelayFactor: 0.5}, {DelayFactor: 0}, {}, {DelayFactor: MaxDelayFactor + 1e-9},
		{ErrorRate: nan(), DelayFactor: 1}, {DelayFactor: nan()}, {DelayFactor: inf()},
	} {
		if err := h.p.Inject(f); err != ErrBadArg {
			t.Errorf("Inject(%+v) = %v, want ErrBadArg", f, err)
		}
	}
	for _, f := range []Faults{NoFaults, {DelayFactor: 1}} {
		if err := h.p.Inject(f); err != nil || h.p.faults.Load() != nil {
			t.Errorf("Inject(%+v) did not clear: %v", f, err)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }
