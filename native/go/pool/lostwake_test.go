package pool

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestWaitNoLostWakeups: a completion published while the drainer goes back
// to Wait must always wake it. Each Wait has a 2 s timeout; tasks take
// microseconds, so a Wait that times out with nothing pending is a lost
// wake-up (regression: see complete.go).
func TestWaitNoLostWakeups(t *testing.T) {
	for _, workers := range []int{1, 2} {
		h := newHarness(t, 16, workers)
		h.seg(0, 64)
		for i := uint32(0); i < 16; i++ {
			h.task(i, Desc{Kind: 1})
		}
		rounds := 20000
		if testing.Short() {
			rounds = 2000
		}
		for round := 0; round < rounds; round++ {
			k := 1 + round%4
			idxs := make([]uint32, k)
			for i := range idxs {
				PresetSlot(h.r.Slot(uint32(i)))
				idxs[i] = uint32(i)
			}
			h.submit(idxs...)
			for got := 0; got < k; {
				atomic.StoreUint32(h.r.Wake(), 0)
				n, err := h.p.Wait(2 * time.Second)
				if err != nil || n == 0 {
					t.Fatalf("workers %d round %d: Wait = %d, %v with %d of %d drained", workers, round, n, err, got, k)
				}
				tail := atomic.LoadUint32(h.r.CompTail())
				got += int(tail - h.head)
				h.head = tail
				atomic.StoreUint32(h.r.CompHead(), tail)
			}
		}
	}
}

// TestArmThenAnyBroadcastClosesChannel: the invariant that prevents lost
// wake-ups, driven step by step. A stale publisher (whose completion was
// already consumed) may wake the waiter spuriously, but a publisher after
// the waiter's re-arm always closes the channel it parks on.
func TestArmThenAnyBroadcastClosesChannel(t *testing.T) {
	ctrl := make([]byte, ControlSize(8))
	WriteHeader(ctrl, 8)
	r, _ := NewRing(ctrl)
	c := newCompleter(r)
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	r.pushCompletions([]uint32{0})      // publisher P0, step 2 only
	atomic.StoreUint32(r.CompHead(), 1) // waiter consumes it
	ch1 := c.arm()                      // waiter re-arms
	if c.waitArmed.Load() {             // P0's late step 4
		c.broadcast()
	}
	if !closed(ch1) {
		t.Fatal("broadcast after arm left the armed channel open")
	}
	ch2 := c.arm() // spurious wake: waiter loops, re-arms, sees nothing pending
	if r.pending() != 0 || closed(ch2) {
		t.Fatal("unexpected state")
	}
	c.publishGroup([]uint32{1}) // the next real completion
	if !closed(ch2) {
		t.Fatal("lost wake-up: completion after arm did not close the channel")
	}
	// With nobody armed, publishGroup neither blocks nor replaces the channel.
	ch3 := c.waitCh
	c.publishGroup([]uint32{2})
	if c.waitCh != ch3 {
		t.Error("channel replaced with nobody armed")
	}
}
