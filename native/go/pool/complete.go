package pool

// Completion publishing and wake-ups (docs/TRANSPORT.md "Complete"):
//
//  1. The worker writes status, out_len, exec_ns, worker, msg_len, msg and
//     the output bytes with plain stores (worker.go).
//  2. Under compMu: t = comp_tail; ring[t & (N-1)] = idx; atomic store
//     comp_tail = t+1 (pairs with JS's Atomics.load(comp_tail), drain step 2).
//  3. If CAS(wake, 0, 1) succeeds, call notify once. Otherwise a wake-up is
//     already pending (JS resets wake before it reads comp_tail, drain step 1).
//  4. If a cf_wait caller is parked (waitArmed), wake all parked callers.
//
// cf_wait waiters are independent of the wake word (a C caller of cf_wait
// need not reset wake): each waiter arms waitArmed, takes the current
// waitCh, re-checks comp_tail - comp_head and parks on waitCh. A publisher
// that finds waitArmed set (CAS true->false) closes waitCh and installs a
// fresh one. Either the waiter's re-check sees the new comp_tail (stored
// before the publisher's CAS), or the publisher's CAS sees the arm and
// closes the channel the waiter holds (or an older one). Cost when nobody
// waits: one atomic load per completion; one channel allocation per parked
// wait.

import (
	"sync"
	"sync/atomic"
)

// completer publishes completions for one pool.
type completer struct {
	ring *Ring

	compMu sync.Mutex // serialises writers of comp_tail and the complete ring

	notifyMu sync.RWMutex // write-held by setNotify: no call of an old fn after it returns
	notifyFn func()

	waitArmed atomic.Bool
	waitMu    sync.Mutex
	waitCh    chan struct{}
}

func newCompleter(r *Ring) *completer {
	return &completer{ring: r, waitCh: make(chan struct{})}
}

// publish runs steps 2-4 for slot idx, whose result is already written.
func (c *completer) publish(idx uint32) {
	c.compMu.Lock()
	c.ring.pushCompletion(idx)
	c.compMu.Unlock()

	// Seq-cst CAS: pairs with JS's Atomics.store(wake, 0) in drain step 1; if
	// that store came after our comp_tail store, JS's following load of
	// comp_tail sees this completion anyway.
	if atomic.CompareAndSwapUint32(c.ring.wake, 0, 1) {
		c.notify()
	}
	// Seq-cst load after the comp_tail store: pairs with the waiter's arm
	// (Store(true)) before its load of comp_tail in wait.
	if c.waitArmed.Load() && c.waitArmed.CompareAndSwap(true, false) {
		c.broadcast()
	}
}

// notify calls the notify function, if any.
func (c *completer) notify() {
	c.notifyMu.RLock()
	if c.notifyFn != nil {
		c.notifyFn()
	}
	c.notifyMu.RUnlock()
}

// setNotify replaces the notify function (nil clears it). When it returns,
// no call of the previous function is in progress or will start.
func (c *completer) setNotify(fn func()) {
	c.notifyMu.Lock()
	c.notifyFn = fn
	c.notifyMu.Unlock()
}

// broadcast wakes every parked waiter.
func (c *completer) broadcast() {
	c.waitMu.Lock()
	close(c.waitCh)
	c.waitCh = make(chan struct{})
	c.waitMu.Unlock()
}

// arm registers a waiter about to park and returns the channel to park on.
// The caller must re-check comp_tail - comp_head after arm and before parking.
func (c *completer) arm() <-chan struct{} {
	c.waitArmed.Store(true)
	c.waitMu.Lock()
	ch := c.waitCh
	c.waitMu.Unlock()
	return ch
}
