/*
 * ABI check: loads the Go library by path with dlopen, the way the C++ shim
 * does, and drives it through include/crossfair.h only. Every symbol is
 * bound to a pointer of the header's type (a signature drift in the header
 * fails to compile here; a missing symbol fails at dlsym).
 *
 * Steps: version, kinds, pool over malloc'd memory, one echo and one sha256
 * task via cf_submit/cf_wait (and a notify callback), stats, a bad handle,
 * close, free everything. Exit 0 = pass.
 *
 * Usage: abi_check /abs/path/libcrossfair_go.so
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crossfair.h"

#define CHECK(c)                                                        \
  do {                                                                  \
    if (!(c)) {                                                         \
      fprintf(stderr, "abi_check: %s:%d: %s\n", __FILE__, __LINE__, #c); \
      exit(1);                                                          \
    }                                                                   \
  } while (0)

/* One pointer per exported function, typed by the header's prototype. */
#define SYM(name) __typeof__(&name) p_##name = (__typeof__(&name))dlsym(lib, #name)

enum { N = 8, SLOT = 256, HDR = 64, ARENA = 4096 };

static atomic_int notified;
static void on_notify(void *ctx) { atomic_fetch_add((atomic_int *)ctx, 1); }

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); } /* x86-64/arm64: LE */
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint8_t *slot(uint8_t *ctrl, uint32_t i) { return ctrl + HDR + 8 * N + SLOT * i; }

static void desc(uint8_t *s, uint16_t kind, uint32_t in_off, uint32_t in_len, uint32_t out_off, uint32_t out_cap) {
  memset(s, 0, SLOT);
  memcpy(s + 4, &kind, 2);
  put32(s + 12, in_off);
  put32(s + 16, in_len);
  put32(s + 24, out_off);
  put32(s + 28, out_cap);
  put32(s + 32, (uint32_t)-1); /* status = PENDING */
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "abi_check: %s\n", dlerror()); return 1; }
  SYM(cf_abi_version); SYM(cf_kinds); SYM(cf_pool_create); SYM(cf_set_notify);
  SYM(cf_segment_register); SYM(cf_segment_unregister); SYM(cf_submit); SYM(cf_wait);
  SYM(cf_inject); SYM(cf_pool_stats); SYM(cf_pool_close); SYM(cf_bench_native);
  CHECK(p_cf_abi_version && p_cf_kinds && p_cf_pool_create && p_cf_set_notify &&
        p_cf_segment_register && p_cf_segment_unregister && p_cf_submit && p_cf_wait &&
        p_cf_inject && p_cf_pool_stats && p_cf_pool_close && p_cf_bench_native);

  CHECK(p_cf_abi_version() == CF_ABI_VERSION);
  const char *want = "1=echo,2=sha256,3=spin,4=sleep,5=fail,6=panic";
  char small[4];
  CHECK(p_cf_kinds(small, sizeof small) == -(int32_t)(strlen(want) + 1));
  char kinds[128];
  CHECK(p_cf_kinds(kinds, sizeof kinds) == (int32_t)strlen(want));
  CHECK(strcmp(kinds, want) == 0);

  size_t ctrl_len = HDR + 8 * N + SLOT * N;
  uint8_t *ctrl = aligned_alloc(64, ctrl_len);
  uint8_t *arena = aligned_alloc(64, ARENA);
  CHECK(ctrl && arena);
  memset(ctrl, 0, ctrl_len);
  memset(arena, 0, ARENA);
  CHECK(p_cf_pool_create(ctrl, ctrl_len, 1) == CF_ERR_BAD_LAYOUT); /* no header yet */
  put32(ctrl + 0, 0x31424643);
  put32(ctrl + 4, CF_LAYOUT_VERSION);
  put32(ctrl + 8, N);
  put32(ctrl + 12, SLOT);
  CHECK(p_cf_pool_create(ctrl, ctrl_len, 0) == CF_ERR_BAD_ARG);
  int32_t pool = p_cf_pool_create(ctrl, ctrl_len, 2);
  CHECK(pool > 0);
  CHECK(p_cf_set_notify(pool, on_notify, &notified) == 0);
  CHECK(p_cf_segment_register(pool, 0, arena, ARENA) == 0);
  CHECK(p_cf_segment_register(pool, 4096, arena, ARENA) == CF_ERR_BAD_ARG);

  memcpy(arena, "abc", 3);
  desc(slot(ctrl, 0), 1, 0, 3, 1024, 16); /* echo "abc" -> 1024 */
  desc(slot(ctrl, 1), 2, 0, 3, 2048, 32); /* sha256 "abc" -> 2048 */
  put32(ctrl + HDR + 0, 0);
  put32(ctrl + HDR + 4, 1);
  put32(ctrl + HDR + 8, 99); /* bad index: skipped, not counted */
  CHECK(p_cf_submit(pool, 0, 3) == 2);

  _Atomic uint32_t *comp_head = (_Atomic uint32_t *)(ctrl + 16);
  _Atomic uint32_t *comp_tail = (_Atomic uint32_t *)(ctrl + 20);
  int got = 0;
  while (got < 2) {
    int32_t n = p_cf_wait(pool, 5000);
    CHECK(n > 0);
    uint32_t tail = atomic_load(comp_tail), head = atomic_load(comp_head);
    got += (int)(tail - head);
    atomic_store(comp_head, tail);
  }
  CHECK(get32(slot(ctrl, 0) + 32) == 0 && get32(slot(ctrl, 0) + 36) == 3);
  CHECK(memcmp(arena + 1024, "abc", 3) == 0);
  static const uint8_t sha_abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                      0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                      0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  CHECK(get32(slot(ctrl, 1) + 32) == 0 && get32(slot(ctrl, 1) + 36) == 32);
  CHECK(memcmp(arena + 2048, sha_abc, 32) == 0);
  CHECK(atomic_load(&notified) >= 1); /* wake went 0 -> 1 at least once */
  CHECK(p_cf_wait(pool, 0) == 0);     /* drained: times out at once */

  uint64_t st[8];
  CHECK(p_cf_pool_stats(pool, st, 8) == 5);
  CHECK(st[0] == 0 && st[2] == 2 && st[3] == 0 && st[4] == 2);
  CHECK(p_cf_inject(pool, 2.0, 1.0, 0.0) == CF_ERR_BAD_ARG);
  CHECK(p_cf_inject(pool, 0.0, 1.0, 0.0) == 0);
  CHECK(p_cf_segment_unregister(pool, 0) == 0);

  CHECK(p_cf_pool_close(pool, 1000) == 0);
  CHECK(p_cf_submit(pool, 0, 1) == CF_ERR_BAD_HANDLE); /* handle gone after close */
  CHECK(p_cf_wait(pool, 0) == CF_ERR_BAD_HANDLE);
  CHECK(p_cf_bench_native(1000, 16, 1) > 0);
  CHECK(p_cf_bench_native(10, 0, 1) == CF_ERR_BAD_ARG);

  free(ctrl); /* safe: close returned 0 */
  free(arena);
  /* No dlclose: unloading a Go library is unsupported (docs/NATIVE-RULES.md §2). */
  printf("abi_check: ok\n");
  return 0;
}
