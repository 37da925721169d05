package pool

// The model FuzzDescriptor (fuzz_test.go) checks the pool against: what
// docs/TRANSPORT.md says one task does (bounds checks, kinds, the message
// rule), written from the document rather than from this package, so the
// pool's own decoding is not its oracle. The Rust pool's fuzz target has
// the same model (native/rust/tests/fuzz/model.rs).
//
// Memory is backing buffers plus a table of segment ids mapping to windows
// of them, so two ids may alias the same bytes.

import (
	"bytes"
	"crypto/sha256"
	"strconv"
)

// fzShortMicros: spin/sleep waits up to this long run to completion in the
// fuzz target; longer ones are cancelled right after Submit (ABORTED, or OK
// if the wait won the race). Small, so an input with many waits stays
// quick and the fuzzer keeps its exec rate.
const fzShortMicros = 200

// fzWindow is a registered segment: len bytes at off of backing buffer buf
// (buf -1: a zero-length segment registered as a nil slice).
type fzWindow struct{ buf, off, len int }

// fzRange is a checked range of the model's memory.
type fzRange struct{ buf, start, len int }

func (r fzRange) overlaps(o fzRange) bool {
	return r.buf >= 0 && r.buf == o.buf && r.len > 0 && o.len > 0 &&
		r.start < o.start+o.len && o.start < r.start+r.len
}

type fzMemory struct {
	bufs  [][]byte
	table map[uint32]fzWindow
}

// rng is seg[off:off+n] if seg is registered and the range fits, computed
// without wrap-around (TRANSPORT.md "Bounds checks").
func (m *fzMemory) rng(seg, off, n uint32) (fzRange, bool) {
	w, ok := m.table[seg]
	if !ok || uint64(off)+uint64(n) > uint64(w.len) {
		return fzRange{}, false
	}
	return fzRange{buf: w.buf, start: w.off + int(off), len: int(n)}, true
}

func (m *fzMemory) read(r fzRange) []byte {
	if r.buf < 0 {
		return nil
	}
	return bytes.Clone(m.bufs[r.buf][r.start : r.start+r.len])
}

func (m *fzMemory) write(r fzRange, b []byte) {
	if len(b) > r.len {
		panic("model bug: write past its range")
	}
	if r.buf >= 0 {
		copy(m.bufs[r.buf][r.start:], b)
	}
}

// fzMsg is what the msg field must hold.
type fzMsg int

const (
	fzMsgAny      fzMsg = iota // not fixed by TRANSPORT.md: each pool words its own
	fzMsgEmpty                 // OK
	fzMsgExact                 // fail/panic: the input, cut by the message rule
	fzMsgNonEmpty              // BAD_INPUT
)

// fzExpect is the documented result of one run of one task.
type fzExpect struct {
	status   Status
	outLen   uint32
	msgRule  fzMsg
	msg      []byte
	longWait bool // a spin/sleep over fzShortMicros: the test cancels it
}

// fzParseMicros: 1 to 10 ASCII digits, value <= 60 s (TRANSPORT.md "Kinds").
func fzParseMicros(in []byte) (uint64, bool) {
	if len(in) == 0 || len(in) > 10 {
		return 0, false
	}
	for _, c := range in {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(string(in), 10, 64)
	return v, err == nil && v <= 60_000_000
}

// fzCutMsg is the message rule: at most 192 bytes, backing off over UTF-8
// continuation bytes.
func fzCutMsg(b []byte) []byte {
	cut := min(len(b), 192)
	if cut < len(b) {
		for cut > 0 && b[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return b[:cut]
}

// fzRunKind is what kind does with input in and outCap bytes of output:
// the result, and the bytes it writes at the start of the output (nil:
// none).
func fzRunKind(kind uint16, in []byte, outCap uint32) (fzExpect, []byte) {
	n := uint32(len(in))
	switch kind {
	case 1:
		if n > outCap {
			return fzExpect{status: StatusOutputTooLarge, outLen: n}, nil
		}
		return fzExpect{status: StatusOK, outLen: n, msgRule: fzMsgEmpty}, in
	case 2:
		if outCap < 32 {
			return fzExpect{status: StatusOutputTooLarge, outLen: 32}, nil
		}
		sum := sha256.Sum256(in)
		return fzExpect{status: StatusOK, outLen: 32, msgRule: fzMsgEmpty}, sum[:]
	case 3, 4:
		us, ok := fzParseMicros(in)
		switch {
		case !ok:
			return fzExpect{status: StatusBadInput, msgRule: fzMsgNonEmpty}, nil
		case us > fzShortMicros:
			return fzExpect{longWait: true}, nil
		}
		return fzExpect{status: StatusOK, msgRule: fzMsgEmpty}, nil
	case 5:
		return fzExpect{status: StatusTaskFailed, msgRule: fzMsgExact, msg: fzCutMsg(in)}, nil
	case 6:
		return fzExpect{status: StatusTaskPanic, msgRule: fzMsgExact, msg: fzCutMsg(in)}, nil
	}
	return fzExpect{status: StatusUnknownKind}, nil
}

// fzRunTask is one run of a task with descriptor d over m, which it
// updates: cancel first, then the bounds checks, then the kind. It returns
// the range it wrote (ok false: none).
func fzRunTask(m *fzMemory, d Desc, cancelled bool) (e fzExpect, wrote fzRange, ok bool) {
	if cancelled {
		return fzExpect{status: StatusAborted}, fzRange{}, false
	}
	in, ok1 := m.rng(d.InSeg, d.InOff, d.InLen)
	out, ok2 := m.rng(d.OutSeg, d.OutOff, d.OutCap)
	if !ok1 || !ok2 {
		return fzExpect{status: StatusBadDescriptor}, fzRange{}, false
	}
	// The input is read whole before the output is written: an in-place
	// echo behaves as memmove.
	e, w := fzRunKind(d.Kind, m.read(in), d.OutCap)
	if w == nil {
		return e, fzRange{}, false
	}
	m.write(out, w)
	out.len = len(w)
	return e, out, true
}
