/*
 * Test stub of the crossfair C ABI (native/go/include/crossfair.h), used to
 * exercise the C++ shim without the Go library. Built by build-stub.sh into
 * build/test-stub/; never shipped.
 *
 * Minimal on purpose: one worker thread per pool, kind 1 (echo) only, plus
 * a test-only kind 200 ("stub-hang": sleeps the ASCII decimal milliseconds
 * of its input, ignoring shutdown) so that close() can be made to return a
 * busy worker. Follows docs/TRANSPORT.md for the rings and the wake word:
 *   1. cf_submit copies indices out of the submit ring into a local queue.
 *   2. The worker runs the task, writes the slot, then under comp_mu stores
 *      ring[tail & (N-1)] = idx and store-releases comp_tail = tail + 1.
 *   3. If CAS(wake, 0, 1) wins, it calls notify under notify_mu, so that
 *      cf_set_notify(h, NULL) returning means no notify is in progress.
 *   4. cf_pool_close marks the pool closed; queued tasks end ABORTED; the
 *      worker exits; close waits up to timeout_ms for it.
 * Build variants: -DSTUB_ABI_VERSION=N reports another ABI version,
 * -DSTUB_OMIT_BENCH leaves cf_bench_native out (missing-symbol test).
 */
#define _GNU_SOURCE
#include "crossfair.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef STUB_ABI_VERSION
#define STUB_ABI_VERSION CF_ABI_VERSION
#endif

#define MAX_POOLS 64
#define MAX_SEGS 4096
#define KIND_ECHO 1
#define KIND_STUB_HANG 200
#define ST_OK 0
#define ST_UNKNOWN_KIND 3
#define ST_BAD_INPUT 4
#define ST_BAD_DESCRIPTOR 5
#define ST_OUTPUT_TOO_LARGE 6
#define ST_ABORTED 7

typedef struct {
  uint8_t *base;
  uint64_t len;
} seg_t;

typedef struct {
  int used;
  uint8_t *ctrl;
  uint32_t n;
  pthread_t thread;
  pthread_mutex_t mu; /* queue, closed, running, segs, exited */
  pthread_cond_t cv;  /* queue / closed / exited / completions */
  uint32_t *queue;    /* n entries: a slot is in at most one place */
  uint32_t q_head, q_len;
  int closed, exited, running;
  uint64_t completed;
  seg_t segs[MAX_SEGS];
  pthread_mutex_t comp_mu;
  pthread_mutex_t notify_mu;
  cf_notify_fn notify;
  void *notify_ctx;
} pool_t;

static pool_t pools[MAX_POOLS];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

static pool_t *get(int32_t h) {
  if (h < 1 || h > MAX_POOLS) return NULL;
  pool_t *p = &pools[h - 1];
  return p->used ? p : NULL;
}

static uint32_t *u32(pool_t *p, uint64_t off) { return (uint32_t *)(p->ctrl + off); }
static uint8_t *slot(pool_t *p, uint32_t idx) { return p->ctrl + 64 + 8ull * p->n + 256ull * idx; }

uint32_t cf_abi_version(void) { return STUB_ABI_VERSION; }

int32_t cf_kinds(char *buf, int32_t cap) {
  const char *k = "1=echo";
  int32_t len = (int32_t)strlen(k);
  if (cap < len + 1) return -(len + 1);
  memcpy(buf, k, (size_t)len + 1);
  return len;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void run(pool_t *p, uint32_t idx, int aborted) {
  uint8_t *s = slot(p, idx);
  uint32_t d[8];
  memcpy(d, s, sizeof d); /* seq, kind|flags, in_seg, in_off, in_len, out_seg, out_off, out_cap */
  uint16_t kind = (uint16_t)(d[1] & 0xffff);
  int32_t status = ST_OK;
  uint32_t out_len = 0;
  uint64_t t0 = now_ns();
  pthread_mutex_lock(&p->mu);
  seg_t in = d[2] < MAX_SEGS ? p->segs[d[2]] : (seg_t){0, 0};
  seg_t out = d[5] < MAX_SEGS ? p->segs[d[5]] : (seg_t){0, 0};
  pthread_mutex_unlock(&p->mu);
  if (aborted) {
    status = ST_ABORTED;
  } else if (in.base == NULL || out.base == NULL || (uint64_t)d[3] + d[4] > in.len ||
             (uint64_t)d[6] + d[7] > out.len) {
    status = ST_BAD_DESCRIPTOR;
  } else if (kind == KIND_ECHO) {
    if (d[4] > d[7]) {
      status = ST_OUTPUT_TOO_LARGE;
      out_len = d[4];
    } else {
      memmove(out.base + d[6], in.base + d[3], d[4]);
      out_len = d[4];
    }
  } else if (kind == KIND_STUB_HANG) {
    char buf[16] = {0};
    memcpy(buf, in.base + d[3], d[4] < 15 ? d[4] : 15);
    long ms = strtol(buf, NULL, 10);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  } else {
    status = ST_UNKNOWN_KIND;
  }
  uint64_t exec = now_ns() - t0;
  memcpy(s + 32, &status, 4);
  memcpy(s + 36, &out_len, 4);
  memcpy(s + 40, &exec, 8);
  memset(s + 52, 0, 8); /* worker 0, msg_len 0 */

  pthread_mutex_lock(&p->comp_mu);
  uint32_t t = __atomic_load_n(u32(p, 20), __ATOMIC_RELAXED);
  *u32(p, 64 + 4ull * p->n + 4ull * (t & (p->n - 1))) = idx;
  /* release: pairs with the JS Atomics.load of comp_tail (drain step 2) */
  __atomic_store_n(u32(p, 20), t + 1, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&p->comp_mu);

  pthread_mutex_lock(&p->mu);
  p->completed++;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);

  uint32_t expected = 0;
  if (__atomic_compare_exchange_n(u32(p, 24), &expected, 1, 0, __ATOMIC_SEQ_CST,
                                  __ATOMIC_SEQ_CST)) {
    pthread_mutex_lock(&p->notify_mu);
    if (p->notify) p->notify(p->notify_ctx);
    pthread_mutex_unlock(&p->notify_mu);
  }
}

static void *worker(void *arg) {
  pool_t *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->q_len == 0 && !p->closed) pthread_cond_wait(&p->cv, &p->mu);
    if (p->q_len == 0) break;
    uint32_t idx = p->queue[p->q_head];
    p->q_head = (p->q_head + 1) % p->n;
    p->q_len--;
    int aborted = p->closed;
    p->running = 1;
    pthread_mutex_unlock(&p->mu);
    run(p, idx, aborted);
    pthread_mutex_lock(&p->mu);
    p->running = 0;
  }
  p->exited = 1;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

int32_t cf_pool_create(uint8_t *ctrl, uint64_t ctrl_len, int32_t workers) {
  if (workers < 1 || workers > 256) return CF_ERR_BAD_ARG;
  if (ctrl == NULL || ctrl_len < 64) return CF_ERR_BAD_LAYOUT;
  uint32_t h[4];
  memcpy(h, ctrl, sizeof h);
  uint32_t n = h[2];
  if (h[0] != 0x31424643u || h[1] != CF_LAYOUT_VERSION || n < 8 || n > 65536 || (n & (n - 1)) ||
      h[3] != 256 || ctrl_len < 64 + 8ull * n + 256ull * n)
    return CF_ERR_BAD_LAYOUT;
  pthread_mutex_lock(&table_mu);
  int i;
  for (i = 0; i < MAX_POOLS && pools[i].used; i++) {
  }
  if (i == MAX_POOLS) {
    pthread_mutex_unlock(&table_mu);
    return CF_ERR_BAD_ARG;
  }
  pool_t *p = &pools[i];
  memset(p, 0, sizeof *p);
  p->ctrl = ctrl;
  p->n = n;
  p->queue = calloc(n, sizeof(uint32_t));
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  pthread_mutex_init(&p->comp_mu, NULL);
  pthread_mutex_init(&p->notify_mu, NULL);
  p->used = 1;
  pthread_create(&p->thread, NULL, worker, p);
  pthread_detach(p->thread);
  pthread_mutex_unlock(&table_mu);
  return i + 1;
}

int32_t cf_set_notify(int32_t h, cf_notify_fn fn, void *ctx) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  pthread_mutex_lock(&p->notify_mu);
  p->notify = fn;
  p->notify_ctx = ctx;
  pthread_mutex_unlock(&p->notify_mu);
  return 0;
}

int32_t cf_segment_register(int32_t h, uint32_t id, uint8_t *base, uint64_t len) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  if (id >= MAX_SEGS || len >= (1ull << 32)) return CF_ERR_BAD_ARG;
  pthread_mutex_lock(&p->mu);
  int rc = p->closed ? CF_ERR_CLOSED : 0;
  if (!rc) p->segs[id] = (seg_t){base, len};
  pthread_mutex_unlock(&p->mu);
  return rc;
}

int32_t cf_segment_unregister(int32_t h, uint32_t id) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  if (id >= MAX_SEGS) return CF_ERR_BAD_ARG;
  /* Simplification: a running task that already read the entry keeps its
   * copy; the real library must wait for such tasks (crossfair.h). */
  pthread_mutex_lock(&p->mu);
  p->segs[id] = (seg_t){0, 0};
  pthread_mutex_unlock(&p->mu);
  return 0;
}

int32_t cf_submit(int32_t h, uint32_t start, uint32_t count) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  if (count > p->n) return CF_ERR_BAD_ARG;
  pthread_mutex_lock(&p->mu);
  if (p->closed) {
    pthread_mutex_unlock(&p->mu);
    return CF_ERR_CLOSED;
  }
  int32_t accepted = 0;
  for (uint32_t k = 0; k < count; k++) {
    uint32_t idx = __atomic_load_n(u32(p, 64 + 4ull * ((start + k) & (p->n - 1))), __ATOMIC_ACQUIRE);
    if (idx >= p->n || p->q_len == p->n) continue;
    p->queue[(p->q_head + p->q_len) % p->n] = idx;
    p->q_len++;
    accepted++;
  }
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return accepted;
}

int32_t cf_wait(int32_t h, int32_t timeout_ms) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += timeout_ms / 1000;
  ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&p->mu);
  int rc = 0;
  while (__atomic_load_n(u32(p, 20), __ATOMIC_ACQUIRE) == __atomic_load_n(u32(p, 16), __ATOMIC_ACQUIRE) &&
         !p->exited && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
  uint32_t pending = __atomic_load_n(u32(p, 20), __ATOMIC_ACQUIRE) - __atomic_load_n(u32(p, 16), __ATOMIC_ACQUIRE);
  int closed = p->exited;
  pthread_mutex_unlock(&p->mu);
  if (pending == 0 && closed) return CF_ERR_CLOSED;
  return (int32_t)pending;
}

int32_t cf_inject(int32_t h, double error_rate, double delay_factor, double hang_rate) {
  (void)error_rate;
  (void)delay_factor;
  (void)hang_rate;
  return get(h) ? 0 : CF_ERR_BAD_HANDLE; /* accepted and ignored */
}

int32_t cf_pool_stats(int32_t h, uint64_t *out, int32_t n) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  pthread_mutex_lock(&p->mu);
  uint64_t v[5] = {p->q_len, (uint64_t)p->running, p->completed, 0, 1};
  pthread_mutex_unlock(&p->mu);
  int32_t k = n < 5 ? n : 5;
  for (int32_t i = 0; i < k; i++) out[i] = v[i];
  return k;
}

int32_t cf_pool_close(int32_t h, int32_t timeout_ms) {
  pool_t *p = get(h);
  if (!p) return CF_ERR_BAD_HANDLE;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += timeout_ms / 1000;
  ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&p->mu);
  p->closed = 1;
  pthread_cond_broadcast(&p->cv);
  int rc = 0;
  while (!p->exited && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
  int busy = p->exited ? 0 : 1;
  pthread_mutex_unlock(&p->mu);
  /* The pool slot (and its queue) is never reused: a busy worker may still
   * use it, and the stub only lives for a test process. */
  return busy;
}

#ifndef STUB_OMIT_BENCH
int64_t cf_bench_native(int32_t n, int32_t batch, int32_t workers) {
  if (n < 1 || batch < 1 || workers < 1) return CF_ERR_BAD_ARG;
  uint64_t t0 = now_ns();
  volatile int32_t sink = 0;
  for (int32_t i = 0; i < n; i++) sink = sink + 1;
  return (int64_t)(now_ns() - t0);
}
#endif
