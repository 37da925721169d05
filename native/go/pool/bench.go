package pool

// Native-only benchmark driver (cf_bench_native): plays JS's part of the
// protocol from Go over Go-allocated memory, so it measures the transport
// and pool without Node. The memory never crosses to C.
//
// Per batch:
//  1. Preset status/cancel of slots 0..batch-1 (descriptors are empty echo
//     tasks written once), write their indices into the submit ring.
//  2. Submit(pos, batch).
//  3. Until batch completions are drained: store wake = 0 (drain step 1),
//     Wait, read comp_tail, read each ring entry and its slot status, store
//     comp_head (drain steps 2-3).

import (
	"sync/atomic"
	"time"
)

// benchStall: no completion for this long means the pool is wedged.
const benchStall = 10 * time.Second

// Bench runs n empty echo tasks through a private pool of workers workers in
// batches of batch and returns the elapsed time.
//
// The driver runs on a goroutine of its own. Called through cgo from a C
// thread, the calling goroutine is locked to that thread, and each of its
// parks in Wait would cost a thread handoff (measured: ~10 us per batch of
// 1 instead of ~1.3 us), which measures cgo, not the transport.
func Bench(n, batch, workers int) (time.Duration, error) {
	if n < 0 || batch < 1 || batch > MaxSlots || workers < 1 || workers > MaxWorkers {
		return 0, ErrBadArg
	}
	type result struct {
		d   time.Duration
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, err := benchDrive(n, batch, workers)
		done <- result{d, err}
	}()
	r := <-done
	return r.d, r.err
}

func benchDrive(n, batch, workers int) (time.Duration, error) {
	slots := uint32(MinSlots)
	for int(slots) < batch {
		slots <<= 1
	}
	ctrl := make([]byte, ControlSize(slots))
	WriteHeader(ctrl, slots)
	p, err := New(ctrl, workers)
	if err != nil {
		return 0, err
	}
	defer p.Close(benchStall)
	if err := p.RegisterSegment(0, make([]byte, 64)); err != nil {
		return 0, err
	}
	r := p.Ring()
	for i := uint32(0); i < slots; i++ {
		EncodeDesc(r.Slot(i), Desc{Seq: i, Kind: 1})
	}

	var pos, head uint32
	var sink uint32
	start := time.Now()
	for done := 0; done < n; {
		b := min(batch, n-done)
		for i := 0; i < b; i++ {
			PresetSlot(r.Slot(uint32(i)))
			r.SetSubmitEntry(pos+uint32(i), uint32(i))
		}
		if _, err := p.Submit(pos, uint32(b)); err != nil {
			return 0, err
		}
		pos += uint32(b)
		for got := 0; got < b; {
			// Drain step 1, as JS does (seq-cst, pairs with publish's CAS).
			atomic.StoreUint32(r.Wake(), 0)
			k, err := p.Wait(benchStall)
			if err != nil {
				return 0, err
			}
			if k == 0 {
				return 0, ErrClosed // stalled
			}
			// Drain step 2: pairs with pushCompletions' store of comp_tail.
			tail := atomic.LoadUint32(r.CompTail())
			for ; head != tail; head++ {
				sink += le.Uint32(r.Slot(r.CompEntry(head))[slStatus:])
				got++
			}
			// Drain step 3.
			atomic.StoreUint32(r.CompHead(), head)
		}
		done += b
	}
	elapsed := time.Since(start)
	if sink != 0 { // every status is OK (0): anything else is a bug
		return 0, ErrBadLayout
	}
	return elapsed, nil
}
