package pool

// Segments is a pool's data segment table: id 0..4095 -> []byte over JS
// memory (segment 0 is the payload arena, others are side segments).
//
// Invariants:
//   - Segment memory is touched only while holding mu for reading (workers
//     hold it across the data part of a task: input read, output write,
//     message copy). Unregister and Register take mu for writing, so when
//     they return, no task is still using the old memory of that id and JS
//     may release it.
//   - The read lock is never held while a task waits (spin, sleep, hang,
//     injected delay): those phases copy what they need first. So a writer
//     waits at most for one data phase (an echo/sha256 of the largest
//     input) per worker.
//
// Alternative rejected: per-segment reference counts with unregister waiting
// for the count to drain. It is the same wait, with more code and a
// refcount bump on a shared cache line per task.

import "sync"

// MaxSegments is the table size: ids 0..4095 (include/crossfair.h).
const MaxSegments = 4096

// maxSegmentLen: a segment is < 2^32 bytes so u32 offsets address it all
// (include/crossfair.h, cf_segment_register).
const maxSegmentLen = 1 << 32

// Segments is safe for concurrent use.
type Segments struct {
	mu   sync.RWMutex
	segs [MaxSegments][]byte // nil = unregistered
	reg  [MaxSegments]bool   // registered (a zero-length segment is valid)
}

// Register sets segment id to mem (replacing any previous one).
func (s *Segments) Register(id uint32, mem []byte) error {
	if id >= MaxSegments || uint64(len(mem)) >= maxSegmentLen {
		return ErrBadArg
	}
	s.mu.Lock()
	s.segs[id] = mem[:len(mem):len(mem)]
	s.reg[id] = true
	s.mu.Unlock()
	return nil
}

// Unregister removes segment id. When it returns no task touches the old
// memory again. Unregistering an unknown id is not an error.
func (s *Segments) Unregister(id uint32) error {
	if id >= MaxSegments {
		return ErrBadArg
	}
	s.mu.Lock()
	s.segs[id] = nil
	s.reg[id] = false
	s.mu.Unlock()
	return nil
}

// lookup returns segment id. Caller holds mu for reading.
func (s *Segments) lookup(id uint32) ([]byte, bool) {
	if id >= MaxSegments {
		return nil, false
	}
	return s.segs[id], s.reg[id]
}
