// Command libcrossfair is the crossfair C ABI (include/crossfair.h, version
// 1), built with -buildmode=c-shared. Each //export function only converts C
// types, calls package pool, and converts the result; every panic is
// recovered here and returned as CF_ERR_PANIC. C never receives a Go
// pointer: pools are int32 handles (handles.go).
//
// Build: go build -buildmode=c-shared -o ../build/libcrossfair_go.so ./cmd/libcrossfair
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdint.h>
#include "crossfair.h"

// trampoline.c: Go cannot call a C function pointer itself.
void cf_call_notify(cf_notify_fn fn, void *ctx);
*/
import "C"

import (
	"errors"
	"time"
	"unsafe"

	"crossfair/native/go/pool"
)

func main() {} // required by -buildmode=c-shared; never runs

// guard turns a panic in an exported function into CF_ERR_PANIC. It must be
// deferred directly so that its recover() sees the panic.
func guard(rc *C.int32_t) {
	if recover() != nil {
		*rc = C.CF_ERR_PANIC
	}
}

// code maps a pool error to its CF_ERR_* value.
func code(err error) C.int32_t {
	var e pool.Error
	if errors.As(err, &e) {
		return C.int32_t(e)
	}
	return C.CF_ERR_PANIC
}

// bytesAt views C memory [p, p+n) as a []byte (nil if n == 0).
func bytesAt(p *C.uint8_t, n uint64) []byte {
	if n == 0 {
		return []byte{}
	}
	// unsafe: the caller guarantees p points to n bytes it owns and keeps
	// alive while the pool may use them (include/crossfair.h, Ownership);
	// the memory is not Go memory, so the GC never moves or frees it.
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), n)
}

//export cf_abi_version
func cf_abi_version() C.uint32_t { return C.CF_ABI_VERSION }

//export cf_kinds
func cf_kinds(buf *C.char, cap C.int32_t) (rc C.int32_t) {
	defer guard(&rc)
	s := pool.KindsString()
	if buf == nil || int(cap) < len(s)+1 {
		return C.int32_t(-(len(s) + 1))
	}
	// unsafe: buf has cap >= len(s)+1 bytes (caller's contract, checked above).
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), len(s)+1)
	copy(dst, s)
	dst[len(s)] = 0
	return C.int32_t(len(s))
}

//export cf_pool_create
func cf_pool_create(ctrl *C.uint8_t, ctrlLen C.uint64_t, workers C.int32_t) (rc C.int32_t) {
	defer guard(&rc)
	if ctrl == nil {
		return C.CF_ERR_BAD_LAYOUT
	}
	// The pool never looks past ControlSize(MaxSlots); clamping keeps
	// unsafe.Slice within any address space whatever ctrl_len says.
	n := min(uint64(ctrlLen), pool.ControlSize(pool.MaxSlots))
	p, err := pool.New(bytesAt(ctrl, n), int(workers))
	if err != nil {
		return code(err)
	}
	return C.int32_t(addPool(p))
}

//export cf_set_notify
func cf_set_notify(h C.int32_t, fn C.cf_notify_fn, ctx unsafe.Pointer) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	if fn == nil {
		p.SetNotify(nil)
		return 0
	}
	// fn and ctx are C values; holding them in Go is allowed.
	p.SetNotify(func() { C.cf_call_notify(fn, ctx) })
	return 0
}

//export cf_segment_register
func cf_segment_register(h C.int32_t, id C.uint32_t, base *C.uint8_t, n C.uint64_t) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	if (base == nil && n != 0) || uint64(n) >= 1<<32 {
		return C.CF_ERR_BAD_ARG
	}
	return code0(p.RegisterSegment(uint32(id), bytesAt(base, uint64(n))))
}

//export cf_segment_unregister
func cf_segment_unregister(h C.int32_t, id C.uint32_t) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	return code0(p.UnregisterSegment(uint32(id)))
}

//export cf_submit
func cf_submit(h C.int32_t, start C.uint32_t, count C.uint32_t) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	n, err := p.Submit(uint32(start), uint32(count))
	if err != nil {
		return code(err)
	}
	return C.int32_t(n)
}

//export cf_wait
func cf_wait(h C.int32_t, timeoutMs C.int32_t) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	n, err := p.Wait(time.Duration(timeoutMs) * time.Millisecond)
	if err != nil {
		return code(err)
	}
	return C.int32_t(n)
}

//export cf_inject
func cf_inject(h C.int32_t, errorRate C.double, delayFactor C.double, hangRate C.double) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	return code0(p.Inject(pool.Faults{
		ErrorRate:   float64(errorRate),
		DelayFactor: float64(delayFactor),
		HangRate:    float64(hangRate),
	}))
}

//export cf_pool_stats
func cf_pool_stats(h C.int32_t, out *C.uint64_t, n C.int32_t) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	if n < 0 || (out == nil && n > 0) {
		return C.CF_ERR_BAD_ARG
	}
	st := p.Stats().Slice()
	k := min(int(n), len(st))
	if k == 0 {
		return 0
	}
	// unsafe: out has room for n >= k uint64s (caller's contract).
	dst := unsafe.Slice((*uint64)(unsafe.Pointer(out)), k)
	copy(dst, st[:k])
	return C.int32_t(k)
}

//export cf_pool_close
func cf_pool_close(h C.int32_t, timeoutMs C.int32_t) (rc C.int32_t) {
	defer guard(&rc)
	p, err := getPool(int32(h))
	if err != nil {
		return code(err)
	}
	busy, err := p.Close(time.Duration(timeoutMs) * time.Millisecond)
	if err != nil {
		return code(err)
	}
	if busy == 0 {
		dropPool(int32(h), p)
	}
	return C.int32_t(busy)
}

//export cf_bench_native
func cf_bench_native(n C.int32_t, batch C.int32_t, workers C.int32_t) (rc C.int64_t) {
	defer func() {
		if recover() != nil {
			rc = C.CF_ERR_PANIC
		}
	}()
	d, err := pool.Bench(int(n), int(batch), int(workers))
	if err != nil {
		return C.int64_t(code(err))
	}
	return C.int64_t(d.Nanoseconds())
}

// code0 maps nil to 0 and an error to its code.
func code0(err error) C.int32_t {
	if err == nil {
		return 0
	}
	return code(err)
}
