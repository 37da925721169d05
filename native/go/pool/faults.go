package pool

// Fault injection (cf_inject), applied per task inside the pool:
//
//  1. with probability ErrorRate the task ends INJECTED, msg "injected fault",
//     without running;
//  2. else with probability HangRate the handler hangs until the slot is
//     cancelled or the pool shuts down, then ends ABORTED;
//  3. else the handler runs; if DelayFactor > 1 the worker then waits
//     (DelayFactor-1) x the handler's time, cancellably, so the task takes
//     DelayFactor x its time. A cancel during that wait ends it ABORTED.
//
// Each worker draws from its own math/rand/v2 generator (no shared state on
// the task path). The settings are one immutable *Faults behind an atomic
// pointer: nil when cleared, so the common case costs one load.

import (
	"math"
	"math/rand/v2"
)

// Faults are the cf_inject settings.
type Faults struct {
	ErrorRate   float64 // 0..1
	DelayFactor float64 // >= 1 (0 is read as 1)
	HangRate    float64 // 0..1
}

var msgInjected = []byte("injected fault")

// normalize validates f and returns nil when it injects nothing.
func (f Faults) normalize() (*Faults, error) {
	rate := func(r float64) bool { return r >= 0 && r <= 1 } // false for NaN
	if f.DelayFactor == 0 {
		f.DelayFactor = 1
	}
	if !rate(f.ErrorRate) || !rate(f.HangRate) ||
		!(f.DelayFactor >= 1) || math.IsInf(f.DelayFactor, 1) {
		return nil, ErrBadArg
	}
	if f.ErrorRate == 0 && f.HangRate == 0 && f.DelayFactor == 1 {
		return nil, nil
	}
	return &f, nil
}

// faultAction is what roll decided for one task.
type faultAction uint8

const (
	faultNone faultAction = iota
	faultError
	faultHang
)

// roll decides steps 1 and 2 for one task with the worker's generator.
func (f *Faults) roll(r *rand.Rand) faultAction {
	if f.ErrorRate > 0 && r.Float64() < f.ErrorRate {
		return faultError
	}
	if f.HangRate > 0 && r.Float64() < f.HangRate {
		return faultHang
	}
	return faultNone
}
