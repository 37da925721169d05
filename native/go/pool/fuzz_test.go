package pool

// FuzzDescriptor: hostile shared memory through the whole pool path.
//
// Every byte the pool reads from the control region and the segments comes
// from JS, that is from the user. The fuzzer chooses the first 64 bytes of
// each of the 8 slots verbatim (seq, kind, flags, descriptor, status and
// cancel words, the result fields), the submit batch (start position and
// raw entries, in range or not, duplicates allowed), the segment table
// (sizes, an aliasing window, a nil zero-length segment, id 4095, a lost
// arena) and the segments' bytes, so every kind sees arbitrary input
// (spin/sleep numbers, echo/sha256 sizes, fail/panic messages). One
// one-worker pool per input; Submit routes sleep tasks by their kind id
// (slotKind) to the intake and the rest to the worker, and the fuzzer may
// flip spins and sleeps right after Submit, so the executor sees another
// kind than the route was chosen by. Checked against the model in
// fuzz_model_test.go:
//  1. Nothing panics, faults or hangs (the fuzz process would die), Close
//     returns 0 and every off-worker token is back.
//  2. Submit accepts exactly the in-range entries, and refuses a count
//     over N; each accepted entry completes once and nothing else does
//     (stale ring entries are in range, so reading one would show).
//  3. Each slot ends with the documented status, out_len and message, and
//     worker = 0 (the worker) or NoWorker (the intake, for sleep).
//  4. The pool writes only result fields of submitted slots, nothing of the
//     submit ring, and no segment byte but the output windows of OK tasks:
//     every backing buffer, guards included, equals the model's.
//
// The worker runs its tasks in order, so the model replays them exactly.
// The intake's sleeps run beside them and only read segments: a sleep
// whose input overlaps a window the worker writes may parse either
// version, so the test cancels it and accepts OK, BAD_INPUT or ABORTED.
//
// Run long: go test ./pool -run '^$' -fuzz FuzzDescriptor -fuzztime 60s

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

const (
	fuzzSlots  = 8
	fuzzGuard  = 32
	fuzzFill   = 0xA5 // not an ASCII digit: spin/sleep over fill is BAD_INPUT
	fuzzMaxSeg = 2048
)

// fuzzSeed builds one corpus entry: descriptors for slots 0.. (status
// preset, cancel 0), the batch (start 0), the data and the segs word
// (fuzzTable).
func fuzzSeed(f *testing.F, ds []Desc, batch []uint32, data string, segs uint64) {
	slots := make([]byte, 64*len(ds))
	for i, d := range ds {
		EncodeDesc(slots[64*i:], d)
		PresetSlot(slots[64*i : 64*i+64])
	}
	ring := binary.LittleEndian.AppendUint32(nil, 0)
	for _, e := range batch {
		ring = binary.LittleEndian.AppendUint32(ring, e)
	}
	f.Add(slots, ring, []byte(data), segs)
}

func FuzzDescriptor(f *testing.F) {
	const arena = 1100 // len0 of the seeds: the descriptors.json shapes fit
	// The descriptors.json shapes, one task each.
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
		fuzzSeed(f, []Desc{d}, []uint32{0}, "0123456789abcdef", arena|64<<16)
	}
	// Every kind at once over digit input, with a sleep and a spin that run
	// (150 us) and a long sleep the test cancels; then out-of-range and
	// duplicate entries. Segment 7 aliases the arena at 100 (mode 1).
	mixed := []Desc{
		{Kind: 4, InLen: 3, OutOff: 512},
		{Kind: 3, InLen: 3, OutOff: 512},
		{Kind: 4, InOff: 3, InLen: 7, OutOff: 512},
		{Kind: 1, InLen: 10, OutSeg: 7, OutCap: 16},
		{Kind: 2, InLen: 10, OutOff: 600, OutCap: 32},
		{Kind: 5, InLen: 10},
		{Kind: 6, InLen: 10},
		{Kind: 1, InSeg: 7, InLen: 12, OutSeg: 7, OutOff: 4, OutCap: 12},
	}
	const aliased = arena | 32<<16 | 1<<32 | 100<<40
	fuzzSeed(f, mixed, []uint32{0, 1, 2, 3, 4, 5, 6, 7}, "1505000000", aliased)
	fuzzSeed(f, mixed, []uint32{8, 3, 0xFFFFFFFF, 6, 3, 7, 2, 0}, "1505000000", aliased)
	// spin/sleep input at the limits: 10 digits with leading zeros (valid),
	// 11 digits, 60 s + 1 us, a sign; flags set on the first.
	edge := "0000000150" + "00000000150" + "60000001" + "+150"
	edgeDs := []Desc{
		{Kind: 3, InLen: 10, Flags: 0xFFFF},
		{Kind: 4, InLen: 10},
		{Kind: 3, InOff: 10, InLen: 11},
		{Kind: 4, InOff: 10, InLen: 11},
		{Kind: 3, InOff: 21, InLen: 8},
		{Kind: 4, InOff: 21, InLen: 8},
		{Kind: 3, InOff: 29, InLen: 4},
		{Kind: 4, InOff: 29, InLen: 4},
	}
	fuzzSeed(f, edgeDs, []uint32{0, 1, 2, 3, 4, 5, 6, 7}, edge, arena)
	// The same, each spin turned into a sleep and each sleep into a spin
	// right after Submit (fuzzFlipKinds).
	fuzzSeed(f, edgeDs, []uint32{0, 1, 2, 3, 4, 5, 6, 7}, edge, arena|0xFF<<48)
	// A nil zero-length segment 7 (mode 3) and id 4095 aliasing the arena.
	fuzzSeed(f, []Desc{
		{Kind: 1, InSeg: 7, OutSeg: 7},
		{Kind: 2, InSeg: 4095, InLen: 4, OutSeg: 7},
		{Kind: 1, InSeg: 4095, InLen: 4, OutSeg: 4095, OutOff: 2, OutCap: 4},
	}, []uint32{0, 1, 2}, "abcd", arena|3<<32|1<<34)

	f.Fuzz(func(t *testing.T, slots, ring, data []byte, segs uint64) {
		fuzzCase(t, slots, ring, data, segs)
	})
}

// fuzzTable registers the segments segs describes over backing buffers
// filled from data: real ones in the pool, copies in the model. Bits of
// segs: 0-15 and 16-31 the lengths of segments 0 (the arena) and 7, each
// mod fuzzMaxSeg+1; 32-33 how 7 is registered (0 its own buffer, 1 a
// window of the arena's buffer at offset bits 40-55, 2 not at all, 3 as a
// nil zero-length segment); 34 id 4095 aliases the arena; 35-37 all set:
// the arena is unregistered again.
func fuzzTable(t *testing.T, p *Pool, data []byte, segs uint64) (m *fzMemory, real [][]byte) {
	len0 := int(segs&0xFFFF) % (fuzzMaxSeg + 1)
	len7 := int(segs>>16&0xFFFF) % (fuzzMaxSeg + 1)
	m = &fzMemory{table: map[uint32]fzWindow{}}
	for _, n := range []int{len0, len7} {
		b := bytes.Repeat([]byte{fuzzFill}, n+2*fuzzGuard)
		data = data[copy(b[fuzzGuard:fuzzGuard+n], data):]
		real = append(real, b)
		m.bufs = append(m.bufs, bytes.Clone(b))
	}
	reg := func(id uint32, w fzWindow) {
		var mem []byte
		if w.buf >= 0 {
			mem = real[w.buf][w.off : w.off+w.len : w.off+w.len]
		}
		if err := p.RegisterSegment(id, mem); err != nil {
			t.Fatalf("RegisterSegment(%d): %v", id, err)
		}
		m.table[id] = w
	}
	reg(0, fzWindow{buf: 0, off: fuzzGuard, len: len0})
	switch segs >> 32 & 3 {
	case 0: // its own buffer
		reg(7, fzWindow{buf: 1, off: fuzzGuard, len: len7})
	case 1: // a window of the arena's buffer
		off := int(segs>>40&0xFFFF) % (len0 + 1)
		reg(7, fzWindow{buf: 0, off: fuzzGuard + off, len: min(len7, len0-off)})
	case 3: // zero length, nil
		reg(7, fzWindow{buf: -1})
	}
	if segs>>34&1 == 1 {
		reg(MaxSegments-1, fzWindow{buf: 0, off: fuzzGuard, len: len0})
	}
	if segs>>35&7 == 7 { // JS lost the arena
		if err := p.UnregisterSegment(0); err != nil {
			t.Fatal(err)
		}
		delete(m.table, 0)
	}
	for _, id := range []uint32{MaxSegments, 0xFFFFFFFF} {
		if err := p.RegisterSegment(id, real[0]); err != ErrBadArg {
			t.Fatalf("RegisterSegment(%d): %v, want ErrBadArg", id, err)
		}
	}
	return m, real
}

// fuzzHang bounds one input: a healthy one takes well under 100 ms. Go's
// fuzzer has no per-input timeout (a hung input only stalls the run, which
// then reports PASS), so a hang crashes the process with every goroutine's
// stack, and the fuzzer saves the input as a failure.
const fuzzHang = testDeadline / 2

func fuzzCase(t *testing.T, slotBytes, ringBytes, data []byte, segs uint64) {
	hang := time.AfterFunc(fuzzHang, func() { panic("FuzzDescriptor: input hung") })
	defer hang.Stop()
	ctrl := make([]byte, ControlSize(fuzzSlots))
	WriteHeader(ctrl, fuzzSlots)
	p, err := New(ctrl, 1)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			p.Close(time.Second)
		}
	}()
	h := &harness{t: t, p: p, r: p.Ring()}
	m, real := fuzzTable(t, p, data, segs)

	for i := uint32(0); i < fuzzSlots; i++ {
		s := h.r.Slot(i)
		for j := range s { // junk the pool must overwrite or leave alone
			s[j] = byte(int(i)*31 + j*7 + 1)
		}
		if int(64*i) < len(slotBytes) {
			copy(s[:64], slotBytes[64*i:])
		}
	}
	var words []uint32
	for b := ringBytes; len(b) >= 4; b = b[4:] {
		words = append(words, le.Uint32(b))
	}
	var start uint32
	var batch []uint32
	if len(words) > 0 {
		start, batch = words[0], words[1:min(len(words), 1+fuzzSlots)]
	}
	for i := uint32(0); i < fuzzSlots; i++ {
		h.r.SetSubmitEntry(i, (i*5+3)%fuzzSlots) // stale, in range
	}
	for i, e := range batch {
		h.r.SetSubmitEntry(start+uint32(i), e)
	}
	before := bytes.Clone(ctrl)
	exp, accepted, onWorker, panics := fuzzExpect(h.r, m, batch)
	flip := uint8(segs >> 48)
	if raceEnabled && fuzzRacy(exp, flip) {
		t.Skip("input races by construction; run without -race")
	}

	if _, err := p.Submit(start, fuzzSlots+1); err != ErrBadArg {
		t.Fatalf("Submit(count N+1): %v, want ErrBadArg", err)
	}
	if n, err := p.Submit(start, uint32(len(batch))); n != len(accepted) || err != nil {
		t.Fatalf("Submit accepted %d of %v (%v), want %d", n, batch, err, len(accepted))
	}
	for idx, x := range exp {
		if x.cancelAt {
			atomic.StoreUint32(h.r.cancelWord(uint32(idx)), 1)
		}
	}
	fuzzFlipKinds(h.r, exp, before, flip)
	done := h.await(len(accepted))
	if busy, err := p.Close(testDeadline); busy != 0 || err != nil {
		t.Fatalf("Close: busy=%d err=%v", busy, err)
	}
	closed = true
	if n := p.off.running.Load(); n != 0 {
		t.Fatalf("%d off-worker tokens not given back", n)
	}
	if tail := atomic.LoadUint32(h.r.CompTail()); tail != uint32(len(accepted)) {
		t.Fatalf("comp_tail %d, want %d", tail, len(accepted))
	}
	if got, want := slices.Sorted(slices.Values(done)), slices.Sorted(slices.Values(accepted)); !slices.Equal(got, want) {
		t.Fatalf("completed %v, accepted %v", done, accepted)
	}
	// A flipped spin may be handed off, and then completes out of order.
	flipped := func(idx uint32) bool { return exp[idx].flipped }
	onWorker = slices.DeleteFunc(onWorker, flipped)
	var workerOrder []uint32
	for _, idx := range done {
		if !exp[idx].intake && !flipped(idx) {
			workerOrder = append(workerOrder, idx)
		}
	}
	if !slices.Equal(workerOrder, onWorker) {
		t.Fatalf("worker completed %v, submitted %v", workerOrder, onWorker)
	}

	if !bytes.Equal(before[:16], ctrl[:16]) {
		t.Fatalf("header words written by JS changed")
	}
	ring := HeaderSize + 4*fuzzSlots
	if !bytes.Equal(before[HeaderSize:ring], ctrl[HeaderSize:ring]) {
		t.Fatalf("submit ring written")
	}
	for idx := range exp {
		off := HeaderSize + 8*fuzzSlots + SlotSize*idx
		fuzzCheckSlot(t, uint32(idx), before[off:off+SlotSize], ctrl[off:off+SlotSize], exp[idx])
	}
	for i, b := range real {
		if k := fuzzDiff(b, m.bufs[i]); k >= 0 {
			t.Fatalf("buffer %d byte %d: %#x, model %#x", i, k-fuzzGuard, b[k], m.bufs[i][k])
		}
	}
	if st := p.Stats(); st.Completed != uint64(len(accepted)) || st.Panics != uint64(panics) {
		t.Fatalf("stats %+v, want completed %d panics %d", st, len(accepted), panics)
	}
}

// fuzzFlipKinds turns, right after Submit, the submitted spin and sleep
// slots whose bit is set in mask into the other kind, as JS breaking the
// protocol would, racing the pool's reads: Submit routed the slot by its
// old kind (slotKind), the executor may decode either. Both kinds parse
// the same input and write no segment, so the model's result holds either
// way; the worker field follows the route (fuzzCheckSlot), and a token
// taken for a flipped task must come back. before gets the same change.
func fuzzFlipKinds(r *Ring, exp []fzSlot, before []byte, mask uint8) {
	for idx := range exp {
		if mask>>idx&1 == 0 || exp[idx].runs == 0 {
			continue
		}
		s := r.Slot(uint32(idx))
		k := le.Uint16(s[slKind:])
		if k != 3 && k != 4 {
			continue
		}
		// Atomic on the test's side only: the pool's loads stay plain, as
		// they are against JS.
		word := (*uint32)(unsafe.Pointer(&s[slKind]))
		atomic.StoreUint32(word, atomic.LoadUint32(word)^7) // 3 <-> 4, flags kept
		off := HeaderSize + 8*fuzzSlots + SlotSize*idx + slKind
		before[off] ^= 7
		exp[idx].flipped = true
	}
}

// fuzzRacy reports whether an input makes goroutines touch the same bytes
// without ordering, which JS breaking the protocol does and the pool
// tolerates (plain loads and stores over JS memory), but the race
// detector reports: a flipped kind (the test's store against the
// executor's load), a sleep whose input the worker writes (unsure), or a
// sleep submitted twice (two off-worker goroutines write one slot).
func fuzzRacy(exp []fzSlot, flip uint8) bool {
	for idx, x := range exp {
		if x.unsure || (x.intake && x.runs > 1) || (x.runs > 0 && flip>>idx&1 == 1) {
			return true
		}
	}
	return false
}

// fuzzExpect runs the model for batch: the worker's tasks in submit order
// over m (which it updates), the intake's sleeps over the memory as it was,
// unsure if a worker task writes their input. It returns what each slot
// should end with, the accepted entries, those on the worker, and how many
// runs panic.
func fuzzExpect(r *Ring, m *fzMemory, batch []uint32) (exp []fzSlot, accepted, onWorker []uint32, panics int) {
	initial := &fzMemory{bufs: make([][]byte, len(m.bufs)), table: m.table}
	for i, b := range m.bufs {
		initial.bufs[i] = bytes.Clone(b)
	}
	exp = make([]fzSlot, fuzzSlots)
	var written []fzRange
	for _, idx := range batch {
		if idx >= fuzzSlots {
			continue
		}
		accepted = append(accepted, idx)
		s, x := r.Slot(idx), &exp[idx]
		d, cancelled := DecodeDesc(s), le.Uint32(s[slCancel:]) != 0
		x.runs++
		x.intake = d.Kind == 4 // Submit's routing (intake.go step 1)
		if x.intake {
			x.last, _, _ = fzRunTask(initial, d, cancelled)
			continue
		}
		onWorker = append(onWorker, idx)
		e, w, ok := fzRunTask(m, d, cancelled)
		if ok {
			written = append(written, w)
		}
		if e.status == StatusTaskPanic {
			panics++
		}
		x.last = e
	}
	for idx := range exp {
		x := &exp[idx]
		if x.runs > 0 && x.intake {
			d := DecodeDesc(r.Slot(uint32(idx)))
			if in, ok := m.rng(d.InSeg, d.InOff, d.InLen); ok {
				for _, w := range written {
					x.unsure = x.unsure || in.overlaps(w)
				}
			}
		}
		x.cancelAt = x.last.longWait || x.unsure
	}
	return exp, accepted, onWorker, panics
}
