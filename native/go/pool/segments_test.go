package pool

import "testing"

func TestSegmentsRegisterReplaceUnregister(t *testing.T) {
	var s Segments
	if err := s.Register(MaxSegments, make([]byte, 1)); err != ErrBadArg {
		t.Errorf("id 4096: %v", err)
	}
	if err := s.Unregister(MaxSegments); err != ErrBadArg {
		t.Errorf("unregister 4096: %v", err)
	}
	a, b := make([]byte, 10), make([]byte, 20)
	s.Register(7, a)
	s.Register(7, b)
	if got, ok := s.lookup(7); !ok || len(got) != 20 {
		t.Errorf("replace: %d %v", len(got), ok)
	}
	s.Register(8, nil) // zero-length segment is registered
	if _, ok := s.lookup(8); !ok {
		t.Errorf("empty segment not registered")
	}
	s.Unregister(7)
	if _, ok := s.lookup(7); ok {
		t.Errorf("still registered")
	}
	if err := s.Unregister(9); err != nil {
		t.Errorf("unregister unknown: %v", err)
	}
	if _, ok := s.lookup(1 << 31); ok {
		t.Errorf("lookup out of table")
	}
}

// After Unregister returns, a task naming the id gets BAD_DESCRIPTOR.
func TestUnregisteredSegmentIsBadDescriptor(t *testing.T) {
	h := newHarness(t, 8, 1)
	side := h.seg(5, 64)
	h.seg(0, 64)
	h.task(0, put(side, 5, 1, []byte("x"), 0, 32, 8))
	if err := h.p.UnregisterSegment(5); err != nil {
		t.Fatal(err)
	}
	h.submit(0)
	h.await(1)
	wantResult(t, "unregistered", h.result(0), StatusBadDescriptor, "*")
}
