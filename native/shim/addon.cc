// crossfair_go_shim: the Node addon between crossfair's TypeScript scheduler
// and the Go worker pool (a -buildmode=c-shared library, crossfair.h ABI 1).
//
// Layers (one concept per file):
//   addon.cc       this file: module init, per-environment data, load(),
//                  benchNative(). Entry points only convert and delegate.
//   go_library.*   dlopen once per process, resolve the cf_* table.
//   go_pool.*      GoPool: one library pool, its memory refs and shutdown.
//   wake.*         WakeBridge: cf_set_notify ctx -> thread-safe function.
//   args.*         type/range checks of every JS argument.
//   errors.*, codes.h  errors with stable codes ("E_BAD_INPUT: ...").
//
// Ownership across the boundary:
//   - The library: process-wide, loaded once from one resolved absolute
//     path, never dlclose()d (BOUNDARY rules 1-2). The shim never links to
//     it; every call goes through the dlsym'd table.
//   - Memory: JS allocates the control region and the data segments as
//     SharedArrayBuffers (never detached or moved). The library holds raw
//     pointers into them; the shim holds a napi_ref to each so V8 keeps
//     them alive, and drops the refs only when the library has let go
//     (segment unregistered, or cf_pool_close returned 0 busy workers).
//   - Wake-ups: the library calls a C trampoline with a WakeBridge* ctx on
//     its own threads; the bridge owns the TSFN that calls onWake() on the
//     JS thread. The bridge outlives every possible call (wake.h).
//   - Environments: per-environment state is instance data (the GoPool
//     class); each live pool has its own env cleanup hook, added after its
//     TSFN so that it runs first at teardown (BOUNDARY rule 9).
//
// Protocol (docs/TRANSPORT.md has the layout):
//   1. load(absPath): dlopen, check cf_abi_version() == 1 before anything
//      else, resolve every symbol, read the kinds.
//   2. new GoPool(ctrl, workers, onWake): JS has written the header;
//      cf_pool_create, then cf_set_notify(trampoline, bridge). The TSFN
//      starts unref'd.
//   3. registerSegment(id, seg) for segment 0 (the arena) and side segments.
//   4. Submit: JS writes descriptors and ring entries, setRef(true) while
//      tasks are in flight, submit(start, count) -> cf_submit (one crossing
//      per batch, no copy, no wait).
//   5. Complete: a Go worker publishes comp_tail, wins CAS(wake, 0 -> 1)
//      and calls the trampoline -> NonBlockingCall -> onWake() on the JS
//      thread, which drains (store wake = 0, load comp_tail, settle,
//      store comp_head). The shim does not touch the rings.
//   6. close(timeoutMs): cf_set_notify(NULL), cf_pool_close (the only call
//      that blocks the event loop, bounded), release the TSFN, drop the
//      memory refs only if 0 workers are still busy. If the environment
//      goes first, its cleanup hook does the same with a 1 s bound.
//
// Rejected: AsyncWorker/libuv threadpool for waiting on completions (it
// serves fs/dns and has 4 threads; BOUNDARY rule 11) and a per-completion
// TSFN call (the wake word coalesces, one wake-up per drain is enough).
// Exceptions: C++ exceptions are on (binding.gyp); errors are thrown as
// Napi::Error and never cross the C ABI.
#include <napi.h>

#include <cstdint>
#include <limits>

#include "args.h"
#include "errors.h"
#include "go_library.h"
#include "go_pool.h"

namespace crossfair {

namespace {

// Per-environment state (main thread and each worker thread that loads the
// addon get their own). Live pools are not listed here on purpose: each
// has its own cleanup hook, see go_pool.h.
struct AddonData {
  Napi::FunctionReference goPoolClass;
};

// TRANSPORT.md: N <= 65536, so a batch never exceeds it; workers as in
// cf_pool_create.
constexpr int32_t kMaxBatch = 65536;
constexpr int32_t kMaxWorkers = 256;

// load(absPath) -> { abiVersion, kinds, path }
Napi::Value Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "absPath", Code::kBadOptions);
  LoadResult r = LoadGoLibrary(path);
  if (!r.ok) throw MakeError(env, r.code, r.message);
  Napi::Object out = Napi::Object::New(env);
  out.Set("abiVersion", Napi::Number::New(env, r.info.abiVersion));
  out.Set("kinds", Napi::String::New(env, r.info.kinds));
  out.Set("path", Napi::String::New(env, r.info.path));
  return out;
}

// benchNative(n, batch, workers) -> elapsed ns. Blocks the calling thread
// for the whole run on purpose: it measures the library with no Node in the
// loop, and is meant for bench scripts, not for a serving process.
Napi::Value BenchNative(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t n = ArgI32(info, 0, "n", 1, std::numeric_limits<int32_t>::max(), Code::kBadInput);
  int32_t batch = ArgI32(info, 1, "batch", 1, kMaxBatch, Code::kBadInput);
  int32_t workers = ArgI32(info, 2, "workers", 1, kMaxWorkers, Code::kBadInput);
  const CfApi* api = GoApi();
  if (api == nullptr) {
    throw MakeError(env, Code::kPoolUnavailable, "Go library not loaded: call load() first");
  }
  int64_t ns = api->bench_native(n, batch, workers);
  if (ns < 0) throw AbiError(env, "cf_bench_native", ns);
  return Napi::Number::New(env, static_cast<double>(ns));
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function goPool = GoPool::DefineClass(env);
  auto* data = new AddonData{Napi::Persistent(goPool)};
  // Ownership: the environment deletes `data` when it goes (default
  // finalizer of SetInstanceData).
  env.SetInstanceData<AddonData>(data);
  exports.Set("load", Napi::Function::New<Load>(env, "load"));
  exports.Set("benchNative", Napi::Function::New<BenchNative>(env, "benchNative"));
  exports.Set("GoPool", goPool);
  return exports;
}

}  // namespace crossfair

// NODE_API_MODULE pastes the init name into an identifier: no "::" allowed.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return crossfair::Init(env, exports);
}

NODE_API_MODULE(crossfair_go_shim, InitModule)
