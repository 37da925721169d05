/*
 * crossfair C ABI, version 1.
 *
 * The worker-pool library interface that the Go c-shared library implements
 * (and that any library loaded through the `ffi` transport must implement).
 * The shared-memory layout it reads and writes is in docs/TRANSPORT.md.
 *
 * Ownership: every pointer passed in is owned by the caller (JS memory:
 * SharedArrayBuffer backing stores). The library keeps `ctrl` and registered
 * segments until cf_pool_close returns 0 busy workers or the segment is
 * unregistered, and never frees them. The library never returns pointers to
 * its own memory. Errors are returned as negative codes, never as panics or
 * signals.
 *
 * Threads: every function may be called from any thread. cf_wait blocks; the
 * others return promptly (cf_pool_close waits at most timeout_ms).
 */
#ifndef CROSSFAIR_H
#define CROSSFAIR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CF_ABI_VERSION 1
#define CF_LAYOUT_VERSION 1

/* Negative return codes of the functions below. */
#define CF_ERR_BAD_HANDLE -1 /* no such pool (or already closed) */
#define CF_ERR_BAD_LAYOUT -2 /* control region header wrong or too short */
#define CF_ERR_CLOSED -3     /* pool is closing or closed */
#define CF_ERR_BAD_ARG -4    /* argument out of range */
#define CF_ERR_PANIC -5      /* a panic was recovered at the boundary */

typedef void (*cf_notify_fn)(void *ctx);

/* CF_ABI_VERSION of the library. Checked by the loader before any other call. */
uint32_t cf_abi_version(void);

/* Writes the kinds the library implements as "1=echo,2=sha256,..." followed by
 * a NUL into buf. Returns the string length (without NUL), or -(length+1) if
 * cap is too small (nothing written then). */
int32_t cf_kinds(char *buf, int32_t cap);

/* Creates a pool with `workers` (1..256) workers over the control region
 * `ctrl` of `ctrl_len` bytes (header already written by the caller).
 * Returns a handle > 0, or a negative code. */
int32_t cf_pool_create(uint8_t *ctrl, uint64_t ctrl_len, int32_t workers);

/* Sets the function called (from a library thread) when the wake word goes
 * 0 -> 1. NULL clears it; then only cf_wait reports completions. */
int32_t cf_set_notify(int32_t pool, cf_notify_fn fn, void *ctx);

/* Registers data segment `id` (0..4095) of `len` bytes (< 2^32).
 * Re-registering an id replaces it. */
int32_t cf_segment_register(int32_t pool, uint32_t id, uint8_t *base, uint64_t len);
int32_t cf_segment_unregister(int32_t pool, uint32_t id);

/* Queues the `count` slot indices at submit-ring positions start..start+count-1
 * (mod N). Returns how many were accepted (bad indices are skipped). */
int32_t cf_submit(int32_t pool, uint32_t start, uint32_t count);

/* Blocks until comp_tail != comp_head or timeout_ms passes. Returns the number
 * of completions not yet consumed (0 on timeout), or a negative code
 * (CF_ERR_CLOSED once the pool is closed and drained). */
int32_t cf_wait(int32_t pool, int32_t timeout_ms);

/* Fault injection applied inside the library, per task: with probability
 * error_rate the task ends INJECTED; delay_factor stretches each task's run
 * to delay_factor x its time; with probability hang_rate the handler hangs
 * until cancelled. Rates in [0, 1], delay_factor in [1, 1000]; anything else
 * (NaN included) is CF_ERR_BAD_ARG. (0, 1, 0) clears. */
int32_t cf_inject(int32_t pool, double error_rate, double delay_factor, double hang_rate);

/* Counters into out[0..n): [0] queued, [1] running, [2] completed,
 * [3] panics, [4] workers. Returns the number written. */
int32_t cf_pool_stats(int32_t pool, uint64_t *out, int32_t n);

/* Closes the pool (see docs/TRANSPORT.md, Close). Returns the number of
 * workers still running a handler, plus waits of waiting kinds (sleep) still
 * running off the workers, after timeout_ms (0 = memory released). */
int32_t cf_pool_close(int32_t pool, int32_t timeout_ms);

/* Runs `n` empty echo tasks through a private pool of `workers` workers in
 * batches of `batch`, driven from Go with no Node in the loop. Returns the
 * elapsed nanoseconds (the transport's native limit), or a negative code. */
int64_t cf_bench_native(int32_t n, int32_t batch, int32_t workers);

#ifdef __cplusplus
}
#endif

#endif /* CROSSFAIR_H */
