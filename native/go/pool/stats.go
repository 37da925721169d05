package pool

// Counters for cf_pool_stats: [0] queued, [1] running, [2] completed,
// [3] panics, [4] workers.
//
// Each worker owns one workerCounters (single writer, padded to its own cache
// line), so counting costs no shared atomic read-modify-write on the task
// path. Close and the intake (intake.go) have one each too, after the
// workers'. A task handed off (offworker.go) is started on its worker's (or
// the intake's) counters and completed on the pool's shared off-worker
// counters (atomic adds), so it counts as running while it waits. Stats sums
// them all. Derived values: queued = submitted - started,
// running = started - completed. Read order (completed, then started, then
// submitted) keeps both differences non-negative, since each counter only
// grows and completed <= started <= submitted at every instant.

import "sync/atomic"

// cacheLine: x86-64 and most arm64 cores use 64-byte lines; 128 covers the
// adjacent-line prefetcher on Intel.
const cacheLine = 128

type workerCounters struct {
	started   atomic.Uint64
	completed atomic.Uint64
	panics    atomic.Uint64
	_         [cacheLine - 24]byte
}

// bump adds one to a counter that only its owner writes: a load plus a store
// instead of a locked add; Stats readers still see a whole value.
func bump(c *atomic.Uint64) { c.Store(c.Load() + 1) }

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Queued, Running, Completed, Panics, Workers uint64
}

// Slice returns the counters in cf_pool_stats order.
func (s Stats) Slice() [5]uint64 {
	return [5]uint64{s.Queued, s.Running, s.Completed, s.Panics, s.Workers}
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	var st Stats
	var started uint64
	st.Completed = p.off.completed.Load()
	st.Panics = p.off.panics.Load()
	for i := range p.counters {
		st.Completed += p.counters[i].completed.Load()
		st.Panics += p.counters[i].panics.Load()
	}
	for i := range p.counters {
		started += p.counters[i].started.Load()
	}
	p.mu.Lock()
	submitted := p.submitted
	p.mu.Unlock()
	st.Queued = submitted - started
	st.Running = started - st.Completed
	st.Workers = uint64(p.workers)
	return st
}
