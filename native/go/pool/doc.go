// Package pool is the Go worker pool behind the crossfair C ABI
// (include/crossfair.h). It is a plain Go package: `go test` covers all of it
// without Node or cgo; cmd/libcrossfair only converts C types and calls it.
//
// Map of the package (one concept per file):
//
//	ring.go      control region layout, slot accessors, descriptor bounds checks
//	segments.go  data segment table (id 0..4095 -> []byte)
//	kinds.go     the built-in task kinds (echo, sha256, spin, sleep, fail, panic)
//	wait.go      cancellable spin / sleep used by kinds and fault injection
//	queue.go     the local FIFO of submitted slot indices
//	faults.go    fault injection (error rate, delay factor, hang rate)
//	worker.go    the worker loop and the execution of one task
//	intake.go    waiting tasks start at submit, not behind CPU work in the queue
//	offworker.go waiting kinds (sleep) wait on a goroutine of their own
//	watch.go     one goroutine per pool polls the off-worker waits' cancel words
//	group.go     when a worker publishes its completions (grouping rule)
//	complete.go  completion publishing, notify, cf_wait waiters
//	pool.go      pool lifecycle: create, submit, close
//	stats.go     counters for cf_pool_stats
//	bench.go     native-only benchmark driver for cf_bench_native
//	errors.go    status codes and the error codes of the C ABI
//
// The wire contract is docs/TRANSPORT.md; the test vectors in test/vectors/
// are shared with the Rust and TypeScript implementations.
package pool
