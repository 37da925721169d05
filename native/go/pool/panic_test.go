package pool

import (
	"bytes"
	"testing"
)

// A panicking handler ends TASK_PANIC with msg = the panic value, and the
// same worker keeps serving.
func TestPanicKeepsServing(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 256)
	for round := 0; round < 3; round++ {
		h.task(0, put(arena, 0, 6, []byte("kaboom"), 0, 128, 8))
		h.task(1, put(arena, 0, 1, []byte("after"), 16, 160, 8))
		h.submit(0, 1)
		h.await(2)
		wantResult(t, "panic", h.result(0), StatusTaskPanic, "kaboom")
		r := h.result(1)
		wantResult(t, "echo after panic", r, StatusOK, "")
		if !bytes.Equal(arena[160:160+r.OutLen], []byte("after")) {
			t.Errorf("echo output %q", arena[160:160+r.OutLen])
		}
	}
	if st := h.p.Stats(); st.Panics != 3 || st.Completed != 6 {
		t.Errorf("stats %+v", st)
	}
}

// A non-string panic value is rendered with fmt.
func TestPanicMsgValues(t *testing.T) {
	if got := string(panicMsg(42)); got != "42" {
		t.Errorf("panicMsg(42) = %q", got)
	}
	if got := string(panicMsg(ErrClosed)); got != ErrClosed.Error() {
		t.Errorf("panicMsg(err) = %q", got)
	}
}
