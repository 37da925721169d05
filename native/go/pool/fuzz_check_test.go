package pool

// What FuzzDescriptor (fuzz_test.go) checks of each slot once the batch is
// done, against the model's expectation (fuzz_model_test.go).

import (
	"bytes"
	"testing"
)

// fzSlot is what the test expects of one slot after the batch.
type fzSlot struct {
	runs     int
	last     fzExpect
	intake   bool // sleep: the intake starts it (worker = NoWorker)
	unsure   bool // its input may change under it: OK, BAD_INPUT or ABORTED
	cancelAt bool // the test sets its cancel word right after Submit
	flipped  bool // spin <-> sleep after Submit (fuzzFlipKinds)
}

// fuzzDiff is the first index where a and b differ, or -1.
func fuzzDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// fuzzCheckSlot checks slot idx after the batch: before and after are its
// 256 bytes, x what the model expects.
func fuzzCheckSlot(t *testing.T, idx uint32, before, after []byte, x fzSlot) {
	t.Helper()
	if x.runs == 0 {
		if !bytes.Equal(before, after) {
			t.Fatalf("slot %d: never submitted, yet written", idx)
		}
		return
	}
	if !bytes.Equal(before[:slStatus], after[:slStatus]) {
		t.Fatalf("slot %d: descriptor words written", idx)
	}
	cancel := le.Uint32(before[slCancel:])
	if x.cancelAt {
		cancel = 1
	}
	if got := le.Uint32(after[slCancel:]); got != cancel {
		t.Fatalf("slot %d: cancel word %d, want %d", idx, got, cancel)
	}
	if !bytes.Equal(before[slMsgLen+4:slMsg], after[slMsgLen+4:slMsg]) {
		t.Fatalf("slot %d: reserved word written", idx)
	}
	r := ReadResult(after)
	worker := uint32(0)
	if x.intake {
		worker = NoWorker
	}
	if r.Worker != worker {
		t.Fatalf("slot %d: worker %#x, want %#x", idx, r.Worker, worker)
	}
	msgLen := int(le.Uint32(after[slMsgLen:]))
	if msgLen > MsgMax {
		t.Fatalf("slot %d: msg_len %d", idx, msgLen)
	}
	// Past msg_len: untouched, unless an earlier run of a duplicate entry
	// left a longer message there.
	if x.runs == 1 && !bytes.Equal(before[slMsg+msgLen:], after[slMsg+msgLen:]) {
		t.Fatalf("slot %d: msg area past msg_len written", idx)
	}
	aborted := r.Status == StatusAborted && r.OutLen == 0
	switch {
	case x.unsure:
		if r.OutLen != 0 || (r.Status != StatusOK && r.Status != StatusBadInput && r.Status != StatusAborted) {
			t.Fatalf("slot %d: sleep over changing input ended %d (out_len %d)", idx, r.Status, r.OutLen)
		}
	case x.last.longWait:
		if !aborted && (r.Status != StatusOK || r.OutLen != 0 || len(r.Msg) != 0) {
			t.Fatalf("slot %d: long wait ended %d %q", idx, r.Status, r.Msg)
		}
	case x.cancelAt && aborted:
	default:
		e := x.last
		if r.Status != e.status || r.OutLen != e.outLen {
			t.Fatalf("slot %d: status %d out_len %d (msg %q), want %d %d", idx, r.Status, r.OutLen, r.Msg, e.status, e.outLen)
		}
		switch {
		case e.msgRule == fzMsgEmpty && len(r.Msg) != 0,
			e.msgRule == fzMsgNonEmpty && len(r.Msg) == 0,
			e.msgRule == fzMsgExact && !bytes.Equal(r.Msg, e.msg):
			t.Fatalf("slot %d: msg %q (rule %d, want %q)", idx, r.Msg, e.msgRule, e.msg)
		}
	}
}
