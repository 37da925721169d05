package pool

// Pool: W worker goroutines over one control region and a segment table.
//
// Owns: the local task queues (mu): q for the workers and waitQ for the
// intake (intake.go), the workers, the intake, the off-worker waits
// (offworker.go) and their cancel watcher (watch.go), the completer, the
// segment table, the fault settings. Borrows: the control region and the
// segments' memory (JS memory, never freed here).
//
// Invariants:
//   - Every slot index taken from the submit ring is on exactly one of q and
//     waitQ, then completed exactly once (by a worker, the intake, an
//     off-worker wait, or by Close if still queued), so at most N entries
//     are outstanding in the complete ring.
//   - After Close returns 0 no goroutine of the pool touches the control
//     region or a segment again, nor calls notify: workers and the intake
//     are idle or gone and no off-worker wait is left (busy == 0 counts all
//     three, and closed stops workers and the intake taking work), Submit
//     refuses under mu, and Wait checks `released` under life before it
//     reads the ring.
//
// Protocol:
//  1. New validates the header and starts W workers (blocked on cond) and
//     the intake (blocked on intakeCond).
//  2. Submit copies indices out of the submit ring under mu, skipping
//     idx >= N. A task of a waiting kind that gets an off-worker token goes
//     on waitQ (intake.go step 1), any other on q. It signals up to the
//     number queued on q idle workers, and the intake if it queued on
//     waitQ and the intake is parked.
//  3. Workers and the intake execute and publish in groups (worker.go,
//     intake.go, group.go, complete.go).
//  4. Close: under mu mark closed (and set closing for handlers), close the
//     shutdown channel, take the indices queued on q and waitQ, wake all
//     workers and the intake; give back the tokens of those from waitQ;
//     complete the taken indices ABORTED and publish them as one group;
//     workers and the intake publish their pending groups before they stop
//     counting as busy, and off-worker waits their results; wait up to the
//     timeout for busy == 0; if 0, mark released. Returns busy: workers,
//     the intake and off-worker waits still running.
//
// Alternatives rejected: a channel per task (a lock per task, see queue.go);
// spinning idle workers (burns one of the two cores Node also needs).

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// MaxWorkers is the cf_pool_create limit (include/crossfair.h: 1..256).
const MaxWorkers = 256

// Pool is safe for concurrent use.
type Pool struct {
	ring    *Ring
	comp    *completer
	segs    Segments
	faults  atomic.Pointer[Faults] // nil = no injection
	workers int
	// groupAge is flushAfter (group.go rule 4). Tests change it before the
	// first Submit to make grouping deterministic; workers read it only
	// after a Submit's unlock of mu, so that write happens before.
	groupAge time.Duration

	mu           sync.Mutex // guards the fields below
	cond         sync.Cond  // idle workers wait here (L = &mu)
	q            taskQueue  // tasks for the workers
	waitQ        taskQueue  // waiting tasks holding a token, for the intake (intake.go)
	intakeCond   sync.Cond  // the idle intake waits here (L = &mu)
	intakeIdle   bool       // the intake is parked on intakeCond and not yet signalled
	idle         int        // workers parked on cond
	busy         int        // workers and the intake running a grab, off-worker waits, and Close while it aborts
	closed       bool
	submitted    uint64
	quiesced     chan struct{} // closed once closed && busy == 0
	quiescedDone bool

	closing  atomic.Bool   // read by handlers on the task path
	shutdown chan struct{} // closed by Close: wakes sleeping handlers

	life     sync.RWMutex // Wait holds it for reading around ring reads
	released bool         // set when Close returned 0

	counters []workerCounters // one per worker, then closeCounters and intakeCounters
	off      offWaits         // waiting kinds off the worker (offworker.go)
	watch    cancelWatch      // polls the cancel words of off-worker waits (watch.go)
}

// New creates a pool over the control region ctrl with the given number of
// workers, and starts them.
func New(ctrl []byte, workers int) (*Pool, error) {
	if workers < 1 || workers > MaxWorkers {
		return nil, ErrBadArg
	}
	r, err := NewRing(ctrl)
	if err != nil {
		return nil, err
	}
	p := &Pool{
		ring:     r,
		comp:     newCompleter(r),
		workers:  workers,
		groupAge: flushAfter,
		q:        newTaskQueue(int(r.n)),
		waitQ:    newTaskQueue(int(r.n)),
		quiesced: make(chan struct{}),
		shutdown: make(chan struct{}),
		counters: make([]workerCounters, workers+extraCounters),
		off:      offWaits{limit: maxOffWaits},
	}
	p.cond.L = &p.mu
	p.intakeCond.L = &p.mu
	p.watch.shutdown = p.shutdown
	seed := rand.Uint64()
	for i := 0; i < workers; i++ {
		wk := &worker{
			p:     p,
			id:    uint32(i),
			wait:  newWaiter(p.shutdown, &p.closing),
			rng:   rand.New(rand.NewPCG(seed, uint64(i))),
			c:     &p.counters[i],
			local: make([]uint32, 0, maxGrab),
			group: newPendingGroup(),
		}
		go wk.loop()
	}
	p.startIntake(seed)
	return p, nil
}

// Counters after the W workers' own (p.counters[p.workers+i]).
const (
	closeCounters  = iota // tasks Close aborts unrun
	intakeCounters        // tasks the intake starts (intake.go)
	extraCounters         // how many
)

// Ring returns the pool's control region view.
func (p *Pool) Ring() *Ring { return p.ring }

// Workers returns W.
func (p *Pool) Workers() int { return p.workers }

// RegisterSegment registers data segment id (see Segments.Register).
func (p *Pool) RegisterSegment(id uint32, mem []byte) error {
	if p.closing.Load() {
		return ErrClosed
	}
	return p.segs.Register(id, mem)
}

// UnregisterSegment unregisters data segment id (see Segments.Unregister).
func (p *Pool) UnregisterSegment(id uint32) error {
	return p.segs.Unregister(id)
}

// SetNotify sets the function called when wake goes 0 -> 1 (nil clears).
// When it returns, the previous function is not running and won't be called.
// fn runs on a worker goroutine (or on Close's caller for tasks Close
// aborts); it must not call SetNotify.
func (p *Pool) SetNotify(fn func()) { p.comp.setNotify(fn) }

// Inject sets the fault injection settings (all zero / factor 1 clears).
func (p *Pool) Inject(f Faults) error {
	nf, err := f.normalize()
	if err != nil {
		return err
	}
	if p.closing.Load() {
		return ErrClosed
	}
	p.faults.Store(nf)
	return nil
}

// Submit queues the count slot indices at submit-ring positions
// start..start+count-1 (mod N) and returns how many were accepted.
func (p *Pool) Submit(start, count uint32) (int, error) {
	if count > p.ring.n {
		return 0, ErrBadArg
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, ErrClosed
	}
	accepted, waiting := 0, 0
	for i := uint32(0); i < count; i++ {
		idx := p.ring.submitEntry(start + i)
		if idx >= p.ring.n { // bounds check: skipped, not counted
			continue
		}
		if p.toIntake(idx) { // holds a token now (intake.go step 1)
			p.waitQ.push(idx)
			waiting++
		} else {
			p.q.push(idx)
		}
		accepted++
	}
	p.submitted += uint64(accepted)
	wake := min(accepted-waiting, p.idle)
	wakeIntake := waiting > 0 && p.intakeIdle
	if wakeIntake {
		p.intakeIdle = false // one Signal per park
	}
	p.mu.Unlock()
	// Signal outside mu so woken workers don't collide with us on it. Each
	// Signal wakes a distinct parked worker, so none is woken twice.
	for i := 0; i < wake; i++ {
		p.cond.Signal()
	}
	if wakeIntake {
		p.intakeCond.Signal()
	}
	return accepted, nil
}

// Wait blocks until comp_tail != comp_head or timeout passes and returns the
// number of unconsumed completions (0 on timeout); ErrClosed once the pool
// is closed and drained.
func (p *Pool) Wait(timeout time.Duration) (int, error) {
	if timeout < 0 {
		return 0, ErrBadArg
	}
	var timer *time.Timer
	for {
		ch := p.comp.arm() // arm before the check: see complete.go
		n, err := p.pending()
		if err != nil || n > 0 {
			return n, err
		}
		select {
		case <-p.quiesced: // closed, no worker busy, nothing pending
			return 0, ErrClosed
		default:
		}
		if timeout == 0 {
			return 0, nil
		}
		if timer == nil {
			timer = time.NewTimer(timeout)
			defer timer.Stop()
		}
		select {
		case <-ch:
		case <-p.quiesced:
		case <-timer.C:
			return p.pending()
		}
	}
}

// pending reads comp_tail - comp_head unless the memory was released.
func (p *Pool) pending() (int, error) {
	p.life.RLock()
	defer p.life.RUnlock()
	if p.released {
		return 0, ErrClosed
	}
	return int(min(p.ring.pending(), 1<<31-1)), nil
}

// checkQuiescedLocked closes quiesced when the pool is closed and idle.
func (p *Pool) checkQuiescedLocked() {
	if p.closed && p.busy == 0 && !p.quiescedDone {
		p.quiescedDone = true
		close(p.quiesced)
	}
}

// Close closes the pool (see the protocol above) and returns the number of
// workers still running a handler, plus the intake if it still holds a
// grab, plus off-worker waits still running, after timeout. Calling it
// again waits again.
func (p *Pool) Close(timeout time.Duration) (int, error) {
	if timeout < 0 {
		return 0, ErrBadArg
	}
	var drained []uint32
	p.mu.Lock()
	first := !p.closed
	if first {
		p.closed = true
		p.closing.Store(true)
		close(p.shutdown)
		drained = p.q.popInto(nil, p.q.len())
		waiting := p.waitQ.len()
		drained = p.waitQ.popInto(drained, waiting)
		for range waiting {
			p.off.give() // Submit took one for each (intake.go step 1)
		}
		p.busy++ // Close itself, while it completes the drained tasks
		p.cond.Broadcast()
		p.intakeCond.Broadcast()
	}
	p.mu.Unlock()

	if first {
		c := &p.counters[p.workers+closeCounters]
		for _, idx := range drained {
			slot := p.ring.Slot(idx)
			bump(&c.started)
			setMsg(slot, msgShutdown)
			setResult(slot, StatusAborted, 0, 0, NoWorker)
			bump(&c.completed)
		}
		p.comp.publishGroup(drained)
		p.mu.Lock()
		p.busy--
		p.checkQuiescedLocked()
		p.mu.Unlock()
	}

	t := time.NewTimer(timeout)
	select {
	case <-p.quiesced:
	case <-t.C:
	}
	t.Stop()

	p.mu.Lock()
	busy := p.busy
	p.mu.Unlock()
	if busy == 0 {
		p.life.Lock()
		p.released = true
		p.life.Unlock()
	}
	return busy, nil
}
