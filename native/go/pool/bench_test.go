package pool

import (
	"fmt"
	"testing"
)

// BenchmarkPool: empty echo tasks through the full ring + pool path, varying
// one thing at a time (batch size, then workers). Reports ns/task.
func BenchmarkPool(b *testing.B) {
	for _, workers := range []int{1, 2} {
		for _, batch := range []int{1, 16, 256, 4096} {
			b.Run(fmt.Sprintf("workers=%d/batch=%d", workers, batch), func(b *testing.B) {
				d, err := Bench(b.N, batch, workers)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "ns/task")
			})
		}
	}
}

func TestBenchDriver(t *testing.T) {
	for _, batch := range []int{1, 7, 16, 300} {
		if _, err := Bench(1000, batch, 2); err != nil {
			t.Errorf("Bench(batch %d): %v", batch, err)
		}
	}
	for _, c := range [][3]int{{-1, 1, 1}, {1, 0, 1}, {1, MaxSlots + 1, 1}, {1, 1, 0}, {1, 1, MaxWorkers + 1}} {
		if _, err := Bench(c[0], c[1], c[2]); err != ErrBadArg {
			t.Errorf("Bench%v: %v", c, err)
		}
	}
}
