package pool

// Test harness: plays JS's side of docs/TRANSPORT.md over Go memory.

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// testDeadline bounds every wait in the tests; a healthy run needs far less.
const testDeadline = 20 * time.Second

type harness struct {
	t    *testing.T
	p    *Pool
	r    *Ring
	pos  uint32 // next submit ring position
	head uint32 // our comp_head
}

func newHarness(t *testing.T, slots uint32, workers int) *harness {
	t.Helper()
	h := openHarness(t, slots, workers)
	p := h.p
	t.Cleanup(func() {
		if busy, err := p.Close(testDeadline); busy != 0 || err != nil {
			t.Errorf("Close: busy=%d err=%v", busy, err)
		}
	})
	return h
}

// openHarness is newHarness for tests that close the pool themselves.
func openHarness(t *testing.T, slots uint32, workers int) *harness {
	t.Helper()
	ctrl := make([]byte, ControlSize(slots))
	WriteHeader(ctrl, slots)
	p, err := New(ctrl, workers)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &harness{t: t, p: p, r: p.Ring()}
}

// seg allocates and registers segment id of size bytes.
func (h *harness) seg(id uint32, size int) []byte {
	h.t.Helper()
	b := make([]byte, size)
	if err := h.p.RegisterSegment(id, b); err != nil {
		h.t.Fatalf("RegisterSegment(%d): %v", id, err)
	}
	return b
}

// task writes d into slot idx and presets it (submit step 1).
func (h *harness) task(idx uint32, d Desc) {
	s := h.r.Slot(idx)
	clear(s)
	EncodeDesc(s, d)
	PresetSlot(s)
}

// submit writes idxs into the submit ring and calls Submit (steps 2-3).
func (h *harness) submit(idxs ...uint32) int {
	h.t.Helper()
	for i, idx := range idxs {
		h.r.SetSubmitEntry(h.pos+uint32(i), idx)
	}
	n, err := h.p.Submit(h.pos, uint32(len(idxs)))
	if err != nil {
		h.t.Fatalf("Submit: %v", err)
	}
	h.pos += uint32(len(idxs))
	return n
}

// await drains until k completions arrived and returns their slot indices
// in completion order.
func (h *harness) await(k int) []uint32 {
	h.t.Helper()
	var got []uint32
	deadline := time.Now().Add(testDeadline)
	for len(got) < k {
		if time.Now().After(deadline) {
			h.t.Fatalf("await: %d of %d completions after %v", len(got), k, testDeadline)
		}
		atomic.StoreUint32(h.r.Wake(), 0)
		if _, err := h.p.Wait(time.Second); err != nil {
			h.t.Fatalf("Wait: %v", err)
		}
		tail := atomic.LoadUint32(h.r.CompTail())
		for ; h.head != tail; h.head++ {
			got = append(got, h.r.CompEntry(h.head))
		}
		atomic.StoreUint32(h.r.CompHead(), h.head)
	}
	if len(got) != k {
		h.t.Fatalf("await: %d completions, want %d", len(got), k)
	}
	return got
}

func (h *harness) result(idx uint32) Result { return ReadResult(h.r.Slot(idx)) }

// cancel sets slot idx's cancel word as JS does (Atomics.store).
func (h *harness) cancel(idx uint32) { atomic.StoreUint32(h.r.cancelWord(idx), 1) }

// untilRunning polls the stats until n tasks are running (a condition, not a
// timing guess).
func (h *harness) untilRunning(n uint64) {
	h.t.Helper()
	deadline := time.Now().Add(testDeadline)
	for h.p.Stats().Running < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("untilRunning(%d): %+v", n, h.p.Stats())
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// micros is spin/sleep input.
func micros(us int) []byte { return []byte(itoa(us)) }

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for ; v > 0; v /= 10 {
		b = append([]byte{byte('0' + v%10)}, b...)
	}
	return string(b)
}

// put copies data into seg at off and returns a descriptor for kind with
// out region [outOff, outOff+outCap) in the same segment id.
func put(seg []byte, id uint32, kind uint16, data []byte, off, outOff, outCap uint32) Desc {
	copy(seg[off:], data)
	return Desc{Kind: kind, InSeg: id, InOff: off, InLen: uint32(len(data)), OutSeg: id, OutOff: outOff, OutCap: outCap}
}

func wantResult(t *testing.T, name string, got Result, st Status, msg string) {
	t.Helper()
	if got.Status != st {
		t.Errorf("%s: status %d, want %d (msg %q)", name, got.Status, st, got.Msg)
	}
	if msg != "*" && !bytes.Equal(got.Msg, []byte(msg)) {
		t.Errorf("%s: msg %q, want %q", name, got.Msg, msg)
	}
}

// awaitGoroutinesBack fails the test unless the goroutine count falls back
// to `before` (taken before the pool was made) within testDeadline: no
// goroutine of the pool outlives Close.
func awaitGoroutinesBack(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s",
				runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(100 * time.Microsecond)
	}
}
