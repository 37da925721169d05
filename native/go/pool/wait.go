package pool

// Cancellable waiting: the spin and sleep kinds, the hang of fault injection
// and the injected delay all wait here.
//
// Invariant: while waiting, the slot's cancel word and the pool's shutdown
// flag are checked at least every pollInterval (docs/TRANSPORT.md: "at least
// every 1 ms"). spin burns CPU between checks; sleep blocks on a timer or on
// the pool's shutdown channel, so it uses no CPU and ends at once on close.
// The cancel word lives in JS memory and cannot be blocked on, hence polling.
// A worker's waiter polls itself; an off-worker goroutine's waiter (watch
// set) leaves the polling to the pool's cancel watcher (watch.go) and sleeps
// until its timer, the watcher's signal or shutdown.

import (
	"sync/atomic"
	"time"
)

// pollInterval: TRANSPORT.md requires a check at least every 1 ms; half of
// that leaves room for timer slack on a loaded machine.
const pollInterval = 500 * time.Microsecond

var (
	msgCancelled = []byte("cancelled")
	msgShutdown  = []byte("pool closed")
)

// epoch anchors mono(): time.Since on a time with a monotonic reading costs
// one clock read (time.Now costs two).
var epoch = time.Now()

func mono() time.Duration { return time.Since(epoch) }

// waiter is one goroutine's waiting state (one reusable timer, no per-wait
// allocation).
type waiter struct {
	timer    *time.Timer
	shutdown <-chan struct{} // closed when the pool closes
	closing  *atomic.Bool    // set when the pool closes (before shutdown is closed)

	// Off the worker only (newWatchedWaiter): sleep registers entry with
	// watch instead of polling. nil on workers.
	watch *cancelWatch
	entry watchEntry
}

func newWaiter(shutdown <-chan struct{}, closing *atomic.Bool) *waiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{timer: t, shutdown: shutdown, closing: closing}
}

// abortReason returns the ABORTED message if cancel or shutdown is set.
func (w *waiter) abortReason(cancel *uint32) []byte {
	// Pairs with JS's Atomics.store(cancel, 1).
	if cancel != nil && atomic.LoadUint32(cancel) != 0 {
		return msgCancelled
	}
	if w.closing.Load() {
		return msgShutdown
	}
	return nil
}

// timed waits d (burning CPU if burn) and returns OK, or ABORTED if cancel
// or shutdown is seen first.
func (w *waiter) timed(d time.Duration, burn bool, cancel *uint32) outcome {
	var why []byte
	if burn {
		why = w.spin(d, cancel)
	} else {
		why = w.sleep(d, cancel)
	}
	if why != nil {
		return outcome{status: StatusAborted, msg: why}
	}
	return outcome{status: StatusOK}
}

// spin burns CPU for d; returns the abort reason, or nil when d passed.
func (w *waiter) spin(d time.Duration, cancel *uint32) []byte {
	end := mono() + d
	for {
		// Checked every iteration (one load each plus one clock read), far
		// more often than every 1 ms.
		if why := w.abortReason(cancel); why != nil {
			return why
		}
		if mono() >= end {
			return nil
		}
	}
}

// sleep waits d without CPU; returns the abort reason, or nil when d passed.
// d < 0 means forever (until cancel or shutdown). Off the worker it is
// sleepWatched (watch.go); on a worker it wakes every pollInterval.
func (w *waiter) sleep(d time.Duration, cancel *uint32) []byte {
	if w.watch != nil {
		return w.sleepWatched(d, cancel)
	}
	end := mono() + d
	for {
		if why := w.abortReason(cancel); why != nil {
			return why
		}
		step := pollInterval
		if d >= 0 {
			rem := end - mono()
			if rem <= 0 {
				return nil
			}
			step = min(step, rem)
		}
		// Go >= 1.23 timers: Reset discards any stale tick (go.mod says 1.24).
		w.timer.Reset(step)
		select {
		case <-w.timer.C:
		case <-w.shutdown:
			w.timer.Stop()
		}
	}
}
