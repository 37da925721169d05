package pool

// Worker thread priority: each worker goroutine runs on an OS thread of its
// own, at the control region's worker_nice (docs/TRANSPORT.md, header word
// 28), named crossfair-go-<i>.
//
// Why: the workers run CPU-bound handlers. When the cores are contended,
// the threads that keep latency short (the JS event loop, this pool's
// intake, timers and off-worker waits, completion wake-ups) should get a
// core first, while the workers still take every cycle nobody else wants
// (docs/NATIVE-RULES.md §13: threads that do not fit the cores fight; this decides
// who wins). A nice value on a Go thread only means something if the
// goroutine stays on it, hence the lock. Measured in docs/FAIRNESS.md
// ("Worker priority").
//
// Invariants:
//   - A worker locks its thread first and never unlocks it: when the
//     goroutine returns (Close), Go terminates the thread, so a thread at
//     the workers' nice never goes back to run other goroutines.
//   - nice 0 changes no priority (the thread keeps the process's); the
//     thread is still locked and named, so `top -H` shows the workers.
//   - Linux only (priority_linux.go); elsewhere the lock alone
//     (priority_other.go).

import "runtime"

// MaxWorkerNice is the highest worker_nice NewRing accepts (Linux's lowest priority).
const MaxWorkerNice = 19

// pinWorkerThread locks the calling goroutine to its thread for good and
// applies name and nice to that thread. A refusal (a seccomp filter, say)
// is returned for tests; the worker runs on at the process's priority.
func pinWorkerThread(id uint32, nice uint32) error {
	runtime.LockOSThread()
	return setThreadNameAndNice(id, nice)
}
