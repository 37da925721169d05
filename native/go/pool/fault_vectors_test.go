package pool

// Every vector of test/vectors/faults.json: Inject accepts exactly the fault
// settings TS accepts (src/faults.ts FAULT_RANGES), and refuses the rest.

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// faultValue is a vector value: a number, or "NaN" / "Inf" / "-Inf".
type faultValue float64

func (v *faultValue) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*v = faultValue(math.NaN())
	case `"Inf"`:
		*v = faultValue(math.Inf(1))
	case `"-Inf"`:
		*v = faultValue(math.Inf(-1))
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*v = faultValue(f)
	}
	return nil
}

type faultSettings struct {
	ErrorRate   faultValue `json:"errorRate"`
	DelayFactor faultValue `json:"delayFactor"`
	HangRate    faultValue `json:"hangRate"`
}

func (s faultSettings) faults() Faults {
	return Faults{ErrorRate: float64(s.ErrorRate), DelayFactor: float64(s.DelayFactor), HangRate: float64(s.HangRate)}
}

type faultFile struct {
	Ranges  map[string][2]float64 `json:"ranges"`
	None    faultSettings         `json:"none"`
	Vectors []struct {
		Name   string        `json:"name"`
		Faults faultSettings `json:"faults"`
		OK     bool          `json:"ok"`
	} `json:"vectors"`
}

func loadFaultVectors(t *testing.T) faultFile {
	t.Helper()
	b, err := os.ReadFile(vectorDir + "faults.json")
	if err != nil {
		t.Fatal(err)
	}
	var f faultFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) < 10 {
		t.Fatalf("faults.json: %d vectors", len(f.Vectors))
	}
	return f
}

func TestFaultRangesAreTheSharedOnes(t *testing.T) {
	f := loadFaultVectors(t)
	want := map[string][2]float64{"errorRate": {0, 1}, "delayFactor": {1, MaxDelayFactor}, "hangRate": {0, 1}}
	for k, r := range want {
		if f.Ranges[k] != r {
			t.Errorf("ranges[%s] = %v, this side uses %v", k, f.Ranges[k], r)
		}
	}
	if len(f.Ranges) != len(want) {
		t.Errorf("ranges = %v", f.Ranges)
	}
	if f.None.faults() != NoFaults {
		t.Errorf("none = %+v, NoFaults = %+v", f.None.faults(), NoFaults)
	}
}

func TestInjectAcceptsExactlyTheOKVectors(t *testing.T) {
	h := newHarness(t, 8, 1)
	for _, v := range loadFaultVectors(t).Vectors {
		err := h.p.Inject(v.Faults.faults())
		if v.OK && err != nil {
			t.Errorf("%s: refused (%v), TS accepts it", v.Name, err)
		}
		if !v.OK && err != ErrBadArg {
			t.Errorf("%s: Inject = %v, want ErrBadArg", v.Name, err)
		}
	}
}
