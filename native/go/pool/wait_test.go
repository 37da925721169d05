package pool

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Wait blocks until a completion is published, then reports it.
func TestWaitReturnsOnCompletion(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 64)
	if n, err := h.p.Wait(0); n != 0 || err != nil {
		t.Fatalf("Wait(0) on an idle pool: %d %v", n, err)
	}
	// Several parked waiters all wake on one completion.
	h.task(0, put(arena, 0, 4, micros(5000), 0, 32, 0))
	var wg sync.WaitGroup
	results := make([]int, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = h.p.Wait(testDeadline)
		}()
	}
	h.submit(0)
	wg.Wait()
	for i, n := range results {
		if n != 1 {
			t.Errorf("waiter %d: %d", i, n)
		}
	}
	h.await(1)
}

// Wait with nothing to report times out with 0.
func TestWaitTimeout(t *testing.T) {
	h := newHarness(t, 8, 1)
	start := time.Now()
	if n, err := h.p.Wait(5 * time.Millisecond); n != 0 || err != nil {
		t.Fatalf("Wait: %d %v", n, err)
	}
	if time.Since(start) < 5*time.Millisecond {
		t.Errorf("returned before the timeout")
	}
	if _, err := h.p.Wait(-1); err != ErrBadArg {
		t.Errorf("negative timeout: %v", err)
	}
}

// Close wakes a parked waiter; Wait then reports closed.
func TestWaitWokenByClose(t *testing.T) {
	ctrl := make([]byte, ControlSize(8))
	WriteHeader(ctrl, 8)
	p, _ := New(ctrl, 1)
	errc := make(chan error)
	go func() {
		_, err := p.Wait(testDeadline)
		errc <- err
	}()
	if busy, _ := p.Close(testDeadline); busy != 0 {
		t.Fatal("busy")
	}
	if err := <-errc; err != ErrClosed {
		t.Errorf("Wait: %v", err)
	}
}

// notify runs once per 0 -> 1 transition of wake, and SetNotify(nil) stops it.
func TestNotifyOncePerWake(t *testing.T) {
	h := newHarness(t, 16, 2)
	arena := h.seg(0, 64)
	var calls atomic.Int32
	h.p.SetNotify(func() { calls.Add(1) })
	var idxs []uint32
	for i := uint32(0); i < 16; i++ {
		h.task(i, put(arena, 0, 1, nil, 0, 32, 0))
		idxs = append(idxs, i)
	}
	h.submit(idxs...)
	// Don't reset wake: 16 completions, exactly one notify.
	for atomic.LoadUint32(h.r.CompTail()) != 16 {
		h.p.Wait(time.Second)
	}
	if c := calls.Load(); c != 1 || atomic.LoadUint32(h.r.Wake()) != 1 {
		t.Fatalf("notify calls %d, wake %d", c, atomic.LoadUint32(h.r.Wake()))
	}
	h.await(16) // resets wake
	h.p.SetNotify(nil)
	h.task(0, put(arena, 0, 1, nil, 0, 32, 0))
	h.submit(0)
	h.await(1)
	if c := calls.Load(); c != 1 {
		t.Errorf("notify after clear: %d calls", c)
	}
}
