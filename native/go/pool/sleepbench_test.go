package pool

// BenchmarkOffWorkerSleep: the CPU an off-worker wait costs (offworker.go,
// watch.go). conc sleeps of sleepBenchUs are in flight at all times (a
// closed loop, like the lanes of a JS load test): each completion is
// resubmitted at once. One worker; varies conc only. Reports
//   - cpu-us/task: process user+sys CPU (getrusage) per sleep, driver
//     included (it plays JS's part: submit, drain, resubmit);
//   - exec-us/task: mean exec_ns, the sleep's wall time inside the pool
//     (>= sleepBenchUs; the excess is wake-up latency).
//
// Run: go test ./pool -run '^$' -bench OffWorkerSleep -cpu 1,2

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// sleepBenchUs: 5 ms, the sleep of the Node load test this benchmark
// mirrors (400 lanes, each awaiting one 5 ms sleep on the Go pool at a time).
const sleepBenchUs = 5000

func BenchmarkOffWorkerSleep(b *testing.B) {
	for _, conc := range []int{100, 400, 2000} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
			d := newSleepDriver(b, conc, sleepBenchUs)
			cpu0 := cpuTime(b)
			b.ResetTimer()
			execNs := d.run(b, b.N)
			b.StopTimer()
			cpu := cpuTime(b) - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/task")
			b.ReportMetric(float64(execNs)/1e3/float64(b.N), "exec-us/task")
			if busy, err := d.p.Close(benchStall); busy != 0 || err != nil {
				b.Fatalf("Close: busy %d err %v", busy, err)
			}
		})
	}
}

// cpuTime is the process's user+sys CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sleepDriver keeps conc sleep tasks in flight through one pool.
type sleepDriver struct {
	p         *Pool
	r         *Ring
	conc      int
	pos, head uint32
}

func newSleepDriver(b *testing.B, conc, us int) *sleepDriver {
	slots := uint32(MinSlots)
	for int(slots) < conc {
		slots <<= 1
	}
	ctrl := make([]byte, ControlSize(slots))
	WriteHeader(ctrl, slots)
	p, err := New(ctrl, 1)
	if err != nil {
		b.Fatal(err)
	}
	in := micros(us)
	if err := p.RegisterSegment(0, append(in, make([]byte, 16)...)); err != nil {
		b.Fatal(err)
	}
	r := p.Ring()
	for i := uint32(0); i < slots; i++ {
		EncodeDesc(r.Slot(i), Desc{Seq: i, Kind: 4, InLen: uint32(len(in)), OutOff: uint32(len(in))})
	}
	return &sleepDriver{p: p, r: r, conc: conc}
}

// submit presets idxs and submits them in one call.
func (d *sleepDriver) submit(b *testing.B, idxs []uint32) {
	for i, idx := range idxs {
		PresetSlot(d.r.Slot(idx))
		d.r.SetSubmitEntry(d.pos+uint32(i), idx)
	}
	if n, err := d.p.Submit(d.pos, uint32(len(idxs))); err != nil || n != len(idxs) {
		b.Fatalf("Submit: %d of %d, %v", n, len(idxs), err)
	}
	d.pos += uint32(len(idxs))
}

// run completes n sleeps, at most conc at a time, and returns the sum of
// their exec_ns.
func (d *sleepDriver) run(b *testing.B, n int) (execNs uint64) {
	first := make([]uint32, min(d.conc, n))
	for i := range first {
		first[i] = uint32(i)
	}
	d.submit(b, first)
	issued, done := len(first), 0
	again := make([]uint32, 0, d.conc)
	for done < n {
		atomic.StoreUint32(d.r.Wake(), 0) // drain step 1, as JS does
		k, err := d.p.Wait(benchStall)
		if err != nil || k == 0 {
			b.Fatalf("Wait: %d, %v (stalled)", k, err)
		}
		tail := atomic.LoadUint32(d.r.CompTail())
		again = again[:0]
		for ; d.head != tail; d.head++ {
			idx := d.r.CompEntry(d.head)
			res := ReadResult(d.r.Slot(idx))
			if res.Status != StatusOK {
				b.Fatalf("slot %d: status %d %q", idx, res.Status, res.Msg)
			}
			execNs += res.ExecNs
			done++
			if issued < n {
				again = append(again, idx)
				issued++
			}
		}
		atomic.StoreUint32(d.r.CompHead(), d.head)
		if len(again) > 0 {
			d.submit(b, again)
		}
	}
	return execNs
}
