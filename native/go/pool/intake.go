package pool

// The intake: one goroutine per pool that starts the tasks of waiting kinds
// (kinds.go; today sleep, which stands for I/O) as soon as they are
// submitted, rather than when a worker reaches them in the FIFO.
//
// Why: the JS scheduler places I/O tasks on this pool because their waits
// overlap here at no cost, and its model charges such kinds no queueing. In
// the one FIFO they did queue: with the worker busy on spin tasks (about
// 2 ms of them sent ahead by the JS credit), a 5 ms sleep spent 2-3 ms in
// the queue before its wait started (measured in Node, 400 sleeps beside
// 100 spins: sleep end-to-end ~10 ms, against ~6.4 ms with no CPU work in
// the Go queue).
//
//	Submit (JS thread, mu held)      intake (one per pool)        off-worker goroutine
//	---------------------------      ---------------------        --------------------
//	kind waits && off.take()? -yes-> waitQ -> grab <= maxGrab
//	        | no                        execute (worker.go 1-5) -> handOff -> rest.finish,
//	        v                           no hand-off: complete,      publish alone,
//	        q -> workers (worker.go)    publish after the grab      give the token back
//
// Protocol:
//  1. Submit, under mu, reads each accepted slot's kind id (idx < N was
//     checked, lookupKind bounds the id; nothing else of the descriptor is
//     trusted yet). A waiting kind that gets an off-worker token
//     (offWaits.take) goes on waitQ holding it; anything else goes on q.
//     Submit signals the intake once if it is parked.
//  2. The intake, under mu, waits on intakeCond while waitQ is empty and the
//     pool is open; exits if it is closed; else takes up to maxGrab indices,
//     counts itself in busy and releases mu.
//  3. It runs each with worker.execute, exactly the path of a worker, with
//     the token already held (worker.token): cancel/shutdown check, decode,
//     fault injection (the intake's own generator), bounds checks and input
//     parse under the segment read lock, then the hand-off, which passes
//     the token to the off-worker goroutine. Every other way out (ABORTED,
//     INJECTED, BAD_DESCRIPTOR, BAD_INPUT, UNKNOWN_KIND, a recovered panic)
//     gives the token back and completes the task here.
//  4. After the grab it releases the segment lock and publishes its pending
//     group at once, whatever is still queued (its completions are the
//     quick ways out of step 3: none waits for company beyond one grab of
//     data phases); then busy-- under mu, signals quiescence if the pool is
//     closed and nothing is busy, and goes back to 2.
//  5. Close takes waitQ under mu together with q, gives back the tokens of
//     the tasks it took, and completes them ABORTED, worker = NoWorker, in
//     its one group.
//
// Invariants:
//   - Every index on waitQ or in the intake's grab holds one token, so the
//     bound maxOffWaits counts waitQ, the grab and the off-worker waits
//     together. With no token free a waiting task goes on q and runs on a
//     worker as before (offworker.go step 1): nothing is refused.
//   - The intake never waits for a task: a waiting kind with a token hands
//     off whenever its rest waits (hang, sleep, injected delay). A slot whose
//     kind JS rewrote after submit (a protocol violation) runs here as on a
//     worker: correct, only late for the waiting tasks behind it.
//   - Close returning 0 still means nothing touches the ring: the intake
//     takes work only while open, under mu, and counts in busy from then
//     until its group is published; a hand-off counts its goroutine in busy
//     before that (offworker.go), so busy never passes through 0.
//   - worker = NoWorker in the results of every task the intake starts
//     (completed here or handed off): no worker ran it, as for a task Close
//     aborts unrun. exec_ns counts from the task's start on the intake.
//   - Stats keep their meaning: the intake bumps started/completed/panics on
//     its own counters (intakeCounters, single writer), so a task on waitQ
//     counts as queued and, from its start, as running until its result is
//     written (off the worker: offworker.go's counters).
//
// Cost: one extra goroutine per pool, parked when waitQ is empty (no
// spinning); per waiting task a queue push in Submit and the work the
// worker did before (decode, data phase, goroutine start), now on the
// intake. It needs a P to run promptly while workers spin: the JS side sets
// GOMAXPROCS = workers + 1 (src/pools.ts); with fewer, Go's preemption
// (~10 ms) bounds the delay.
//
// Alternatives rejected:
//   - Running step 3 inside Submit: Submit runs on the JS thread (a cgo
//     call), which the whole scheduler shares; the data phase and a goroutine
//     start (~1 us) per waiting task would move there.
//   - A goroutine per waiting task started by Submit: the same `go` cost on
//     the JS thread, and the fault generator would be shared.
//   - Workers preferring waitQ: a worker in a 200 us spin still cannot take
//     the sleep that arrives meanwhile, and W workers are sized to cores.
//   - Bounds-checking the whole descriptor in Submit: it needs the segment
//     lock on the JS thread; the intake fails a bad descriptor exactly as a
//     worker does, with the same code.
//   - More than one intake: its per-task work is ~1-2 us, so one serves
//     hundreds of thousands of waiting tasks a second, and one keeps the
//     wake-up to a single Signal.

import "math/rand/v2"

// toIntake is step 1 for slot idx (< N): whether it goes on waitQ. When it
// returns true the task holds an off-worker token. Caller holds mu.
func (p *Pool) toIntake(idx uint32) bool {
	k := lookupKind(p.ring.slotKind(idx))
	return k != nil && k.waits && p.off.take()
}

// startIntake starts the intake goroutine (New). Its generator is stream W
// of the workers' seed: the workers use streams 0..W-1.
func (p *Pool) startIntake(seed uint64) {
	in := &worker{
		p:     p,
		id:    NoWorker,
		wait:  newWaiter(p.shutdown, &p.closing),
		rng:   rand.New(rand.NewPCG(seed, uint64(p.workers))),
		c:     &p.counters[p.workers+intakeCounters],
		local: make([]uint32, 0, maxGrab),
		group: newPendingGroup(),
	}
	go in.intakeLoop()
}

// intakeLoop is steps 2-4.
func (wk *worker) intakeLoop() {
	p := wk.p
	p.mu.Lock()
	for {
		for p.waitQ.len() == 0 && !p.closed {
			p.intakeIdle = true
			p.intakeCond.Wait()
		}
		p.intakeIdle = false
		if p.closed { // Close took waitQ; nothing left to take
			break
		}
		wk.local = p.waitQ.popInto(wk.local[:0], maxGrab)
		p.busy++
		p.mu.Unlock()
		wk.clock = mono()
		for _, idx := range wk.local {
			wk.token = true // Submit took it for this task (step 1)
			wk.execute(idx)
		}
		wk.unlockSegs()
		// Published while still counted busy, so Close cannot report 0
		// before this group is on the ring.
		wk.flush()
		p.mu.Lock()
		p.busy--
		p.checkQuiescedLocked()
	}
	p.mu.Unlock()
}
