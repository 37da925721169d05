package pool

// The built-in task kinds (docs/TRANSPORT.md "Kinds"):
//
//	id name   input                       output / status
//	1  echo   any bytes                   the same bytes
//	2  sha256 any bytes                   32-byte SHA-256 digest
//	3  spin   ASCII decimal microseconds  burns CPU that long; empty output
//	4  sleep  ASCII decimal microseconds  waits without CPU; empty output
//	5  fail   message bytes               TASK_FAILED, msg = input
//	6  panic  message bytes               panics; TASK_PANIC, msg = input
//
// A kind is either a data kind (run reads in, writes out; it runs while the
// worker holds the segment read lock, see segments.go) or a timed kind
// (spin/sleep: the input is parsed under the lock, the wait happens after
// the lock is released, polling cancel and shutdown; see wait.go).
//
// A waiting kind (today: sleep) holds no CPU while it waits; it stands for
// I/O. Its wait runs on a goroutine of its own rather than on the worker
// (offworker.go), so a waiting task costs a few KB of stack, not one of the
// W workers. waits is a property of the kind, set only here.

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// outcome is a handler's result. msg may alias the input: the worker copies
// it into the slot before it releases the segment lock.
type outcome struct {
	status Status
	outLen uint32
	msg    []byte
}

// Kind is one task kind.
type Kind struct {
	ID   uint16
	Name string
	run  func(in, out []byte) outcome // data kinds
	// timed kinds: wait for the parsed duration; burn = spin (CPU) or sleep.
	timed bool
	burn  bool
	// waits: the handler only waits (no CPU, no segment access after its
	// input is parsed), so the pool runs it off the worker (offworker.go).
	waits bool
}

// kindTable is indexed by id; nil entries are UNKNOWN_KIND.
var kindTable = func() [7]*Kind {
	var t [7]*Kind
	for _, k := range []*Kind{
		{ID: 1, Name: "echo", run: runEcho},
		{ID: 2, Name: "sha256", run: runSHA256},
		{ID: 3, Name: "spin", timed: true, burn: true},
		{ID: 4, Name: "sleep", timed: true, waits: true},
		{ID: 5, Name: "fail", run: runFail},
		{ID: 6, Name: "panic", run: runPanic},
	} {
		t[k.ID] = k
	}
	return t
}()

// lookupKind returns the kind with id, or nil.
func lookupKind(id uint16) *Kind {
	if int(id) < len(kindTable) {
		return kindTable[id]
	}
	return nil
}

// KindsString is the cf_kinds answer: "1=echo,2=sha256,...".
func KindsString() string {
	var b strings.Builder
	for _, k := range kindTable {
		if k == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(k.ID)) + "=" + k.Name)
	}
	return b.String()
}

func runEcho(in, out []byte) outcome {
	if len(in) > len(out) {
		return outcome{status: StatusOutputTooLarge, outLen: uint32(len(in))}
	}
	copy(out, in) // copy is memmove: in and out may overlap in one segment
	return outcome{status: StatusOK, outLen: uint32(len(in))}
}

func runSHA256(in, out []byte) outcome {
	if len(out) < sha256.Size {
		return outcome{status: StatusOutputTooLarge, outLen: sha256.Size}
	}
	sum := sha256.Sum256(in)
	copy(out, sum[:])
	return outcome{status: StatusOK, outLen: sha256.Size}
}

func runFail(in, _ []byte) outcome {
	return outcome{status: StatusTaskFailed, msg: in}
}

func runPanic(in, _ []byte) outcome {
	panic(string(in)) // the worker's recover turns this into TASK_PANIC, msg = input
}

// Spin/sleep input limits (docs/TRANSPORT.md "Kinds").
const (
	maxMicrosDigits = 10
	maxMicros       = 60_000_000 // 60 s
)

var msgBadMicros = []byte("input must be 1 to 10 ASCII digits, a number of microseconds <= 60000000")

// ParseMicros parses spin/sleep input: 1 to 10 ASCII digits, value <= 60 s.
func ParseMicros(in []byte) (time.Duration, bool) {
	if len(in) == 0 || len(in) > maxMicrosDigits {
		return 0, false
	}
	var v uint64 // 10 digits < 2^64: cannot overflow
	for _, c := range in {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > maxMicros {
		return 0, false
	}
	return time.Duration(v) * time.Microsecond, true
}

// runKind runs kind k on in/out to completion, waiting (for timed kinds)
// with w. It is the whole handler without segment locking: the pool's
// worker splits the same steps around its lock; tests call this directly.
func runKind(k *Kind, in, out []byte, w *waiter, cancel *uint32) (o outcome) {
	if !k.timed {
		return runData(k, in, out)
	}
	d, ok := ParseMicros(in)
	if !ok {
		return outcome{status: StatusBadInput, msg: msgBadMicros}
	}
	return w.timed(d, k.burn, cancel)
}

// runData runs a data kind under recover(): a panic becomes TASK_PANIC with
// the panic value as the message.
func runData(k *Kind, in, out []byte) (o outcome) {
	defer func() {
		if v := recover(); v != nil {
			o = outcome{status: StatusTaskPanic, msg: panicMsg(v)}
		}
	}()
	return k.run(in, out)
}

// panicMsg renders a recovered value as message bytes.
func panicMsg(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case error:
		return []byte(x.Error())
	}
	return []byte(fmt.Sprint(v))
}
