package pool

// taskQueue is the pool's local FIFO of submitted slot indices: a ring buffer
// that grows by doubling (it starts at N entries, which a correct JS never
// exceeds since a slot is in at most one place). Not synchronised: the pool
// guards it with its queue mutex.
//
// Alternative rejected: a buffered channel per pool. One channel op per task
// (a lock each) costs more than one mutex acquisition per several tasks, and
// a channel cannot be drained atomically on close.
type taskQueue struct {
	buf  []uint32 // len is a power of two
	head int      // index of the oldest entry
	n    int      // entries in use
}

func newTaskQueue(capacity int) taskQueue {
	c := 1
	for c < capacity {
		c <<= 1
	}
	return taskQueue{buf: make([]uint32, c)}
}

func (q *taskQueue) len() int { return q.n }

func (q *taskQueue) push(idx uint32) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = idx
	q.n++
}

// popInto appends up to k oldest entries to dst and returns it.
func (q *taskQueue) popInto(dst []uint32, k int) []uint32 {
	k = min(k, q.n)
	mask := len(q.buf) - 1
	for i := 0; i < k; i++ {
		dst = append(dst, q.buf[(q.head+i)&mask])
	}
	q.head = (q.head + k) & mask
	q.n -= k
	return dst
}

func (q *taskQueue) grow() {
	nb := make([]uint32, 2*len(q.buf))
	q.popInto(nb[:0], q.n)
	q.head, q.n = 0, len(q.buf)
	q.buf = nb
}
