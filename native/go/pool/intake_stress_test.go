package pool

// The intake (intake.go) under load: no lost wake-up of the parked intake,
// and many sleeps mixed with spins and echoes, some cancelled, on both
// routes (token free or not), each complete exactly once.

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// One zero-length sleep per round, the drainer waiting with a 2 s timeout:
// the intake parks between rounds, so each round needs Submit's Signal. A
// Wait that times out with nothing pending is a lost wake-up.
func TestIntakeNoLostWakeups(t *testing.T) {
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 64)
	rounds := 5000
	if testing.Short() {
		rounds = 500
	}
	h.task(0, put(arena, 0, 4, micros(0), 0, 0, 0))
	for round := 0; round < rounds; round++ {
		PresetSlot(h.r.Slot(0))
		h.submit(0)
		atomic.StoreUint32(h.r.Wake(), 0)
		if n, err := h.p.Wait(2 * time.Second); err != nil || n == 0 {
			t.Fatalf("round %d: Wait = %d, %v: the intake missed its wake-up", round, n, err)
		}
		h.head++
		atomic.StoreUint32(h.r.CompHead(), h.head)
		if r := h.result(0); r.Status != StatusOK || r.Worker != NoWorker {
			t.Fatalf("round %d: %+v", round, r)
		}
	}
}

// A closed loop of tasks (at most slots in flight): random sleeps of
// 0-3 ms, spins of 0-300 us and echoes, submitted in random batches, a
// random tenth cancelled at a random moment. Each submission completes
// exactly once with a status its kind allows; the counters and tokens end
// at rest. The token bound is varied so both routes mix.
func TestIntakeManyMixedTasksCompleteOnce(t *testing.T) {
	for _, limit := range []int32{maxOffWaits, 16} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			const slots, total = 512, 4000
			seed := rand.Uint64()
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 1))
			h := newHarness(t, slots, 2)
			h.p.off.limit = limit
			arena := h.seg(0, 32*slots)
			kinds := make([]uint16, slots)
			outstanding := make([]bool, slots)
			cancelled := make([]bool, slots)
			var free []uint32
			for i := uint32(0); i < slots; i++ {
				free = append(free, i)
			}
			issued, done := 0, 0
			var ran [2]int // completions with worker = a worker, = NoWorker
			for done < total {
				// Submit a random batch from the free slots.
				n := min(len(free), total-issued, 1+rng.IntN(64))
				batch := free[len(free)-n:]
				free = free[:len(free)-n]
				for _, i := range batch {
					base := 32 * i
					var d Desc
					switch k := rng.IntN(10); {
					case k < 6:
						d = put(arena, 0, 4, micros(rng.IntN(3000)), base, base, 0)
					case k < 8:
						d = put(arena, 0, 3, micros(rng.IntN(300)), base, base, 0)
					default:
						d = put(arena, 0, 1, []byte("e"), base, base+16, 16)
					}
					kinds[i] = d.Kind
					h.task(i, d)
					outstanding[i], cancelled[i] = true, false
				}
				if n > 0 {
					h.submit(batch...)
					issued += n
				}
				// Cancel a random outstanding task now and then.
				if rng.IntN(10) == 0 {
					i := uint32(rng.IntN(slots))
					if outstanding[i] {
						cancelled[i] = true
						h.cancel(i)
					}
				}
				// Drain what has completed.
				atomic.StoreUint32(h.r.Wake(), 0)
				if _, err := h.p.Wait(testDeadline); err != nil {
					t.Fatalf("Wait: %v", err)
				}
				tail := atomic.LoadUint32(h.r.CompTail())
				for ; h.head != tail; h.head++ {
					i := h.r.CompEntry(h.head)
					if !outstanding[i] {
						t.Fatalf("slot %d completed twice (or never submitted)", i)
					}
					outstanding[i] = false
					r := h.result(i)
					switch {
					case r.Status == StatusOK:
					case r.Status == StatusAborted && cancelled[i]:
					default:
						t.Fatalf("slot %d kind %d: status %d %q", i, kinds[i], r.Status, r.Msg)
					}
					switch {
					case r.Worker < 2:
						ran[0]++
					case r.Worker == NoWorker && kinds[i] == 4:
						ran[1]++
					default:
						t.Fatalf("slot %d kind %d: worker %d", i, kinds[i], r.Worker)
					}
					free = append(free, i)
					done++
				}
				atomic.StoreUint32(h.r.CompHead(), h.head)
			}
			t.Logf("%d on workers, %d started by the intake", ran[0], ran[1])
			if ran[1] == 0 {
				t.Errorf("no task went through the intake")
			}
			h.untilTokens(0)
			if st := h.p.Stats(); st.Completed != total || st.Running != 0 || st.Queued != 0 {
				t.Errorf("stats %+v", st)
			}
			if busy, err := h.p.Close(testDeadline); busy != 0 || err != nil {
				t.Fatalf("Close: busy %d err %v", busy, err)
			}
			if tail := atomic.LoadUint32(h.r.CompTail()); tail != total {
				t.Errorf("comp_tail %d, want %d", tail, total)
			}
		})
	}
}
