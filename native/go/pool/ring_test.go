package pool

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestNewRingRejectsBadHeaders(t *testing.T) {
	good := func() []byte { b := make([]byte, ControlSize(8)); WriteHeader(b, 8); return b }
	if _, err := NewRing(good()); err != nil {
		t.Fatalf("good header: %v", err)
	}
	cases := map[string]func([]byte) []byte{
		"short":        func(b []byte) []byte { return b[:HeaderSize-1] },
		"short-slots":  func(b []byte) []byte { return b[:len(b)-1] },
		"magic":        func(b []byte) []byte { b[0] ^= 1; return b },
		"layout":       func(b []byte) []byte { le.PutUint32(b[hdrLayout:], 2); return b },
		"slot-size":    func(b []byte) []byte { le.PutUint32(b[hdrSlotSize:], 128); return b },
		"not-pow2":     func(b []byte) []byte { le.PutUint32(b[hdrSlotCount:], 6); return b },
		"too-few":      func(b []byte) []byte { le.PutUint32(b[hdrSlotCount:], 4); return b },
		"too-many":     func(b []byte) []byte { le.PutUint32(b[hdrSlotCount:], 1<<17); return b },
		"zero":         func(b []byte) []byte { le.PutUint32(b[hdrSlotCount:], 0); return b },
		"misaligned":   func(b []byte) []byte { c := make([]byte, len(b)+1); copy(c[1:], b); return c[1:] },
		"empty-region": func(b []byte) []byte { return nil },
		"nice-20":      func(b []byte) []byte { le.PutUint32(b[hdrNice:], MaxWorkerNice+1); return b },
	}
	for name, mutate := range cases {
		if _, err := NewRing(mutate(good())); err != ErrBadLayout {
			t.Errorf("%s: %v, want ErrBadLayout", name, err)
		}
	}
	if _, err := New(good(), 0); err != ErrBadArg {
		t.Errorf("0 workers: %v", err)
	}
	if _, err := New(good(), MaxWorkers+1); err != ErrBadArg {
		t.Errorf("%d workers: %v", MaxWorkers+1, err)
	}
}

func TestLayoutOffsets(t *testing.T) {
	if got := ControlSize(8); got != 64+8*8+256*8 {
		t.Errorf("ControlSize(8) = %d", got)
	}
	d := Desc{Seq: 1, Kind: 2, Flags: 3, InSeg: 4, InOff: 5, InLen: 6, OutSeg: 7, OutOff: 8, OutCap: 9}
	s := make([]byte, SlotSize)
	EncodeDesc(s, d)
	if DecodeDesc(s) != d {
		t.Fatal("descriptor round trip")
	}
	want := []byte{1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0}
	if !bytes.Equal(s[:32], want) {
		t.Errorf("descriptor bytes %v", s[:32])
	}
	setResult(s, StatusTaskPanic, 10, 11, 12)
	setMsg(s, []byte("hi"))
	r := ReadResult(s)
	if r.Status != StatusTaskPanic || r.OutLen != 10 || r.ExecNs != 11 || r.Worker != 12 || string(r.Msg) != "hi" {
		t.Errorf("result %+v", r)
	}
	if le.Uint32(s[32:]) != 2 || le.Uint32(s[56:]) != 2 || string(s[64:66]) != "hi" {
		t.Errorf("result offsets")
	}
}

func TestInBoundsIs64Bit(t *testing.T) {
	for _, c := range []struct {
		seg     int
		off, n  uint32
		inRange bool
	}{
		{4096, 0, 4096, true}, {4096, 4096, 0, true}, {4096, 4088, 8, true},
		{4096, 4089, 8, false}, {4096, 0xFFFFFFF8, 16, false}, {4096, 0xFFFFFFFF, 2, false},
		{0, 0, 0, true}, {0, 0, 1, false}, {0, 1, 0, false},
	} {
		if got := inBounds(c.seg, c.off, c.n); got != c.inRange {
			t.Errorf("inBounds(%d, %d, %d) = %v", c.seg, c.off, c.n, got)
		}
	}
}

func TestTruncateMsg(t *testing.T) {
	for _, s := range []string{
		"", "short", string(bytes.Repeat([]byte("x"), 192)), string(bytes.Repeat([]byte("x"), 193)),
		"a" + string(bytes.Repeat([]byte("é"), 100)), string(bytes.Repeat([]byte("✓"), 70)),
		string(bytes.Repeat([]byte("😀"), 60)),
	} {
		got := TruncateMsg([]byte(s))
		if len(got) > MsgMax || !bytes.HasPrefix([]byte(s), got) || !utf8.Valid(got) {
			t.Errorf("TruncateMsg(%d bytes) = %d bytes, valid %v", len(s), len(got), utf8.Valid(got))
		}
		if len(s) <= MsgMax && len(got) != len(s) {
			t.Errorf("short message cut")
		}
		if len(s) > MsgMax && len(got) < MsgMax-3 {
			t.Errorf("cut too far: %d", len(got))
		}
	}
	// Invalid UTF-8 of continuation bytes only: backs off to empty, no panic.
	if got := TruncateMsg(bytes.Repeat([]byte{0x80}, 300)); len(got) != 0 {
		t.Errorf("continuation-only: %d bytes", len(got))
	}
}

func TestParseMicros(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 1, "0000000001": 1, "60000000": 60_000_000} {
		d, ok := ParseMicros([]byte(in))
		if !ok || d.Microseconds() != want {
			t.Errorf("ParseMicros(%q) = %v %v", in, d, ok)
		}
	}
	for _, in := range []string{"", "60000001", "9999999999", "12345678901", "+1", "1 ", "1e3", "٣"} {
		if _, ok := ParseMicros([]byte(in)); ok {
			t.Errorf("ParseMicros(%q) accepted", in)
		}
	}
}

func TestQueueGrowsFIFO(t *testing.T) {
	q := newTaskQueue(2)
	var want []uint32
	for i := uint32(0); i < 5; i++ { // wrap, then grow twice
		q.push(i)
		want = append(want, i)
	}
	got := q.popInto(nil, 2)
	for i := uint32(5); i < 20; i++ {
		q.push(i)
		want = append(want, i)
	}
	got = q.popInto(got, 100)
	if q.len() != 0 || len(got) != len(want) {
		t.Fatalf("len %d got %v", q.len(), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v", got)
		}
	}
}
