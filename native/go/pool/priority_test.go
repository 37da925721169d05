//go:build linux

package pool

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// workerThreads maps the tid of each thread named crossfair-go-* to its nice value.
func workerThreads(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	dirs, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		base := filepath.Join("/proc/self/task", d.Name())
		comm, err := os.ReadFile(filepath.Join(base, "comm"))
		if err != nil || !strings.HasPrefix(string(comm), "crossfair-go-") {
			continue // a thread that just ended
		}
		stat, err := os.ReadFile(filepath.Join(base, "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		nice, err := strconv.Atoi(fields[19-3])
		if err != nil {
			t.Fatalf("stat of %s: %v", d.Name(), err)
		}
		out[d.Name()] = nice
	}
	return out
}

// countNice counts worker threads at nice n.
func countNice(m map[string]int, n int) int {
	c := 0
	for _, v := range m {
		if v == n {
			c++
		}
	}
	return c
}

// poll re-reads the threads until ok holds or 10 s pass (a worker pins its
// thread as its first step, so right after New it may not have yet; a
// terminated thread leaves /proc shortly after its goroutine returns).
// Threads in `old` (named before the pool under test started: an earlier
// test's, say) are left out.
func poll(t *testing.T, old map[string]int, ok func(map[string]int) bool) map[string]int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := workerThreads(t)
		for tid := range old {
			delete(m, tid)
		}
		if ok(m) || time.Now().After(deadline) {
			return m
		}
		runtime.Gosched()
	}
}

func TestWorkersRunOnThreadsOfTheirOwnAtTheHeadersNice(t *testing.T) {
	const nice = 9
	ctrl := make([]byte, ControlSize(8))
	WriteHeader(ctrl, 8)
	le.PutUint32(ctrl[hdrNice:], nice)
	before, err := threadNice()
	if err != nil {
		t.Fatal(err)
	}
	old := workerThreads(t)
	p, err := New(ctrl, 3)
	if err != nil {
		t.Fatal(err)
	}
	m := poll(t, old, func(m map[string]int) bool { return countNice(m, nice) == 3 })
	if countNice(m, nice) != 3 {
		t.Fatalf("worker threads %v, want 3 at nice %d", m, nice)
	}
	if after, _ := threadNice(); after != before {
		t.Errorf("the creating thread went from nice %d to %d", before, after)
	}
	if n, err := p.Close(5 * time.Second); n != 0 || err != nil {
		t.Fatalf("Close: %d, %v", n, err)
	}
	// A pinned goroutine that returns takes its thread with it, so no thread
	// at the workers' nice is left to run other goroutines. The one
	// exception is Go's first thread (here the process's main thread), which
	// Go parks for good instead of ending: it runs nothing either.
	m = poll(t, old, func(m map[string]int) bool { delete(m, mainTid()); return countNice(m, nice) == 0 })
	delete(m, mainTid())
	if countNice(m, nice) != 0 {
		t.Fatalf("threads at nice %d after Close: %v", nice, m)
	}
}

func mainTid() string { return strconv.Itoa(os.Getpid()) }

func TestNiceZeroLeavesThePriorityAlone(t *testing.T) {
	ctrl := make([]byte, ControlSize(8))
	WriteHeader(ctrl, 8) // worker_nice 0
	old := workerThreads(t)
	p, err := New(ctrl, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(5 * time.Second)
	process, _ := threadNice()
	m := poll(t, old, func(m map[string]int) bool { return len(m) == 2 })
	if len(m) != 2 || countNice(m, process) != 2 {
		t.Fatalf("worker threads %v, want all at the process's nice %d", m, process)
	}
}
