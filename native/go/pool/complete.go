package pool

// Completion publishing and wake-ups (docs/TRANSPORT.md "Complete"). A
// worker publishes its finished slots in groups (group.go has the rule);
// Close publishes the tasks it aborts as one group; an off-worker wait
// (offworker.go) publishes its one task as a group of one.
//
//  1. The worker writes status, out_len, exec_ns, worker, msg_len, msg and
//     the output bytes with plain stores (worker.go), and adds the slot to
//     its pending group.
//  2. publishGroup, under compMu: t = comp_tail; ring[(t+i) & (N-1)] =
//     idx_i for the whole group; one seq-cst store comp_tail = t+len (pairs
//     with JS's Atomics.load(comp_tail), drain step 2).
//  3. If CAS(wake, 0, 1) succeeds, call notify once. Otherwise a wake-up is
//     already pending (JS resets wake before it reads comp_tail, drain step 1).
//  4. If a cf_wait caller is parked (waitArmed), wake all parked callers.
//
// cf_wait waiters are independent of the wake word (a C caller of cf_wait
// need not reset wake). waitArmed and waitCh change together under waitMu:
//   - a waiter (arm) sets waitArmed = true and takes the current waitCh, then
//     re-checks comp_tail - comp_head, then parks on that channel;
//   - a publisher that loads waitArmed == true takes waitMu and, if still
//     armed, clears it, closes waitCh and installs a fresh one.
// So a channel is only ever replaced by closing it: any broadcast after a
// waiter armed closes that waiter's channel. And either the waiter's re-check
// sees the new comp_tail (stored before the publisher's load of waitArmed),
// or that load sees the arm (seq-cst on both sides). Grouping leaves this
// argument unchanged: a group is still one comp_tail store followed by one
// load of waitArmed, and a result not yet published is not counted by the
// waiter's re-check either (it is published by a later store, which is
// followed by its own load). Off-worker publishers leave it unchanged too:
// the argument is per publishGroup call and never assumed a fixed set of
// publishers (W workers and Close already publish concurrently); compMu
// serialises every comp_tail writer, whichever goroutine it runs on, and
// each call still stores comp_tail before its loads of wake and waitArmed.
// Cost when nobody waits: one atomic load per group; one channel allocation
// per parked wait.
//
// Regression: an earlier version armed with a bare atomic flag (CAS
// true->false by the publisher, swap of the channel afterwards). A publisher
// whose completion the waiter had already consumed could clear a fresh arm
// and swap in a channel the waiter then parked on with nobody armed: a lost
// wake-up that BenchmarkPool showed as one 10 s stall in 2M tasks. The
// window is a few ns wide, so TestWaitNoLostWakeups (stress) rarely hits it;
// TestArmThenAnyBroadcastClosesChannel checks the invariant step by step.

import (
	"sync"
	"sync/atomic"
)

// completer publishes completions for one pool.
type completer struct {
	ring *Ring

	compMu sync.Mutex // serialises writers of comp_tail and the complete ring
	groups uint64     // groups published (guarded by compMu; read by tests)

	notifyMu sync.RWMutex // write-held by setNotify: no call of an old fn after it returns
	notifyFn func()

	waitArmed atomic.Bool
	waitMu    sync.Mutex
	waitCh    chan struct{}
}

func newCompleter(r *Ring) *completer {
	return &completer{ring: r, waitCh: make(chan struct{})}
}

// publishGroup runs steps 2-4 for the slots idxs, whose results are already
// written. One call is one comp_tail store and at most one notify.
func (c *completer) publishGroup(idxs []uint32) {
	if len(idxs) == 0 {
		return
	}
	c.compMu.Lock()
	c.ring.pushCompletions(idxs)
	c.groups++
	c.compMu.Unlock()

	// Seq-cst load, then CAS: both pair with JS's Atomics.store(wake, 0) in
	// drain step 1. If we read 1, JS's reset comes after our comp_tail store
	// in the total order, so its following load of comp_tail sees this
	// group; the plain load skips a locked CAS while a wake is pending.
	if atomic.LoadUint32(c.ring.wake) == 0 && atomic.CompareAndSwapUint32(c.ring.wake, 0, 1) {
		c.notify()
	}
	// Seq-cst load after the comp_tail store: pairs with the waiter's
	// Store(true) in arm, which precedes its load of comp_tail.
	if c.waitArmed.Load() {
		c.broadcast()
	}
}

// groupCount returns how many groups were published (comp_tail stores).
func (c *completer) groupCount() uint64 {
	c.compMu.Lock()
	defer c.compMu.Unlock()
	return c.groups
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

// broadcast wakes every parked waiter if any is armed.
func (c *completer) broadcast() {
	c.waitMu.Lock()
	if c.waitArmed.Load() {
		c.waitArmed.Store(false)
		close(c.waitCh)
		c.waitCh = make(chan struct{})
	}
	c.waitMu.Unlock()
}

// arm registers a waiter about to park and returns the channel to park on.
// The caller must re-check comp_tail - comp_head after arm and before parking.
func (c *completer) arm() <-chan struct{} {
	c.waitMu.Lock()
	c.waitArmed.Store(true)
	ch := c.waitCh
	c.waitMu.Unlock()
	return ch
}
