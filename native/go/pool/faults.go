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
//
// The ranges are the ones TS validates (src/faults.ts FAULT_RANGES): this side
// accepts exactly those and refuses the rest (test/vectors/faults.json).

import "math/rand/v2"

// Faults are the cf_inject settings.
type Faults struct {
	ErrorRate   float64 // 0..1
	DelayFactor float64 // 1..MaxDelayFactor; 1 is no delay
	HangRate    float64 // 0..1
}

// MaxDelayFactor is the largest DelayFactor accepted.
const MaxDelayFactor = 1000

// NoFaults injects nothing: what Inject is given to clear the settings.
var NoFaults = Faults{ErrorRate: 0, DelayFactor: 1, HangRate: 0}

var msgInjected = []byte("injected fault")

// normalize validates f and returns nil when it injects nothing.
func (f Faults) normalize() (*Faults, error) {
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi } // false for NaN
	if !in(f.ErrorRate, 0, 1) || !in(f.HangRate, 0, 1) || !in(f.DelayFactor, 1, MaxDelayFactor) {
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
