package pool

// Completion groups (group.go): when a worker publishes, and that a group
// is one ring publish with at most one notify.

import (
	"sync/atomic"
	"testing"
	"time"
)

// noAge disables the age rule for tests that need deterministic groups.
const noAge = time.Hour

// The age and size rules on synthetic times (like Rust's
// due_after_flush_after_or_when_full).
func TestPendingGroupDueAfterFlushAfterOrWhenFull(t *testing.T) {
	g := newPendingGroup()
	t0 := 5 * time.Second
	if g.due(t0, flushAfter) {
		t.Fatal("empty group due")
	}
	g.push(1, t0)
	g.push(2, t0+flushAfter/2) // a later result does not move the age
	if g.due(t0+flushAfter-1, flushAfter) {
		t.Error("due before flushAfter")
	}
	if !g.due(t0+flushAfter, flushAfter) {
		t.Error("not due at flushAfter")
	}
	g.reset()
	if g.len() != 0 || g.due(t0+2*flushAfter, flushAfter) {
		t.Error("reset group still due")
	}
	for i := 0; i < maxGroup; i++ {
		g.push(uint32(i), t0)
	}
	if !g.due(t0, flushAfter) {
		t.Error("full group not due")
	}
}

func TestMayRunLong(t *testing.T) {
	d := func(kind uint16, inLen uint32) Desc { return Desc{Kind: kind, InLen: inLen} }
	for _, c := range []struct {
		name   string
		d      Desc
		faults bool
		want   bool
	}{
		{"small echo", d(1, 8), false, false},
		{"sha256 at the limit", d(2, longInputBytes), false, false},
		{"unknown kind", d(99, 8), false, false},
		{"faults active", d(1, 8), true, true},
		{"sha256 over the limit", d(2, longInputBytes+1), false, true},
		{"spin", d(3, 1), false, true},
		{"sleep", d(4, 1), false, true},
	} {
		if got := mayRunLong(c.d, c.faults); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// untilTail polls comp_tail (without resetting wake, so notifies are not
// re-armed) until n completions are on the ring.
func (h *harness) untilTail(n uint32) {
	h.t.Helper()
	deadline := time.Now().Add(testDeadline)
	for atomic.LoadUint32(h.r.CompTail()) < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("untilTail(%d): comp_tail %d", n, atomic.LoadUint32(h.r.CompTail()))
		}
		h.p.Wait(time.Second)
	}
}

// A group of N completions is one comp_tail store and one notify.
func TestGroupIsOnePublishOneNotify(t *testing.T) {
	ctrl := make([]byte, ControlSize(64))
	WriteHeader(ctrl, 64)
	r, _ := NewRing(ctrl)
	c := newCompleter(r)
	var notifies atomic.Int32
	c.setNotify(func() { notifies.Add(1) })
	group := []uint32{7, 3, 60, 0, 12}
	c.publishGroup(group)
	if tail := atomic.LoadUint32(r.CompTail()); tail != uint32(len(group)) {
		t.Fatalf("comp_tail %d, want %d", tail, len(group))
	}
	for i, idx := range group {
		if got := r.CompEntry(uint32(i)); got != idx {
			t.Errorf("ring[%d] = %d, want %d", i, got, idx)
		}
	}
	if g, n := c.groupCount(), notifies.Load(); g != 1 || n != 1 {
		t.Errorf("groups %d notifies %d, want 1 and 1", g, n)
	}
	c.publishGroup(nil) // an empty group publishes nothing
	if g := c.groupCount(); g != 1 {
		t.Errorf("empty group published: groups %d", g)
	}
}

// A worker that runs N short tasks from one grab publishes them as one
// group when the queue empties (rule 1), with one notify.
func TestShortTasksPublishOnceWhenQueueEmpties(t *testing.T) {
	const n = 16 // <= maxGrab: one grab
	h := newHarness(t, 32, 1)
	h.p.groupAge = noAge // only rule 1 can publish these
	arena := h.seg(0, 64)
	var notifies atomic.Int32
	h.p.SetNotify(func() { notifies.Add(1) })
	var idxs []uint32
	for i := uint32(0); i < n; i++ {
		h.task(i, put(arena, 0, 1, nil, 0, 32, 0))
		idxs = append(idxs, i)
	}
	h.submit(idxs...)
	h.untilTail(n)
	if g, k := h.p.comp.groupCount(), notifies.Load(); g != 1 || k != 1 {
		t.Fatalf("groups %d notifies %d, want 1 and 1", g, k)
	}
	for i, idx := range h.await(n) {
		if idx != uint32(i) {
			t.Errorf("ring[%d] = %d, want FIFO order", i, idx)
		}
		wantResult(t, "echo", h.result(idx), StatusOK, "")
	}
}

// Each result is published when it is flushAfter old (rule 4): with a zero
// age every completion is its own group.
func TestAgeRulePublishesDueResult(t *testing.T) {
	const n = 8
	h := newHarness(t, 16, 1)
	h.p.groupAge = 0
	arena := h.seg(0, 64)
	var idxs []uint32
	for i := uint32(0); i < n; i++ {
		h.task(i, put(arena, 0, 1, nil, 0, 32, 0))
		idxs = append(idxs, i)
	}
	h.submit(idxs...)
	h.await(n)
	if g := h.p.comp.groupCount(); g != n {
		t.Errorf("groups %d, want %d", g, n)
	}
}

// With the real flushAfter, a worker kept busy by short tasks (sha256 of
// exactly longInputBytes: not "long", >= a few us each, so the run takes
// far longer than flushAfter) publishes before its queue empties.
// Timing is used only as a lower bound.
func TestAgeRulePublishesWhileBusy(t *testing.T) {
	const n = 32 // one grab; the queue is below lowWater from the start
	h := newHarness(t, 32, 1)
	h.seg(0, longInputBytes+64*n)
	var idxs []uint32
	for i := uint32(0); i < n; i++ {
		h.task(i, Desc{Kind: 2, InLen: longInputBytes, OutOff: longInputBytes + 64*i, OutCap: 32})
		idxs = append(idxs, i)
	}
	start := time.Now()
	h.submit(idxs...)
	h.await(n)
	elapsed := time.Since(start)
	// Without rule 4 these n results are exactly one group (rule 1).
	if g := h.p.comp.groupCount(); g < 2 {
		t.Errorf("groups %d over %v: the age rule never published", g, elapsed)
	}
}

// A pending result is published before a task that may run long (rule 3),
// not after it.
func TestLongTaskPublishesPendingFirst(t *testing.T) {
	h := newHarness(t, 8, 1)
	h.p.groupAge = noAge
	arena := h.seg(0, 64)
	h.task(0, put(arena, 0, 1, nil, 0, 32, 0))                 // echo
	h.task(1, put(arena, 0, 4, micros(60_000_000), 16, 32, 0)) // sleep 60 s
	h.submit(0, 1)
	if got := h.await(1); got[0] != 0 {
		t.Fatalf("first completion %d, want the echo", got[0])
	}
	h.cancel(1)
	h.await(1)
	wantResult(t, "cancelled sleep", h.result(1), StatusAborted, "*")
}

// Each trigger of rule 3 publishes before every such task; a task at the
// limit does not. n tasks in one grab: n groups, or 1.
func TestLongTaskKindsEachPublish(t *testing.T) {
	const n = 4
	for _, c := range []struct {
		name   string
		kind   uint16
		inLen  uint32
		faults Faults
		groups uint64
	}{
		{"sha256 at the limit", 2, longInputBytes, NoFaults, 1},
		{"sha256 over the limit", 2, longInputBytes + 1, NoFaults, n},
		{"spin", 3, 1, NoFaults, n},
		{"faults active", 1, 0, Faults{ErrorRate: 1, DelayFactor: 1}, n},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 8, 1)
			h.p.groupAge = noAge
			seg := h.seg(0, longInputBytes+64*n+1)
			copy(seg, "1") // spin input: 1 us
			if err := h.p.Inject(c.faults); err != nil {
				t.Fatal(err)
			}
			var idxs []uint32
			for i := uint32(0); i < n; i++ {
				h.task(i, Desc{Kind: c.kind, InLen: c.inLen, OutOff: longInputBytes + 1 + 64*i, OutCap: 32})
				idxs = append(idxs, i)
			}
			h.submit(idxs...)
			h.await(n)
			if g := h.p.comp.groupCount(); g != c.groups {
				t.Errorf("groups %d, want %d", g, c.groups)
			}
		})
	}
}
