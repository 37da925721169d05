package pool

// The control region: header, submit ring, complete ring and slots, exactly
// as drawn in docs/TRANSPORT.md (layout version 1):
//
//	control region (N = slot_count, a power of two, 8 <= N <= 65536)
//
//	 0        64            64+4N          64+8N                      64+8N+256N
//	 +--------+-------------+--------------+---------------------------+
//	 | header | submit ring | complete ring| slots[0..N) x 256 bytes   |
//	 +--------+-------------+--------------+---------------------------+
//	            u32 slot idx   u32 slot idx
//
//	slot (256 bytes)
//	  0 seq u32 | 4 kind u16 | 6 flags u16 | 8 in_seg | 12 in_off | 16 in_len
//	 20 out_seg | 24 out_off | 28 out_cap | 32 status i32 | 36 out_len
//	 40 exec_ns u64 | 48 cancel u32 | 52 worker | 56 msg_len | 60 reserved
//	 64 msg u8[192]
//
// Invariants:
//   - Ring never reads or writes outside mem; mem is never resized.
//   - comp_tail, comp_head, wake and each slot's cancel are accessed only
//     with sync/atomic (JS uses seq-cst Atomics on the same words). Every
//     other field is a plain load/store, ordered by those atomics or by the
//     submit call itself.
//   - A slot index from the submit ring is used only after idx < N.
//   - Data offsets are checked in 64-bit (inBounds) before any data access.

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// Layout constants, from docs/TRANSPORT.md "Memory".
const (
	Magic         = 0x31424643 // "CFB1" as bytes 43 46 42 31
	LayoutVersion = 1
	HeaderSize    = 64
	SlotSize      = 256
	MinSlots      = 8
	MaxSlots      = 65536
	MsgMax        = 192 // msg u8[192] at slot offset 64
)

// Header word offsets (docs/TRANSPORT.md "header").
const (
	hdrMagic     = 0
	hdrLayout    = 4
	hdrSlotCount = 8
	hdrSlotSize  = 12
	hdrCompHead  = 16
	hdrCompTail  = 20
	hdrWake      = 24
	hdrNice      = 28 // worker_nice (priority.go)
)

// Slot field offsets (docs/TRANSPORT.md "slot").
const (
	slSeq    = 0
	slKind   = 4
	slFlags  = 6
	slInSeg  = 8
	slInOff  = 12
	slInLen  = 16
	slOutSeg = 20
	slOutOff = 24
	slOutCap = 28
	slStatus = 32
	slOutLen = 36
	slExecNs = 40
	slCancel = 48
	slWorker = 52
	slMsgLen = 56
	slMsg    = 64
)

var le = binary.LittleEndian

// ControlSize is the byte size of a control region with n slots.
func ControlSize(n uint32) uint64 {
	return HeaderSize + 8*uint64(n) + SlotSize*uint64(n)
}

// WriteHeader writes a fresh header for n slots into ctrl (what JS does at
// pool start). Used by tests and the native bench.
func WriteHeader(ctrl []byte, n uint32) {
	clear(ctrl[:HeaderSize])
	le.PutUint32(ctrl[hdrMagic:], Magic)
	le.PutUint32(ctrl[hdrLayout:], LayoutVersion)
	le.PutUint32(ctrl[hdrSlotCount:], n)
	le.PutUint32(ctrl[hdrSlotSize:], SlotSize)
}

// Ring is a view of one control region.
type Ring struct {
	mem      []byte
	n, mask  uint32
	compRing uint32 // byte offset of the complete ring
	slots    uint32 // byte offset of slot 0
	compHead *uint32
	compTail *uint32
	wake     *uint32
	// workerNice is header word 28: the workers' nice value (priority.go).
	workerNice uint32
}

// NewRing validates the header written by JS and returns a view over mem.
func NewRing(mem []byte) (*Ring, error) {
	if len(mem) < HeaderSize {
		return nil, ErrBadLayout
	}
	// The u32 words are used with sync/atomic, which needs 4-byte alignment;
	// a SharedArrayBuffer backing store is at least 8-aligned.
	if uintptr(unsafe.Pointer(&mem[0]))%8 != 0 {
		return nil, ErrBadLayout
	}
	n := le.Uint32(mem[hdrSlotCount:])
	if le.Uint32(mem[hdrMagic:]) != Magic ||
		le.Uint32(mem[hdrLayout:]) != LayoutVersion ||
		le.Uint32(mem[hdrSlotSize:]) != SlotSize ||
		n < MinSlots || n > MaxSlots || n&(n-1) != 0 ||
		uint64(len(mem)) < ControlSize(n) ||
		le.Uint32(mem[hdrNice:]) > MaxWorkerNice {
		return nil, ErrBadLayout
	}
	r := &Ring{
		mem:      mem[:ControlSize(n):ControlSize(n)],
		n:        n,
		mask:     n - 1,
		compRing: HeaderSize + 4*n,
		slots:    HeaderSize + 8*n,
		// Read once: JS writes it before the pool starts.
		workerNice: le.Uint32(mem[hdrNice:]),
	}
	r.compHead = r.word(hdrCompHead)
	r.compTail = r.word(hdrCompTail)
	r.wake = r.word(hdrWake)
	return r, nil
}

// word returns the u32 at byte offset off as a pointer for sync/atomic.
func (r *Ring) word(off uint32) *uint32 {
	// unsafe: off is 4-aligned and off+4 <= len(r.mem) (every caller passes
	// a header/slot field offset inside the validated layout; &r.mem[off] is
	// itself bounds-checked), and NewRing checked the base is 8-aligned, so
	// this is an aligned *uint32 into memory that outlives the Ring.
	return (*uint32)(unsafe.Pointer(&r.mem[off]))
}

// SlotCount is N.
func (r *Ring) SlotCount() uint32 { return r.n }

// submitEntry reads submit ring position pos (mod N): a plain load, because
// JS wrote it before calling submit and the call orders it.
func (r *Ring) submitEntry(pos uint32) uint32 {
	return le.Uint32(r.mem[HeaderSize+4*(pos&r.mask):])
}

// SetSubmitEntry writes submit ring position pos (JS's role; tests, bench).
func (r *Ring) SetSubmitEntry(pos, idx uint32) {
	le.PutUint32(r.mem[HeaderSize+4*(pos&r.mask):], idx)
}

// CompEntry reads complete ring position pos (JS's drain role; tests, bench).
func (r *Ring) CompEntry(pos uint32) uint32 {
	return le.Uint32(r.mem[r.compRing+4*(pos&r.mask):])
}

// Slot returns slot idx's 256 bytes; idx must be < N.
func (r *Ring) Slot(idx uint32) []byte {
	off := r.slots + idx*SlotSize
	return r.mem[off : off+SlotSize : off+SlotSize]
}

// slotKind reads slot idx's kind id; idx must be < N. A plain load, ordered
// by the submit call as DecodeDesc's are. The intake routing (intake.go)
// reads it in Submit; the task's executor decodes the slot again.
func (r *Ring) slotKind(idx uint32) uint16 {
	return le.Uint16(r.mem[r.slots+idx*SlotSize+slKind:])
}

// cancelWord is slot idx's cancel word, for atomic loads.
func (r *Ring) cancelWord(idx uint32) *uint32 {
	return r.word(r.slots + idx*SlotSize + slCancel)
}

// CompHead / CompTail / Wake are the header's atomic words.
func (r *Ring) CompHead() *uint32 { return r.compHead }
func (r *Ring) CompTail() *uint32 { return r.compTail }
func (r *Ring) Wake() *uint32     { return r.wake }

// pushCompletions appends idxs to the complete ring as one group (TRANSPORT
// "Complete" step 2). Caller holds the pool's completion mutex (the only
// writer of comp_tail); len(idxs) <= N outstanding is the pool's invariant.
func (r *Ring) pushCompletions(idxs []uint32) {
	// Atomic load for uniformity; the mutex already makes us the only writer.
	t := atomic.LoadUint32(r.compTail)
	for i, idx := range idxs {
		le.PutUint32(r.mem[r.compRing+4*((t+uint32(i))&r.mask):], idx)
	}
	// Seq-cst (Go atomics are): the release half makes the slot results and
	// the ring entries above visible to the JS Atomics.load(comp_tail) of
	// drain step 2; the seq-cst half orders this store before our following
	// load of wake against JS's store(wake, 0) then load(comp_tail), so one
	// side sees the other and no group is left without a wake-up (the Rust
	// pool stores SeqCst for the same reason, pool.rs publish_group).
	atomic.StoreUint32(r.compTail, t+uint32(len(idxs)))
}

// pending is comp_tail - comp_head: completions JS has not consumed.
func (r *Ring) pending() uint32 {
	// Pairs with JS's Atomics.store(comp_head) in drain step 3 and our own
	// store of comp_tail in pushCompletions.
	return atomic.LoadUint32(r.compTail) - atomic.LoadUint32(r.compHead)
}

// Desc is a slot's descriptor (the part JS writes).
type Desc struct {
	Seq    uint32
	Kind   uint16
	Flags  uint16
	InSeg  uint32
	InOff  uint32
	InLen  uint32
	OutSeg uint32
	OutOff uint32
	OutCap uint32
}

// DecodeDesc decodes the first 32 bytes of a slot. Plain loads: JS wrote them
// before the submit call that handed us the slot.
func DecodeDesc(s []byte) Desc {
	_ = s[slOutCap+3] // one bounds check for all loads below
	return Desc{
		Seq:    le.Uint32(s[slSeq:]),
		Kind:   le.Uint16(s[slKind:]),
		Flags:  le.Uint16(s[slFlags:]),
		InSeg:  le.Uint32(s[slInSeg:]),
		InOff:  le.Uint32(s[slInOff:]),
		InLen:  le.Uint32(s[slInLen:]),
		OutSeg: le.Uint32(s[slOutSeg:]),
		OutOff: le.Uint32(s[slOutOff:]),
		OutCap: le.Uint32(s[slOutCap:]),
	}
}

// EncodeDesc writes d into the first 32 bytes of a slot (JS's role).
func EncodeDesc(s []byte, d Desc) {
	le.PutUint32(s[slSeq:], d.Seq)
	le.PutUint16(s[slKind:], d.Kind)
	le.PutUint16(s[slFlags:], d.Flags)
	le.PutUint32(s[slInSeg:], d.InSeg)
	le.PutUint32(s[slInOff:], d.InOff)
	le.PutUint32(s[slInLen:], d.InLen)
	le.PutUint32(s[slOutSeg:], d.OutSeg)
	le.PutUint32(s[slOutOff:], d.OutOff)
	le.PutUint32(s[slOutCap:], d.OutCap)
}

// inBounds reports off+n <= segLen, computed in 64-bit so a u32 wrap-around
// cannot pass (docs/TRANSPORT.md "Bounds checks").
func inBounds(segLen int, off, n uint32) bool {
	return uint64(off)+uint64(n) <= uint64(segLen)
}

// Result is what a slot reports back (JS reads it after comp_tail).
type Result struct {
	Status Status
	OutLen uint32
	ExecNs uint64
	Worker uint32
	Msg    []byte
}

// ReadResult decodes a slot's result fields (JS's role; tests).
func ReadResult(s []byte) Result {
	ml := min(le.Uint32(s[slMsgLen:]), MsgMax)
	return Result{
		Status: Status(int32(le.Uint32(s[slStatus:]))),
		OutLen: le.Uint32(s[slOutLen:]),
		ExecNs: le.Uint64(s[slExecNs:]),
		Worker: le.Uint32(s[slWorker:]),
		Msg:    append([]byte(nil), s[slMsg:slMsg+ml]...),
	}
}

// PresetSlot does JS's submit step 1 for the result fields: status = -1,
// cancel = 0.
func PresetSlot(s []byte) {
	le.PutUint32(s[slStatus:], 0xFFFFFFFF) // StatusPending (-1) as u32
	le.PutUint32(s[slCancel:], 0)
}

// setMsg writes msg (cut by TruncateMsg) and msg_len. Plain stores.
func setMsg(s []byte, msg []byte) {
	m := TruncateMsg(msg)
	n := copy(s[slMsg:slMsg+MsgMax], m)
	le.PutUint32(s[slMsgLen:], uint32(n))
}

// setResult writes status, out_len, exec_ns and worker. Plain stores,
// published by pushCompletions' store of comp_tail.
func setResult(s []byte, st Status, outLen uint32, execNs uint64, worker uint32) {
	_ = s[slWorker+3]
	le.PutUint32(s[slStatus:], uint32(st))
	le.PutUint32(s[slOutLen:], outLen)
	le.PutUint64(s[slExecNs:], execNs)
	le.PutUint32(s[slWorker:], worker)
}

// TruncateMsg cuts msg to at most MsgMax bytes, backing off while the byte
// at the cut is a UTF-8 continuation byte (0b10xxxxxx), so valid UTF-8 stays
// valid (docs/TRANSPORT.md "Messages").
func TruncateMsg(msg []byte) []byte {
	if len(msg) <= MsgMax {
		return msg
	}
	cut := MsgMax
	for cut > 0 && msg[cut]&0xC0 == 0x80 {
		cut--
	}
	return msg[:cut]
}
