package pool

// The watcher's registry on its own (watch.go), without a pool: swap-remove
// keeps signals on the right entries, and the start/exit protocol keeps a
// watcher running whenever an entry is registered.

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func newTestWatch() (*cancelWatch, chan time.Time, chan struct{}) {
	tick := make(chan time.Time)
	shutdown := make(chan struct{})
	return &cancelWatch{shutdown: shutdown, testTick: tick}, tick, shutdown
}

func woken(e *watchEntry) bool {
	select {
	case <-e.wake:
		return true
	default:
		return false
	}
}

// checkRegistry verifies the invariants of watch.go under mu: positions
// match, and a registered entry implies a running watcher. Errorf, not
// Fatalf: it is called from other goroutines.
func checkRegistry(t *testing.T, cw *cancelWatch) bool {
	t.Helper()
	cw.mu.Lock()
	defer cw.mu.Unlock()
	for i, e := range cw.entries {
		if e.pos != i {
			t.Errorf("entries[%d].pos = %d", i, e.pos)
			return false
		}
	}
	if len(cw.entries) > 0 && !cw.running {
		t.Errorf("%d entries and no watcher running", len(cw.entries))
		return false
	}
	return true
}

// After removing an entry from the middle, a scan signals exactly the
// entries whose word is set, moved or not, each once per scan at most.
func TestWatchSwapRemoveSignalsRightEntries(t *testing.T) {
	cw, tick, shutdown := newTestWatch()
	defer close(shutdown)
	words := make([]uint32, 4)
	es := make([]watchEntry, 4)
	for i := range es {
		es[i] = newWatchEntry()
		es[i].cancel = &words[i]
		cw.register(&es[i])
	}
	cw.deregister(&es[1]) // es[3] moves to position 1
	checkRegistry(t, cw)
	words[1], words[3] = 1, 1 // es[1] is gone: its word is not read
	tick <- time.Now()
	tick <- time.Now() // the second receive returns after the first scan
	for i, want := range []bool{false, false, false, true} {
		if got := woken(&es[i]); got != want {
			t.Errorf("entry %d woken %v, want %v", i, got, want)
		}
	}
	cw.deregister(&es[3])
	if woken(&es[3]) {
		t.Error("deregister left a wake behind")
	}
	cw.deregister(&es[3]) // twice: a no-op
	checkRegistry(t, cw)
	if _, n := cw.active(); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}

// Registrations racing with scans and with the watcher's exit: whenever an
// entry is registered a watcher runs, and every watcher started also exits.
func TestWatchStartExitRace(t *testing.T) {
	cw, tick, shutdown := newTestWatch()
	stop := make(chan struct{})
	ticker := sync.WaitGroup{}
	ticker.Add(1)
	go func() { // scans as fast as a watcher takes them
		defer ticker.Done()
		for {
			select {
			case tick <- time.Now():
			case <-stop:
				return
			}
		}
	}()
	// Two registrants that yield between waits: the registry empties often,
	// so scans find it empty and watchers exit while others register.
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var word uint32
			e := newWatchEntry()
			e.cancel = &word
			for i := 0; i < 5000; i++ {
				cw.register(&e)
				ok := checkRegistry(t, cw)
				cw.deregister(&e)
				if !ok {
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	checkRegistry(t, cw)
	t.Logf("%d watcher starts, %d scans", cw.starts.Load(), cw.scans.Load())
	// With no entry, the next scan ends the watcher (if one still runs).
	deadline := time.Now().Add(testDeadline)
	for {
		if running, _ := cw.active(); !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("watcher still running with no entry")
		}
		time.Sleep(100 * time.Microsecond)
	}
	close(stop)
	ticker.Wait()
	close(shutdown)
}
