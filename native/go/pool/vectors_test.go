package pool

// The shared vectors in test/vectors/ (also read by the Rust and TS tests).

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
)

const vectorDir = "../../../test/vectors/"

type kindVector struct {
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`
	InputHex  string  `json:"input_hex"`
	Status    string  `json:"status"`
	OutputHex string  `json:"output_hex"`
	Message   *string `json:"message"`
}

type descVector struct {
	Name     string            `json:"name"`
	Segments map[string]uint32 `json:"segments"`
	Desc     struct {
		Kind   uint16 `json:"kind"`
		InSeg  uint32 `json:"in_seg"`
		InOff  uint32 `json:"in_off"`
		InLen  uint32 `json:"in_len"`
		OutSeg uint32 `json:"out_seg"`
		OutOff uint32 `json:"out_off"`
		OutCap uint32 `json:"out_cap"`
	} `json:"desc"`
	Status string  `json:"status"`
	OutLen *uint32 `json:"out_len"`
}

type vectorFile[V any] struct {
	KindIDs         map[string]uint16 `json:"kind_ids"`
	StatusCodes     map[string]Status `json:"status_codes"`
	MessageMaxBytes int               `json:"message_max_bytes"`
	BadSlotSkipped  bool              `json:"bad_slot_index_is_skipped"`
	Vectors         []V               `json:"vectors"`
}

func loadVectors[V any](t *testing.T, name string) vectorFile[V] {
	t.Helper()
	b, err := os.ReadFile(vectorDir + name)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile[V]
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s: no vectors", name)
	}
	return f
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectorConstants: our kind ids, status codes and message limit are the
// vectors' (and so TRANSPORT.md's).
func TestVectorConstants(t *testing.T) {
	f := loadVectors[kindVector](t, "kinds.json")
	if f.MessageMaxBytes != MsgMax {
		t.Errorf("message_max_bytes %d, MsgMax %d", f.MessageMaxBytes, MsgMax)
	}
	for name, id := range f.KindIDs {
		if k := lookupKind(id); k == nil || k.Name != name {
			t.Errorf("kind %s=%d not implemented as such", name, id)
		}
	}
	want := map[string]Status{
		"PENDING": StatusPending, "OK": StatusOK, "TASK_FAILED": StatusTaskFailed,
		"TASK_PANIC": StatusTaskPanic, "UNKNOWN_KIND": StatusUnknownKind,
		"BAD_INPUT": StatusBadInput, "BAD_DESCRIPTOR": StatusBadDescriptor,
		"OUTPUT_TOO_LARGE": StatusOutputTooLarge, "ABORTED": StatusAborted,
		"INJECTED": StatusInjected,
	}
	if len(f.StatusCodes) != len(want) {
		t.Errorf("status_codes has %d entries, want %d", len(f.StatusCodes), len(want))
	}
	for name, code := range f.StatusCodes {
		if want[name] != code {
			t.Errorf("status %s = %d, ours %d", name, code, want[name])
		}
	}
	if got := KindsString(); got != "1=echo,2=sha256,3=spin,4=sleep,5=fail,6=panic" {
		t.Errorf("KindsString %q", got)
	}
}

// TestKindVectorsDirect runs every kinds.json vector through the kind
// functions alone.
func TestKindVectorsDirect(t *testing.T) {
	f := loadVectors[kindVector](t, "kinds.json")
	closing := new(atomic.Bool)
	w := newWaiter(make(chan struct{}), closing)
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			k := lookupKind(f.KindIDs[v.Kind])
			in := unhex(t, v.InputHex)
			want := unhex(t, v.OutputHex)
			out := make([]byte, len(in)+64)
			var cancel uint32
			o := runKind(k, in, out, w, &cancel)
			if o.status != f.StatusCodes[v.Status] {
				t.Fatalf("status %d, want %s (msg %q)", o.status, v.Status, o.msg)
			}
			if got := out[:o.outLen]; !bytes.Equal(got, want) {
				t.Errorf("output %x, want %x", got, want)
			}
			if v.Message != nil && string(TruncateMsg(o.msg)) != *v.Message {
				t.Errorf("msg %q, want %q", TruncateMsg(o.msg), *v.Message)
			}
		})
	}
}

// TestKindVectorsPool runs all kinds.json vectors as one batch through the
// pool and the rings.
func TestKindVectorsPool(t *testing.T) {
	f := loadVectors[kindVector](t, "kinds.json")
	h := newHarness(t, 64, 2)
	const stride = 16384 // > largest vector input + output
	arena := h.seg(0, stride*len(f.Vectors))
	var idxs []uint32
	for i, v := range f.Vectors {
		in := unhex(t, v.InputHex)
		base := uint32(i * stride)
		h.task(uint32(i), put(arena, 0, f.KindIDs[v.Kind], in, base, base+stride/2, stride/2))
		idxs = append(idxs, uint32(i))
	}
	if n := h.submit(idxs...); n != len(idxs) {
		t.Fatalf("accepted %d of %d", n, len(idxs))
	}
	done := h.await(len(idxs))
	slices.Sort(done)
	if !slices.Equal(done, idxs) {
		t.Fatalf("completed %v", done)
	}
	for i, v := range f.Vectors {
		r := h.result(uint32(i))
		msg := "*"
		if v.Message != nil {
			msg = *v.Message
		} else if v.Status == "OK" {
			msg = ""
		}
		wantResult(t, v.Name, r, f.StatusCodes[v.Status], msg)
		want := unhex(t, v.OutputHex)
		out := arena[i*stride+stride/2:]
		if r.Status == StatusOK && !bytes.Equal(out[:r.OutLen], want) {
			t.Errorf("%s: output %x, want %x", v.Name, out[:r.OutLen], want)
		}
		// A sleep starts on the intake (intake.go): NoWorker; others on
		// one of the 2 workers.
		if f.KindIDs[v.Kind] == 4 && r.Worker != NoWorker || f.KindIDs[v.Kind] != 4 && r.Worker >= 2 {
			t.Errorf("%s: worker %d", v.Name, r.Worker)
		}
	}
	if st := h.p.Stats(); st.Completed != uint64(len(idxs)) || st.Queued != 0 || st.Running != 0 || st.Panics != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestDescriptorVectors: one pool with the vector's segments per vector.
func TestDescriptorVectors(t *testing.T) {
	f := loadVectors[descVector](t, "descriptors.json")
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			h := newHarness(t, 8, 1)
			segs := map[uint32][]byte{}
			for id, size := range v.Segments {
				n, err := strconv.ParseUint(id, 10, 32)
				if err != nil {
					t.Fatal(err)
				}
				s := h.seg(uint32(n), int(size))
				for i := range s {
					s[i] = byte(i*7 + 1)
				}
				segs[uint32(n)] = s
			}
			d := v.Desc
			h.task(3, Desc{Kind: d.Kind, InSeg: d.InSeg, InOff: d.InOff, InLen: d.InLen, OutSeg: d.OutSeg, OutOff: d.OutOff, OutCap: d.OutCap})
			var input []byte
			if s, ok := segs[d.InSeg]; ok && uint64(d.InOff)+uint64(d.InLen) <= uint64(len(s)) {
				input = bytes.Clone(s[d.InOff : d.InOff+d.InLen])
			}
			h.submit(3)
			h.await(1)
			r := h.result(3)
			if want := f.StatusCodes[v.Status]; r.Status != want {
				t.Fatalf("status %d, want %s (msg %q)", r.Status, v.Status, r.Msg)
			}
			if v.OutLen != nil && r.OutLen != *v.OutLen {
				t.Errorf("out_len %d, want %d", r.OutLen, *v.OutLen)
			}
			if r.Status == StatusOK && d.Kind == 1 {
				if got := segs[d.OutSeg][d.OutOff : d.OutOff+r.OutLen]; !bytes.Equal(got, input) {
					t.Errorf("output %x, want %x", got, input)
				}
			}
		})
	}
}

// TestBadSlotIndexIsSkipped: descriptors.json "bad_slot_index_is_skipped":
// an index >= N in the submit ring is skipped and not counted.
func TestBadSlotIndexIsSkipped(t *testing.T) {
	f := loadVectors[descVector](t, "descriptors.json")
	if !f.BadSlotSkipped {
		t.Fatal("vector file no longer asserts bad_slot_index_is_skipped")
	}
	h := newHarness(t, 8, 1)
	arena := h.seg(0, 64)
	h.task(0, put(arena, 0, 1, []byte("a"), 0, 32, 8))
	h.task(1, put(arena, 0, 1, []byte("b"), 1, 40, 8))
	if n := h.submit(0, 8, 0xFFFFFFFF, 1); n != 2 {
		t.Fatalf("accepted %d, want 2", n)
	}
	got := h.await(2)
	slices.Sort(got)
	if !slices.Equal(got, []uint32{0, 1}) {
		t.Fatalf("completions %v", got)
	}
	if n, _ := h.p.Wait(0); n != 0 {
		t.Errorf("%d extra completions", n)
	}
	if st := h.p.Stats(); st.Completed != 2 || st.Queued != 0 {
		t.Errorf("stats %+v", st)
	}
}
