package pool

// The cancel watcher (watch.go): cancel and shutdown end off-worker waits,
// one watcher per pool that exits when idle and restarts, no leak, and many
// waits with random cancels each complete once. Tests that set testTick
// drive the watcher's scans one by one: a wait they end needed exactly the
// ticks they sent.

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// manualTicks makes h's watcher scan only when the test calls tick. Call it
// before the first Submit (testTick is read by the watcher it starts).
func (h *harness) manualTicks() func() {
	ch := make(chan time.Time)
	h.p.watch.testTick = ch
	return func() {
		h.t.Helper()
		select {
		case ch <- time.Now(): // received: the watcher scans next
		case <-time.After(testDeadline):
			h.t.Fatal("tick: no watcher running")
		}
	}
}

// untilWatch polls until the watcher's running flag and entry count are as
// given (conditions, as untilTokens).
func (h *harness) untilWatch(running bool, n int) {
	h.t.Helper()
	deadline := time.Now().Add(testDeadline)
	for {
		r, got := h.p.watch.active()
		if r == running && got == n {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("untilWatch(%v, %d): running %v, %d entries", running, n, r, got)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// A cancelled off-worker sleep ends at the watcher's next scan: not before
// it (the wait does not poll), and after exactly one tick.
func TestWatchCancelEndsAtNextScan(t *testing.T) {
	h := newHarness(t, 8, 1)
	tick := h.manualTicks()
	h.sleeps(h.seg(0, 64), 1, 60_000_000)
	h.untilWatch(true, 1)
	h.cancel(0)
	// Cannot false-fail: only a wait that polls by itself could end here.
	if n, _ := h.p.Wait(20 * time.Millisecond); n != 0 {
		t.Fatalf("the sleep ended without a scan")
	}
	tick()
	h.await(1)
	wantResult(t, "cancelled at scan", h.result(0), StatusAborted, "cancelled")
	if s := h.p.watch.scans.Load(); s != 1 {
		t.Errorf("scans %d, want 1", s)
	}
	h.untilTokens(0)
}

// With the real ticker, cancel ends a 10 s sleep far sooner than 10 s (the
// contract is pollInterval plus timer slack; 1 s leaves room for -race and
// a loaded machine).
func TestWatchCancelPrompt(t *testing.T) {
	const n = 100
	h := newHarness(t, 128, 1)
	idxs := h.sleeps(h.seg(0, 64), n, 10_000_000)
	h.untilWatch(true, n)
	start := time.Now()
	for _, i := range idxs {
		h.cancel(i)
	}
	h.await(n)
	d := time.Since(start)
	t.Logf("%d cancels ended in %v", n, d)
	if d >= time.Second {
		t.Errorf("cancel took %v", d)
	}
	for _, i := range idxs {
		wantResult(t, "prompt cancel", h.result(i), StatusAborted, "cancelled")
	}
}

// A cancel word set before the wait starts ends it without any scan (the
// wait checks once before it registers).
func TestWatchCancelBeforeWait(t *testing.T) {
	h := newHarness(t, 8, 1)
	tick := h.manualTicks()
	_ = tick // never called: no scan may be needed
	entered, release := make(chan struct{}), make(chan struct{})
	h.p.off.testHook = func() {
		entered <- struct{}{}
		<-release
	}
	h.sleeps(h.seg(0, 64), 1, 60_000_000)
	<-entered
	h.cancel(0)
	close(release)
	h.await(1)
	wantResult(t, "cancelled before the wait", h.result(0), StatusAborted, "cancelled")
	if s, st := h.p.watch.scans.Load(), h.p.watch.starts.Load(); s != 0 || st != 0 {
		t.Errorf("scans %d, watcher starts %d: want 0, 0", s, st)
	}
}

// An injected hang off the worker waits through the watcher too.
func TestWatchEndsInjectedHang(t *testing.T) {
	h := newHarness(t, 8, 1)
	tick := h.manualTicks()
	if err := h.p.Inject(Faults{HangRate: 1, DelayFactor: 1}); err != nil {
		t.Fatal(err)
	}
	h.sleeps(h.seg(0, 64), 1, 1)
	h.untilWatch(true, 1)
	h.cancel(0)
	tick()
	h.await(1)
	wantResult(t, "hang", h.result(0), StatusAborted, "cancelled")
}

// Shutdown alone (no scan) ends every off-worker wait, and the watcher.
func TestWatchShutdownEndsAllWaits(t *testing.T) {
	const n = 50
	h := newHarness(t, 64, 1)
	h.manualTicks() // never ticked
	idxs := h.sleeps(h.seg(0, 64), n, 60_000_000)
	h.untilWatch(true, n)
	if busy, err := h.p.Close(testDeadline); busy != 0 || err != nil {
		t.Fatalf("Close: busy %d err %v", busy, err)
	}
	for _, i := range idxs {
		wantResult(t, "shutdown", h.result(i), StatusAborted, "pool closed")
	}
	h.untilWatch(false, 0)
	if s := h.p.watch.scans.Load(); s != 0 {
		t.Errorf("scans %d, want 0", s)
	}
}

// One watcher serves all waits; it exits at the first scan that finds none
// and a later wait starts a new one.
func TestWatcherExitsWhenIdleAndRestarts(t *testing.T) {
	const n = 20
	h := newHarness(t, 64, 1)
	tick := h.manualTicks()
	arena := h.seg(0, 64)
	idxs := h.sleeps(arena, n, 60_000_000)
	h.untilWatch(true, n)
	if s := h.p.watch.starts.Load(); s != 1 {
		t.Fatalf("%d watchers started for %d waits, want 1", s, n)
	}
	for _, i := range idxs {
		h.cancel(i)
	}
	tick()
	h.await(n) // each deregistered before it published
	h.untilWatch(true, 0)
	tick() // finds no entry: the watcher exits
	h.untilWatch(false, 0)

	h.task(0, put(arena, 0, 4, micros(60_000_000), 0, 32, 0))
	h.submit(0)
	h.untilWatch(true, 1)
	if s := h.p.watch.starts.Load(); s != 2 {
		t.Errorf("watcher starts %d, want 2", s)
	}
	h.cancel(0)
	tick()
	h.await(1)
	wantResult(t, "after restart", h.result(0), StatusAborted, "cancelled")
}

// After Close, no goroutine of the pool is left: workers, off-worker waits
// and the watcher all exit.
func TestWatchNoGoroutineLeakAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()
	h := openHarness(t, 256, 2)
	p := h.p
	idxs := h.sleeps(h.seg(0, 64), 200, 60_000_000)
	h.untilWatch(true, 200)
	for _, i := range idxs[:100] {
		h.cancel(i)
	}
	h.await(100)
	if busy, err := p.Close(testDeadline); busy != 0 || err != nil {
		t.Fatalf("Close: busy %d err %v", busy, err)
	}
	awaitGoroutinesBack(t, before)
}

// 2000 concurrent waits of 1-20 ms, a random half cancelled at random
// moments: every task completes exactly once; an uncancelled one OK after
// its full sleep, a cancelled one ABORTED (or OK if its timer won).
func TestWatchManyWaitsRandomCancels(t *testing.T) {
	const n = 2000
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	h := newHarness(t, 2048, 2)
	arena := h.seg(0, 16*n)
	durs := make([]time.Duration, n)
	var idxs []uint32
	for i := uint32(0); i < n; i++ {
		us := 1000 + rng.IntN(19_000)
		durs[i] = time.Duration(us) * time.Microsecond
		h.task(i, put(arena, 0, 4, micros(us), 16*i, 0, 0))
		idxs = append(idxs, i)
	}
	cancelled := make([]bool, n)
	order := rng.Perm(n)[:n/2]
	for _, i := range order {
		cancelled[i] = true
	}
	// A pause of up to 1 ms after every 50th cancel spreads the 1000
	// cancels over the waits' 1-20 ms (a Sleep under 1 ms may take 1 ms).
	pauses := make([]time.Duration, len(order))
	for i := 49; i < len(pauses); i += 50 {
		pauses[i] = time.Duration(rng.IntN(1000)) * time.Microsecond
	}
	h.submit(idxs...)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // JS cancelling while the waits run
		defer wg.Done()
		for k, i := range order {
			atomic.StoreUint32(h.r.cancelWord(uint32(i)), 1)
			if pauses[k] > 0 {
				time.Sleep(pauses[k])
			}
		}
	}()
	got := h.await(n)
	wg.Wait()
	seen := make([]int, n)
	for _, i := range got {
		seen[i]++
	}
	aborted := 0
	for i := range seen {
		if seen[i] != 1 {
			t.Errorf("slot %d completed %d times", i, seen[i])
			continue
		}
		r := h.result(uint32(i))
		switch {
		case r.Status == StatusOK:
			if time.Duration(r.ExecNs) < durs[i] {
				t.Errorf("slot %d: OK after %v, sleep %v", i, time.Duration(r.ExecNs), durs[i])
			}
		case cancelled[i]:
			wantResult(t, "cancelled", r, StatusAborted, "cancelled")
			aborted++
		default:
			t.Errorf("slot %d (not cancelled): status %d %q", i, r.Status, r.Msg)
		}
	}
	t.Logf("%d of %d cancelled ended ABORTED", aborted, len(order))
	h.untilTokens(0)
	if _, n := h.p.watch.active(); n != 0 {
		t.Errorf("%d entries left registered", n)
	}
	if busy, err := h.p.Close(testDeadline); busy != 0 || err != nil {
		t.Fatalf("Close: busy %d err %v", busy, err)
	}
	if tail := atomic.LoadUint32(h.r.CompTail()); tail != n {
		t.Errorf("comp_tail %d, want %d: a task completed twice", tail, n)
	}
	if st := h.p.Stats(); st.Completed != n || st.Running != 0 {
		t.Errorf("stats %+v", st)
	}
}
