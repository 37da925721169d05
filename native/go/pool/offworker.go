package pool

// Waiting kinds off the worker: a task of a waiting kind (kinds.go; today
// sleep, which stands for I/O) waits on a goroutine of its own, so in Go a
// waiting task costs a parked goroutine (a few KB, no thread) instead of one
// of the W workers. The Rust pool cannot do this (its workers are OS
// threads); the scheduler's placement learns the difference from
// measurements, not from a flag.
//
// Protocol (the worker side is worker.go execute steps 2-5; "the worker"
// below is a worker or the intake, intake.go, which runs the same steps):
//  1. A waiting task gets a token (take: at most maxOffWaits per pool) in
//     Submit, and then goes to the intake rather than the workers' queue
//     (intake.go step 1); failing that, a worker that decodes it tries
//     again. No token: the task runs on the worker as any other, so nothing
//     is refused or queued behind the bound.
//  2. The worker runs fault injection and the data phase (bounds checks,
//     input parse under the segment lock) as for any task. If what remains
//     waits (rest.waits), it counts the goroutine in p.busy under p.mu and
//     starts it; else it gives the token back and finishes the task itself.
//  3. The goroutine runs the rest with its own waiter: it sleeps on a timer
//     of its own while the pool's cancel watcher polls its cancel word
//     (watch.go), so a wait costs O(1) wake-ups; cancel and shutdown end it
//     ABORTED as on a worker. It writes the result (worker = the index
//     of the worker that handed it off, NoWorker from the intake; exec_ns =
//     from the task's start on the worker to its end here) and publishes it
//     as a group of one.
//  4. Then, in a deferred call: give the token back, p.busy-- under p.mu,
//     and signal quiescence if the pool is closed and nothing is busy. A
//     panic (a pool bug: the rest runs no user code) is recovered there and
//     completes the task TASK_PANIC if it was not yet published.
//
// Invariants:
//   - Close returning 0 still means nothing touches the ring again: the
//     goroutine is counted in busy from before it starts (the worker is busy
//     then too, so busy never passes through 0) until after it published.
//   - Stats: started is counted by the worker (or the intake),
//     completed/panics here; both go into running = started - completed,
//     so off-worker waits count as running.
//   - The rest touches the slot only (control region), never a segment.
//     Its watcher entry is registered and removed inside step 3, so within
//     busy too (watch.go: the watcher reads no cancel word after Close).
//
// Alternatives rejected: a fixed set of waiter goroutines fed by a channel
// (a second queue with its own bound and lost-wake-up rules, to save a
// goroutine start of ~1 us against waits of milliseconds); timers with
// callbacks (cancel is a word in JS memory and must be polled every 1 ms
// anyway: one watcher per pool does that for all waits, see watch.go).

import (
	"sync/atomic"
)

// maxOffWaits bounds the off-worker waits per pool. 4096 is the default
// ring size (DEFAULT_RING_SLOTS in src/options.ts), so with the default ring
// every task in flight may wait off the worker; rings are at most 65536
// slots, and for those the bound caps the goroutines at ~4096 x a few KB
// (2-8 KB of stack each: ~8-32 MB). Raise it with the default ring size.
const maxOffWaits = 4096

// offWaits counts a pool's off-worker waits and the results they produce.
type offWaits struct {
	// limit is maxOffWaits; tests lower it before the first Submit (workers
	// read it after a Submit's unlock of mu, so that write happens before).
	limit   int32
	running atomic.Int32 // tokens taken

	// Many goroutines write these: atomic adds (off the hot path: a waiting
	// task already costs a goroutine start and a timer).
	completed, panics atomic.Uint64

	// testHook, if set (by tests, before the first Submit), runs at the start
	// of each off-worker goroutine: lets tests block or panic there.
	testHook func()
}

// take takes a token if fewer than limit are taken. A CAS loop, not
// Add-then-undo: the count never passes limit, even for a moment, and a
// free token is never refused because of another worker's undo.
func (o *offWaits) take() bool {
	for {
		n := o.running.Load()
		if n >= o.limit {
			return false
		}
		if o.running.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// give returns a token.
func (o *offWaits) give() { o.running.Add(-1) }

// handOff is step 2's end: count the wait as busy and start its goroutine.
// The worker holds a token for it.
func (wk *worker) handOff(idx uint32, slot []byte, cancel *uint32, o outcome, r rest) {
	p := wk.p
	// Lock order: the worker never holds the segment lock while it takes
	// p.mu (as in loop). The rest needs no segment.
	wk.unlockSegs()
	p.mu.Lock()
	p.busy++ // until the goroutine published its result (Close waits for it)
	p.mu.Unlock()
	wk.token = false // the goroutine owns it now and gives it back (step 4)
	go p.waitOff(idx, wk.id, slot, cancel, o, r)
}

// waitOff is steps 3-4 on the task's own goroutine.
func (p *Pool) waitOff(idx, worker uint32, slot []byte, cancel *uint32, o outcome, r rest) {
	published := false
	defer func() {
		if v := recover(); v != nil && !published {
			setMsg(slot, panicMsg(v))
			setResult(slot, StatusTaskPanic, 0, uint64(mono()-r.start), worker)
			p.off.panics.Add(1)
			p.off.completed.Add(1)
			p.comp.publishGroup([]uint32{idx})
		}
		p.off.give()
		p.mu.Lock()
		p.busy--
		p.checkQuiescedLocked()
		p.mu.Unlock()
	}()
	if p.off.testHook != nil {
		p.off.testHook()
	}
	o, end := r.finish(o, slot, newWatchedWaiter(&p.watch, p.shutdown, &p.closing), cancel)
	setResult(slot, o.status, o.outLen, uint64(end-r.start), worker)
	p.off.completed.Add(1)
	published = true
	// A group of one: this goroutine has no pending group to join, and
	// waiting for company would delay the result (complete.go: any number
	// of publishers may call publishGroup).
	p.comp.publishGroup([]uint32{idx})
}
