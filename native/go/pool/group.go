package pool

// A worker's completions that are written but not yet published: the
// grouping policy for docs/TRANSPORT.md "Complete" steps 2-3, the same rule
// as the Rust pool (native/rust/src/completions.rs).
//
// Each task's result fields are written to its slot as soon as it ends
// (step 1); its ring entry waits here and is published with others in one
// group: one compMu acquisition, one comp_tail store, one wake check per
// group (complete.go publishGroup). Per completion, publishing costs the
// header cache line (JS writes it too), a locked store and often a JS
// wake-up, because JS drains so fast that the wake word is clear again
// mid-batch (measured before grouping: ~9 wake-ups per 256-task batch);
// per group it costs that once.
//
// A group is published (worker.go applies the rules):
//  1. when the worker finds the queue empty (or the pool closed) after a
//     grab, before it goes idle or exits, while it still counts as busy, so
//     Close returning 0 implies every group was published;
//  2. when a grab leaves fewer than lowWater tasks queued (once per
//     crossing), so JS can refill the queue before the workers run dry;
//  3. before a task that may run long on this worker (mayRunLong), so a
//     quick result never waits behind a slow one; a task of a waiting kind
//     that goes off the worker (offworker.go) does not trigger it;
//  4. when the oldest result in the group is flushAfter old (checked after
//     each completion is added);
//  5. when the group holds maxGroup results.
//
// So a result waits at most flushAfter plus one short task (or hand-off).
//
// A task handed off to its own goroutine (offworker.go) is not in any
// worker's group: that goroutine publishes it alone, as a group of one,
// right after its result is written.
//
// The intake (intake.go) keeps a group like a worker (rules 4-5 apply in
// execute) but publishes it at the end of every grab, whatever is still
// queued: its completions are the quick ways out of a waiting task
// (ABORTED, INJECTED, a bad descriptor or input), never held for company.
//
// Alternative rejected: a timer goroutine that publishes aged groups. It
// would need a lock around every worker's group on the task path, and the
// bound above already holds without it.

import "time"

// flushAfter is the longest a written result waits for its group. A JS
// wake-up costs ~6-10 us (docs/ARCHITECTURE.md, docs/NATIVE-RULES.md), so 20 us keeps the added
// latency at the scale of one wake-up while letting a busy worker publish
// a few hundred tiny tasks at once. Same value as Rust's FLUSH_AFTER; tune
// both with BenchmarkPool / benchNative and the TS latency bench.
const flushAfter = 20 * time.Microsecond

// lowWater: a grab that leaves fewer tasks queued publishes first (rule 2).
// About one JS wake-up (~6-10 us) of tiny tasks at ~40 ns each. Same value
// as Rust's LOW_WATER; lower it if JS wake-ups get cheaper, raising it adds
// publishes per batch.
const lowWater = 256

// maxGroup bounds a group (rule 5): the buffer and the time compMu is held
// (~1 ns per entry). Same value as Rust's MAX_GROUP.
const maxGroup = 512

// longInputBytes: inputs above this may make sha256/echo run for tens of
// microseconds (SHA-256 at ~0.5-2 GB/s: 16 KiB is 8-30 us), so they publish
// the group first (rule 3). Same value as Rust's LONG_INPUT_BYTES.
const longInputBytes = 16 * 1024

// mayRunLong reports whether a task may run long enough that the pending
// group should be published before it starts: any fault injection active,
// an input over longInputBytes, or a timed kind (spin, sleep). Rust's
// may_run_long.
func mayRunLong(d Desc, faultsActive bool) bool {
	if faultsActive || d.InLen > longInputBytes {
		return true
	}
	k := lookupKind(d.Kind)
	return k != nil && k.timed
}

// pendingGroup holds slot indices whose results are written but not yet on
// the complete ring. Owned by one worker; not synchronised.
type pendingGroup struct {
	idxs   []uint32      // cap maxGroup, allocated once
	oldest time.Duration // mono() when idxs[0]'s result was written
}

func newPendingGroup() pendingGroup {
	return pendingGroup{idxs: make([]uint32, 0, maxGroup)}
}

func (g *pendingGroup) len() int { return len(g.idxs) }

// push adds a completed slot; now is mono() when its result was written.
func (g *pendingGroup) push(idx uint32, now time.Duration) {
	if len(g.idxs) == 0 {
		g.oldest = now
	}
	g.idxs = append(g.idxs, idx)
}

// due is rules 4 and 5: the group is full, or its oldest result is at
// least maxAge old at now.
func (g *pendingGroup) due(now, maxAge time.Duration) bool {
	return len(g.idxs) >= maxGroup || (len(g.idxs) > 0 && now-g.oldest >= maxAge)
}

// reset empties the group after it was published (keeps the buffer).
func (g *pendingGroup) reset() { g.idxs = g.idxs[:0] }
