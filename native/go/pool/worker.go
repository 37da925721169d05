package pool

// The worker loop and the execution of one task.
//
// Loop (one goroutine per worker):
//  1. Under the queue mutex, wait on cond while the queue is empty and the
//     pool is open (blocked, no spinning).
//  2. Take grabCount(len, workers) indices into a local buffer, mark the
//     worker busy, release the mutex. If the grab left fewer than lowWater
//     tasks queued and the previous one did not, publish the pending group
//     (group.go rule 2).
//  3. Execute each index (below); each result joins the pending group.
//  4. Re-take the mutex. If the queue is empty or the pool closed, publish
//     the pending group (rule 1) with the mutex released, still counted
//     busy, then re-take it. Mark the worker idle; if the pool is closed and
//     no worker is busy, signal quiescence; go to 1 (or exit when closed).
//
// Invariant: a worker's pending group is empty whenever it waits on cond,
// exits, or leaves busy with the pool closed (step 4 publishes first), so
// Close returning 0 means every result was published. A worker that leaves
// busy with results pending (queue non-empty, pool open) takes the next
// grab in the same hold of the mutex.
//
// Execute (per task; the intake runs the same steps for the waiting tasks
// Submit routes to it, intake.go):
//  1. If the slot's cancel word is set (or the pool is closing): ABORTED
//     without running.
//  2. Decode the descriptor. A task of a waiting kind (kinds.go) takes an
//     off-worker token if one is free (offworker.go), unless it holds one
//     already (the intake's tasks: Submit took it, intake.go); otherwise, if
//     the task may run long (mayRunLong), publish the pending group first
//     (rule 3). A task that goes off the worker does not run long here.
//  3. Fault injection (faults.go): INJECTED, or an injected hang.
//  4. Bounds-check the descriptor under the segment read lock, look up the
//     kind. Data kinds run under the lock and recover(); spin/sleep parse
//     their input under the lock. What remains is a rest: the wait (hang,
//     spin, sleep) and the injected delay (step 5).
//  5. With a token and a rest that waits: hand the task off (its goroutine
//     runs the rest, publishes the task as a group of one and gives the
//     token back) and go on with the next task. Otherwise give the token
//     back, if any (execute's deferred call does so on every other way out:
//     step 1's abort, a panic), release the segment lock if the rest waits,
//     and run the rest here.
//  6. Write status/out_len/exec_ns/worker (msg was written in 1-5), add the
//     slot to the pending group, and publish the group if it is due: full,
//     or its oldest result is flushAfter old (rules 4-5, complete.go).
//
// Grabbing several tasks per lock makes the per-task queue cost a fraction
// of a lock when the queue is long; taking at most len/workers keeps a
// worker from holding more than its fair share while others idle. A task in
// a local buffer still sees cancel and shutdown at step 1.
//
// Two per-task costs are amortised over a grab (measured with BenchmarkPool,
// each was ~15-25 ns of a ~150 ns empty task):
//   - The segment read lock is taken once and held across consecutive data
//     phases; it is released before any wait (spin, sleep, hang, delay) and
//     at the end of the grab, so Register/Unregister wait at most one grab
//     of data phases.
//   - One clock read per task: a task's start is the previous task's end in
//     the same grab, so exec_ns includes the previous task's bookkeeping
//     (adding to the group, tens of ns). After publishing a group the clock
//     is read fresh: publishing (and a notify) is not the next task's time.

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// maxGrab bounds the tasks taken per lock. Picked so the lock cost is <5% of
// an empty echo task; larger gains nothing measurable (BenchmarkPool).
const maxGrab = 32

// maxInjectedDelay caps the injected delay (ns, as float64) so a huge
// delay factor cannot overflow time.Duration; a day is "forever" in tests.
const maxInjectedDelay = float64(24 * time.Hour)

// NoWorker is the worker field of a task that no worker ran: aborted by
// close while still queued, or started by the intake (intake.go).
const NoWorker = 0xFFFFFFFF

var msgBadDescriptor = []byte("descriptor failed the bounds checks")

func grabCount(queued, workers int) int {
	return max(1, min(maxGrab, queued/workers))
}

type worker struct {
	p     *Pool
	id    uint32 // the index written in results; NoWorker for the intake
	wait  *waiter
	rng   *rand.Rand
	c     *workerCounters
	local []uint32

	segsHeld bool          // holding p.segs.mu for reading
	clock    time.Duration // mono() at the end of the previous task in this grab
	token    bool          // holds an off-worker token for the task in execute

	group pendingGroup // results written, not yet published (group.go)
	low   bool         // the previous grab left < lowWater queued (rule 2)
}

// giveToken gives back the off-worker token the worker holds, if any.
func (wk *worker) giveToken() {
	if wk.token {
		wk.p.off.give()
		wk.token = false
	}
}

func (wk *worker) lockSegs() {
	if !wk.segsHeld {
		wk.p.segs.mu.RLock()
		wk.segsHeld = true
	}
}

func (wk *worker) unlockSegs() {
	if wk.segsHeld {
		wk.p.segs.mu.RUnlock()
		wk.segsHeld = false
	}
}

func (wk *worker) loop() {
	p := wk.p
	// Its own thread for good, at the pool's nice (priority.go). A refusal
	// leaves the process's priority: slower to yield, never wrong.
	_ = pinWorkerThread(wk.id, p.ring.workerNice)
	p.mu.Lock()
	for {
		for p.q.len() == 0 && !p.closed {
			p.idle++
			p.cond.Wait()
			p.idle--
		}
		if p.closed { // Close drained the queue; nothing left to take
			break
		}
		wk.local = p.q.popInto(wk.local[:0], grabCount(p.q.len(), p.workers))
		low := p.q.len() < lowWater
		p.busy++
		p.mu.Unlock()
		// Rule 2: running low; let JS refill the queue while this grab runs.
		if low && !wk.low {
			wk.flush()
		}
		wk.low = low
		wk.clock = mono()
		for _, idx := range wk.local {
			wk.execute(idx)
		}
		wk.unlockSegs()
		p.mu.Lock()
		if wk.group.len() > 0 && (p.q.len() == 0 || p.closed) {
			// Rule 1: out of work (or closing). Publish outside mu, since
			// notify may be slow, and while still counted in busy, so Close
			// cannot report 0 before this group is on the ring.
			p.mu.Unlock()
			wk.flush()
			p.mu.Lock()
		}
		p.busy--
		p.checkQuiescedLocked()
	}
	p.mu.Unlock()
}

// flush publishes the pending group (complete.go), if any.
func (wk *worker) flush() {
	if wk.group.len() == 0 {
		return
	}
	wk.p.comp.publishGroup(wk.group.idxs)
	wk.group.reset()
	// Publishing (and a possible notify) is not the next task's time.
	wk.clock = mono()
}

// execute runs slot idx and adds its completion to the pending group, or
// hands it off (offworker.go), whose goroutine then owns its completion.
func (wk *worker) execute(idx uint32) {
	p := wk.p
	slot := p.ring.Slot(idx)
	cancel := p.ring.cancelWord(idx)
	bump(&wk.c.started)
	added := false
	defer func() {
		// Backstop: handlers recover their own panics (runData); this only
		// catches a bug in the pool code, so the worker survives and the
		// task still completes (published by the loop's rules).
		if v := recover(); v != nil && !added {
			wk.unlockSegs()
			setMsg(slot, panicMsg(v))
			setResult(slot, StatusTaskPanic, 0, 0, wk.id)
			bump(&wk.c.panics)
			bump(&wk.c.completed)
			wk.group.push(idx, mono())
		}
		// A token not handed off goes back on every way out (step 5).
		wk.giveToken()
	}()
	st, outLen, execNs, off := wk.run(idx, slot, cancel)
	if off {
		added = true // the off-worker goroutine completes it
		// Rule 4 still holds across a hand-off (it is not a completion).
		if wk.group.due(wk.clock, p.groupAge) {
			wk.flush()
		}
		return
	}
	setResult(slot, st, outLen, execNs, wk.id)
	if st == StatusTaskPanic {
		bump(&wk.c.panics)
	}
	bump(&wk.c.completed)
	added = true
	// wk.clock is this task's end (run reads the clock on every path).
	wk.group.push(idx, wk.clock)
	if wk.group.due(wk.clock, p.groupAge) {
		wk.flush()
	}
}

// run is execute steps 1-5; it writes msg and the output, returns the rest
// of the result, or off = true when the task was handed off. It leaves
// wk.clock at the task's end (or, handed off, at the hand-off's end).
func (wk *worker) run(idx uint32, slot []byte, cancel *uint32) (st Status, outLen uint32, execNs uint64, off bool) {
	if why := wk.wait.abortReason(cancel); why != nil {
		setMsg(slot, why)
		// The result's time for the age rule; also the next task's start.
		wk.clock = mono()
		return StatusAborted, 0, 0, false
	}
	d := DecodeDesc(slot)
	f := wk.p.faults.Load()
	k := lookupKind(d.Kind)
	waits := k != nil && k.waits
	if waits && !wk.token {
		wk.token = wk.p.off.take()
	}
	// Without waits, a token the intake holds (JS rewrote the kind after
	// submit: intake.go) is given back below and the task runs here.
	off = waits && wk.token
	if !off && wk.group.len() > 0 && mayRunLong(d, f != nil) {
		wk.flush() // rule 3: a quick result never waits behind a slow one
	}
	r := rest{start: wk.clock}
	o := outcome{}
	action := faultNone
	if f != nil {
		action = f.roll(wk.rng)
	}
	switch action {
	case faultError:
		setMsg(slot, msgInjected)
		o.status = StatusInjected
	case faultHang:
		r.hang = true
	default:
		o = wk.handle(slot, d, k, &r)
		if f != nil && f.DelayFactor > 1 {
			r.delay = f.DelayFactor
		}
	}
	if off && r.waits() {
		wk.handOff(idx, slot, cancel, o, r)
		wk.clock = mono() // the hand-off is not the next task's time
		return 0, 0, 0, true
	}
	wk.giveToken() // nothing to wait for (INJECTED, BAD_INPUT, ...), or not off
	if r.waits() {
		wk.unlockSegs() // never wait holding the segment lock
		o, wk.clock = r.finish(o, slot, wk.wait, cancel)
	} else {
		wk.clock = mono()
	}
	return o.status, o.outLen, uint64(wk.clock - r.start), false
}

// handle is execute step 4 for kind k (nil: unknown). The msg is in the
// slot when it returns, except for a timed kind, whose wait (r) writes it.
func (wk *worker) handle(slot []byte, d Desc, k *Kind, r *rest) outcome {
	wk.lockSegs()
	in, out, ok := resolve(&wk.p.segs, d)
	if !ok {
		setMsg(slot, msgBadDescriptor)
		return outcome{status: StatusBadDescriptor}
	}
	if k == nil {
		setMsg(slot, strconv.AppendUint([]byte("unknown kind "), uint64(d.Kind), 10))
		return outcome{status: StatusUnknownKind}
	}
	if k.timed {
		dur, ok := ParseMicros(in)
		if !ok {
			setMsg(slot, msgBadMicros)
			return outcome{status: StatusBadInput}
		}
		r.timed, r.burn, r.dur = true, k.burn, dur
		return outcome{status: StatusOK}
	}
	o := runData(k, in, out) // recovers handler panics
	setMsg(slot, o.msg)      // o.msg may alias in: copied while the lock is held
	return o
}

// rest is what remains of a task after its data phase: the wait of an
// injected hang or of a timed kind, then the injected delay (execute steps
// 3-5). It reads the slot's cancel word and writes only the slot's msg,
// never a segment, so it runs without the segment lock, and for a waiting
// kind on a goroutine of its own (offworker.go).
type rest struct {
	start time.Duration // mono() at the task's start: exec_ns and the delay count from here
	hang  bool          // injected hang: wait until cancel or shutdown
	timed bool          // a timed kind: wait dur, spinning if burn
	burn  bool
	dur   time.Duration
	delay float64 // the injected DelayFactor when it applies (> 1), else 0
}

// waits reports whether r has anything to wait for.
func (r *rest) waits() bool { return r.hang || r.timed || r.delay > 1 }

// finish runs r with waiter w (one goroutine's) and returns the final
// outcome and the task's end (mono()). o is the data phase's outcome.
func (r *rest) finish(o outcome, slot []byte, w *waiter, cancel *uint32) (outcome, time.Duration) {
	switch {
	case r.hang:
		setMsg(slot, w.sleep(-1, cancel))
		o = outcome{status: StatusAborted}
	case r.timed:
		o = w.timed(r.dur, r.burn, cancel)
		setMsg(slot, o.msg)
	}
	if r.delay > 1 {
		extra := time.Duration(min(float64(mono()-r.start)*(r.delay-1), maxInjectedDelay))
		if why := w.sleep(extra, cancel); why != nil {
			setMsg(slot, why)
			o = outcome{status: StatusAborted}
		}
	}
	return o, mono()
}

// resolve applies the bounds checks of docs/TRANSPORT.md to d and returns
// the input and output windows. Caller holds segs.mu for reading.
func resolve(segs *Segments, d Desc) (in, out []byte, ok bool) {
	inSeg, ok1 := segs.lookup(d.InSeg)
	outSeg, ok2 := segs.lookup(d.OutSeg)
	if !ok1 || !ok2 ||
		!inBounds(len(inSeg), d.InOff, d.InLen) ||
		!inBounds(len(outSeg), d.OutOff, d.OutCap) {
		return nil, nil, false
	}
	// Three-index slices: a handler cannot grow out past out_cap.
	// int arithmetic (64-bit here): the sums were checked above and cannot wrap.
	inEnd := int(d.InOff) + int(d.InLen)
	outEnd := int(d.OutOff) + int(d.OutCap)
	in = inSeg[d.InOff:inEnd:inEnd]
	out = outSeg[d.OutOff:outEnd:outEnd]
	return in, out, true
}
