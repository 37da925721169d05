package pool

// The cancel watcher: one goroutine per pool polls the cancel words of all
// off-worker waits (offworker.go), so each wait sleeps on its own timer and
// wakes O(1) times, not once per pollInterval.
//
// Why: a cancel word is a u32 in JS memory that JS sets with Atomics.store;
// native code cannot block on it (V8's Atomics.wait/notify keep their own
// waiter lists, no futex we could share), so it must be polled at least
// every 1 ms (docs/TRANSPORT.md). Polled by each waiting goroutine, a 5 ms
// sleep woke ~10 times; 400 concurrent sleeps cost ~800k goroutine
// wake-ups/s. Polled here, the pool pays one wake-up per pollInterval for
// all its waits together, and each wait one for its end.
//
//	 off-worker goroutines                      watcher (one per pool)
//	 ---------------------                      ----------------------
//	 sleepWatched(d, cancel)                    every pollInterval:
//	   cancel|closing set? -> end                 lock mu
//	   register(entry) ----> entries[]  <-------  for each entry:
//	   select timer | entry.wake | shutdown         cancel != 0 -> entry.wake <- {}
//	   deregister(entry)                          empty -> running = false, exit
//	   why = cancel|closing                       unlock mu
//
// Protocol (a wait's side is waiter.sleepWatched):
//  1. The wait checks its cancel word and the pool's closing flag once; set
//     means ABORTED at once, as on a worker (wait.go's abortReason: cancel
//     first, then shutdown; the same messages).
//  2. It arms its own timer for d (none for a hang, d < 0) and registers its
//     entry under mu; if no watcher runs and the pool is open, register
//     marks one running and starts it, in the same hold of mu.
//  3. It blocks on the timer, its entry's wake channel (cap 1) and the
//     pool's shutdown channel. The watcher, each pollInterval, loads every
//     registered cancel word under mu and does a non-blocking send on the
//     wake channel of each one set (a full channel already holds a wake).
//  4. Woken, the wait re-reads cancel and closing (step 1's check); set:
//     ABORTED. Else, if the timer fired: OK. Else (a wake with nothing set,
//     only if JS cleared a cancel word of a task in flight) it waits again.
//  5. On every way out (a deferred call): deregister under mu (swap-remove,
//     O(1)) and drain the wake channel, so the entry is reused clean by the
//     next wait of the same goroutine (the injected delay after a sleep).
//  6. The watcher exits at the first tick that finds no entry, setting
//     running = false under mu, or at shutdown.
//
// Invariants:
//   - While the pool is open, entries non-empty implies running (both change
//     only under mu; step 2 starts a watcher if none runs, step 6 exits only
//     with no entry). A watcher that decided to exit touches nothing after
//     its unlock, so a new one may start at once: no start/exit race.
//   - Cancel within pollInterval (+ timer slack): a word set after the scan
//     passed its entry is loaded at the next scan, one tick later. Slack:
//     an otherwise idle Go process sleeps in epoll in whole milliseconds
//     (runtime/netpoll_epoll.go rounds a wait under 1 ms up to 1 ms), so an
//     idle watcher ticks about every 1.1 ms (measured: ~920 ticks/s, max
//     gap 1.6 ms). Each wait's own 500 us poll had the same rounding.
//   - Close returning 0 still means nothing touches the ring: the watcher
//     loads only registered cancel words, under mu; an entry is registered
//     and deregistered by its off-worker goroutine while that goroutine
//     counts in p.busy (offworker.go), and deregister waits for a scan in
//     progress. So at busy == 0 no entry is left and no scan reads the ring.
//     The watcher itself is not counted in busy (like a worker between its
//     busy-- and its return): it exits at shutdown without touching memory.
//   - Only off-worker waits use the watcher. Workers poll as before
//     (wait.go): a worker waits only when no off-worker token is free or for
//     spin (which burns CPU anyway), and its waits are bounded by W.
//   - Fault injection off the worker (the hang, the injected delay in
//     rest.finish) waits through the same waiter.sleep, so it uses the
//     watcher too: one mechanism, the same messages.
//
// Cost per pollInterval: one goroutine wake-up plus one atomic load per
// entry, under mu (4096 entries at most, maxOffWaits; the slots' cancel
// words are on distinct cache lines, so ~10-50 ns each when not cached).
// Per wait: a timer, a registration (lock, append) and one wake-up.
//
// Alternatives rejected:
//   - Each wait polling its word (the previous design): one wake-up per
//     wait per pollInterval. Measured on 2 cores, 400 concurrent 5 ms
//     sleeps: ~15 us of process CPU per sleep in Node (GOMAXPROCS=1), now
//     ~10 us; BenchmarkOffWorkerSleep conc=400: 6.4 -> 3.7 cpu-us/task
//     (GOMAXPROCS=1), 12.8 -> 4.7 (GOMAXPROCS=2); conc=2000 no longer
//     saturates a core (mean exec 14.8 -> 6.8 ms).
//   - A cf_cancel entry point JS calls when it cancels: changes the C ABI
//     (include/crossfair.h stays) and adds a crossing per cancel.
//   - A map keyed by slot index: a slot is reused by JS once published, and
//     map iteration is slower than a slice scan; a slice with each entry's
//     position (swap-remove) is O(1) both ways and needs no key.
//   - sync.Cond broadcast on any cancel: wakes every wait to find the one
//     cancelled, O(N) wake-ups again.
//   - The watcher owning the deadlines too (a timer heap in the pool, no
//     goroutine per wait): re-implements the runtime's timer heap and turns
//     rest.finish (wait, then injected delay) into a state machine, to save
//     a goroutine start (~1 us) per wait of milliseconds.
//   - A watcher for the whole process: Close and shutdown are per pool; one
//     per pool keeps the busy argument above local. There is one Go pool per
//     process in practice.
//   - A watcher that always runs: 2000 idle wake-ups/s per pool.

import (
	"sync"
	"sync/atomic"
	"time"
)

// cancelWatch is a pool's registry of off-worker waits and its watcher.
type cancelWatch struct {
	shutdown <-chan struct{} // the pool's: closed by Close

	mu      sync.Mutex
	entries []*watchEntry // registered waits; entries[i].pos == i
	running bool          // a watcher goroutine runs (or was started)

	// Tests: starts counts watcher goroutines started, scans the scans done
	// (atomic: read without mu). testTick, if set before the first Submit,
	// replaces the watcher's ticker so tests drive scans one by one.
	starts, scans atomic.Uint64
	testTick      <-chan time.Time
}

// watchEntry is one registered wait: its cancel word and its wake channel.
// The owning waiter reuses it from one wait to the next.
type watchEntry struct {
	cancel *uint32       // the slot's cancel word (JS memory), never nil
	wake   chan struct{} // cap 1: the watcher's signal, never closed
	pos    int           // index in entries while registered (under mu)
}

func newWatchEntry() watchEntry {
	return watchEntry{wake: make(chan struct{}, 1), pos: -1}
}

// register is step 2: add e and make sure a watcher runs.
func (cw *cancelWatch) register(e *watchEntry) {
	cw.mu.Lock()
	e.pos = len(cw.entries)
	cw.entries = append(cw.entries, e)
	if !cw.running && !cw.isShutdown() {
		cw.running = true
		cw.starts.Add(1)
		go cw.loop()
	}
	cw.mu.Unlock()
}

// deregister is step 5: remove e (swap with the last entry) and drain its
// wake channel. After it returns the watcher no longer reads e.cancel.
func (cw *cancelWatch) deregister(e *watchEntry) {
	cw.mu.Lock()
	if e.pos >= 0 {
		last := len(cw.entries) - 1
		moved := cw.entries[last]
		cw.entries[e.pos] = moved
		moved.pos = e.pos
		cw.entries[last] = nil // no stale pointer keeps a waiter alive
		cw.entries = cw.entries[:last]
		e.pos = -1
	}
	cw.mu.Unlock()
	// Sends happen only under mu to registered entries: none can follow.
	select {
	case <-e.wake:
	default:
	}
}

func (cw *cancelWatch) isShutdown() bool {
	select {
	case <-cw.shutdown:
		return true
	default:
		return false
	}
}

// loop is the watcher: steps 3 and 6.
func (cw *cancelWatch) loop() {
	tick := cw.testTick
	if tick == nil {
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
		case <-cw.shutdown:
			// Every wait ends on shutdown by itself (it selects on it).
			cw.mu.Lock()
			cw.running = false
			cw.mu.Unlock()
			return
		}
		cw.mu.Lock()
		if len(cw.entries) == 0 {
			cw.running = false
			cw.mu.Unlock()
			return
		}
		for _, e := range cw.entries {
			// Pairs with JS's Atomics.store(cancel, 1), as in abortReason.
			if atomic.LoadUint32(e.cancel) != 0 {
				select {
				case e.wake <- struct{}{}:
				default: // a wake is already pending
				}
			}
		}
		cw.scans.Add(1)
		cw.mu.Unlock()
	}
}

// active reports whether a watcher runs and how many waits are registered
// (tests).
func (cw *cancelWatch) active() (running bool, n int) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	return cw.running, len(cw.entries)
}

// newWatchedWaiter returns the waiter of one off-worker goroutine: its
// sleeps use the pool's watcher (sleepWatched), its timer is made on first
// use.
func newWatchedWaiter(cw *cancelWatch, shutdown <-chan struct{}, closing *atomic.Bool) *waiter {
	return &waiter{shutdown: shutdown, closing: closing, watch: cw, entry: newWatchEntry()}
}

// sleepWatched is waiter.sleep off the worker (steps 1-5): it waits d
// (forever if d < 0) on its own timer and the watcher's signal; it returns
// the abort reason, or nil when d passed.
func (w *waiter) sleepWatched(d time.Duration, cancel *uint32) []byte {
	if why := w.abortReason(cancel); why != nil {
		return why
	}
	if d == 0 {
		return nil
	}
	var expired <-chan time.Time
	if d > 0 {
		if w.timer == nil {
			w.timer = time.NewTimer(d)
		} else {
			// Go >= 1.23 timers: Reset discards any stale tick.
			w.timer.Reset(d)
		}
		defer w.timer.Stop()
		expired = w.timer.C
	}
	e := &w.entry
	if cancel != nil { // nil: no word to watch, only shutdown ends it early
		e.cancel = cancel
		w.watch.register(e)
		// Deferred: even a panic here must not leave the entry registered
		// once this goroutine stops counting as busy (the Close invariant).
		defer w.watch.deregister(e)
	}
	for {
		select {
		case <-expired:
			return w.abortReason(cancel) // set at the last moment still wins, as in sleep
		case <-e.wake:
		case <-w.shutdown:
		}
		if why := w.abortReason(cancel); why != nil {
			return why
		}
	}
}
