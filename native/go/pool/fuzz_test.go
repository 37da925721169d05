package pool

// FuzzDescriptor: arbitrary descriptor bytes and segment sizes must never
// panic the pool nor touch memory outside a registered segment or outside
// the descriptor's output window.
//
// Each segment is registered as a window into a larger buffer whose guard
// bytes on both sides must stay untouched; the window's capacity is capped
// (three-index slice), so an out-of-window access would panic and show up as
// TASK_PANIC for a kind that must not panic.

import (
	"bytes"
	"testing"
	"time"
)

const (
	fuzzGuard  = 64
	fuzzFill   = 0xA5 // not an ASCII digit: spin/sleep input is BAD_INPUT, never a long wait
	fuzzMaxSeg = 1 << 16
)

func FuzzDescriptor(f *testing.F) {
	// Seeds: the descriptors.json shapes.
	for _, d := range []Desc{
		{Kind: 1, InLen: 8, OutOff: 1024, OutCap: 8},
		{Kind: 1, InSeg: 7, InOff: 56, InLen: 8, OutSeg: 7, OutCap: 8},
		{Kind: 1, InSeg: 3, InLen: 8, OutOff: 1024, OutCap: 8},
		{Kind: 1, InSeg: 4096, InLen: 8, OutOff: 1024, OutCap: 8},
		{Kind: 1, InOff: 0xFFFFFFF8, InLen: 16, OutOff: 1024, OutCap: 8},
		{Kind: 1, InLen: 8, OutOff: 0xFFFFFFFF, OutCap: 2},
		{Kind: 2, InLen: 8, OutOff: 1024, OutCap: 31},
		{Kind: 5, InLen: 300, OutCap: 0},
		{Kind: 6, InLen: 8},
		{Kind: 4, InLen: 3},
		{Kind: 999, InLen: 8, OutOff: 1024, OutCap: 8},
	} {
		s := make([]byte, 32)
		EncodeDesc(s, d)
		f.Add(s, uint32(4096), uint32(64))
	}

	ctrl := make([]byte, ControlSize(8))
	WriteHeader(ctrl, 8)
	p, err := New(ctrl, 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close(time.Second) })
	h := &harness{p: p, r: p.Ring()}

	f.Fuzz(func(t *testing.T, desc []byte, len0, len7 uint32) {
		h.t = t
		var raw [32]byte
		copy(raw[:], desc)
		d := DecodeDesc(raw[:])
		sizes := map[uint32]int{0: int(len0 % fuzzMaxSeg), 7: int(len7 % fuzzMaxSeg)}
		bufs := map[uint32][]byte{}
		for id, n := range sizes {
			b := bytes.Repeat([]byte{fuzzFill}, n+2*fuzzGuard)
			bufs[id] = b
			if err := p.RegisterSegment(id, b[fuzzGuard:fuzzGuard+n:fuzzGuard+n]); err != nil {
				t.Fatal(err)
			}
		}
		h.task(0, d)
		h.submit(0)
		h.await(1)
		r := h.result(0)

		switch {
		case r.Status < StatusOK || r.Status > StatusInjected:
			t.Fatalf("status %d", r.Status)
		case r.Status == StatusTaskPanic && d.Kind != 6:
			t.Fatalf("kind %d panicked: %q", d.Kind, r.Msg)
		case le.Uint32(h.r.Slot(0)[slMsgLen:]) > MsgMax:
			t.Fatalf("msg_len %d", le.Uint32(h.r.Slot(0)[slMsgLen:]))
		case r.Status == StatusOK && r.OutLen > d.OutCap:
			t.Fatalf("out_len %d > out_cap %d", r.OutLen, d.OutCap)
		}
		// Bytes outside the output window (and every guard byte) unchanged.
		for id, b := range bufs {
			lo, hi := -1, -1
			if r.Status == StatusOK && id == d.OutSeg {
				lo, hi = fuzzGuard+int(d.OutOff), fuzzGuard+int(d.OutOff)+int(r.OutLen)
			}
			for i, c := range b {
				if c != fuzzFill && (i < lo || i >= hi) {
					t.Fatalf("segment %d byte %d written (status %d, desc %+v)", id, i-fuzzGuard, r.Status, d)
				}
			}
		}
	})
}
