// See go_pool.h for what a GoPool owns and its close sequence.
#include "go_pool.h"

#include <cstring>
#include <limits>
#include <utility>

#include "args.h"
#include "errors.h"
#include "go_library.h"
#include "wake.h"

namespace crossfair {

namespace {

// docs/TRANSPORT.md: the header is 64 bytes and N sits at offset 8.
constexpr size_t kHeaderBytes = 64;
constexpr size_t kSlotCountOffset = 8;
// The control region holds u64 fields and is accessed with atomics:
// natural alignment of its largest field (TRANSPORT.md, "naturally aligned").
constexpr uintptr_t kCtrlAlignment = 8;
// crossfair.h: workers 1..256, segment ids 0..4095, segment length < 2^32.
constexpr int32_t kMinWorkers = 1;
constexpr int32_t kMaxWorkers = 256;
constexpr uint32_t kMaxSegmentId = 4095;
constexpr uint64_t kMaxSegmentBytes = (uint64_t{1} << 32) - 1;
// Bounded waits used when close() was not called by JS: the environment is
// going away (cleanup hook) or the object was collected (destructor). The
// 1 s is long enough for handlers that poll
// cancel/shutdown every 1 ms (TRANSPORT.md, spin/sleep), short enough not
// to stall a worker thread's exit noticeably.
constexpr int32_t kImplicitCloseTimeoutMs = 1000;

constexpr int kStatsCount = 5;  // [queued, running, completed, panics, workers]

const CfApi& Api(Napi::Env env) {
  const CfApi* api = GoApi();
  if (api == nullptr) {
    throw MakeError(env, Code::kPoolUnavailable, "Go library not loaded: call load() first");
  }
  return *api;
}

// Drops a reference without letting Reset() throw (it reports a failed
// napi_delete_reference as a C++ exception; this is called from the cleanup
// hook and the destructor, where that must not happen).
template <typename T>
void Drop(Napi::Reference<T>& ref) {
  Napi::Reference<T> dead(std::move(ref));
}

}  // namespace

Napi::Function GoPool::DefineClass(Napi::Env env) {
  return ObjectWrap<GoPool>::DefineClass(
      env, "GoPool",
      {
          InstanceMethod<&GoPool::RegisterSegment>("registerSegment"),
          InstanceMethod<&GoPool::UnregisterSegment>("unregisterSegment"),
          InstanceMethod<&GoPool::Submit>("submit"),
          InstanceMethod<&GoPool::Inject>("inject"),
          InstanceMethod<&GoPool::SetRef>("setRef"),
          InstanceMethod<&GoPool::Stats>("stats"),
          InstanceMethod<&GoPool::Close>("close"),
      });
}

// new GoPool(ctrl, workers, onWake)
GoPool::GoPool(const Napi::CallbackInfo& info) : ObjectWrap<GoPool>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  const CfApi& api = Api(env);
  SharedBytes ctrl = ArgSharedBytes(info, 0, "ctrl", Code::kBadOptions);
  int32_t workers = ArgI32(info, 1, "workers", kMinWorkers, kMaxWorkers, Code::kBadOptions);
  Napi::Function onWake = ArgFunction(info, 2, "onWake", Code::kBadOptions);
  if (ctrl.length < kHeaderBytes) {
    throw MakeError(env, Code::kBadOptions, "ctrl is shorter than the 64-byte header");
  }
  if (reinterpret_cast<uintptr_t>(ctrl.data) % kCtrlAlignment != 0) {
    throw MakeError(env, Code::kBadOptions, "ctrl must start at an 8-byte aligned address");
  }
  // memcpy: a plain read of JS-written memory on the JS thread (x64 is
  // little-endian like the layout). Only used to range-check submit().
  std::memcpy(&slotCount_, ctrl.data + kSlotCountOffset, sizeof slotCount_);

  // The TSFN first, so that the cleanup hook added last runs before the
  // TSFN's own hook (Node runs env cleanup hooks in reverse order of
  // addition): the pool is closed while its TSFN is still valid.
  WakeBridge* wake = WakeBridge::Create(env, onWake);  // throws: nothing to undo

  // Ownership transfer: from here the library holds ctrl.data until
  // cf_pool_close returns 0; ctrl_ keeps the SharedArrayBuffer alive.
  int32_t h = api.pool_create(ctrl.data, ctrl.length, workers);
  if (h <= 0) {
    wake->Release();
    delete wake;
    throw AbiError(env, "cf_pool_create", h);
  }
  handle_ = h;
  wake_ = wake;
  ctrl_ = Napi::Persistent(ctrl.array);

  // Ownership transfer: the library may call the trampoline with wake_ on
  // any of its threads until cf_pool_close returns 0 (see Shutdown()).
  int32_t rc = api.set_notify(h, crossfair_notify_trampoline, wake_);
  if (rc < 0) {
    Shutdown(kImplicitCloseTimeoutMs);
    throw AbiError(env, "cf_set_notify", rc);
  }

  if (napi_add_env_cleanup_hook(env, &GoPool::OnEnvCleanup, this) != napi_ok) {
    Shutdown(kImplicitCloseTimeoutMs);
    throw MakeError(env, Code::kPoolUnavailable, "napi_add_env_cleanup_hook failed");
  }
  hookAdded_ = true;
}

GoPool::~GoPool() {
  // Collected without close(): close now, with a bounded wait, so that no
  // library thread keeps a pointer into memory V8 is about to free (or, if
  // workers stay busy, pin that memory). A destructor must not throw.
  try {
    if (handle_ > 0 && !closed_) Shutdown(kImplicitCloseTimeoutMs);
  } catch (...) {
  }
}

void GoPool::OnEnvCleanup(void* self) {
  auto* pool = static_cast<GoPool*>(self);
  pool->hookAdded_ = false;  // Node removed it before calling it
  try {
    pool->Shutdown(kImplicitCloseTimeoutMs);
  } catch (...) {
  }
}

int32_t GoPool::Shutdown(int32_t timeoutMs) {
  if (closed_) return closeResult_;
  closed_ = true;
  const CfApi* api = GoApi();  // non-null: a handle exists only after load()

  api->set_notify(handle_, nullptr, nullptr);          // step 1
  int32_t busy = api->pool_close(handle_, timeoutMs);  // step 2
  closeResult_ = busy;
  wake_->Release();  // step 3
  if (hookAdded_) {  // step 4
    napi_remove_env_cleanup_hook(env_, &GoPool::OnEnvCleanup, this);
    hookAdded_ = false;
  }
  if (busy == 0) {  // step 5: ownership of ctrl, segments and ctx returns to us
    delete wake_;
    Drop(ctrl_);
    segments_.clear();
  } else {
    // busy > 0, or a negative code (unknown state): the library may still
    // touch the memory and call the trampoline. Leak the bridge, pin the
    // memory (TRANSPORT.md, Close step 3).
    PinMemoryForever();
  }
  wake_ = nullptr;
  return busy;
}

void GoPool::PinMemoryForever() {
  // SuppressDestruct: the napi_refs outlive this object and are only freed
  // with the environment.
  ctrl_.SuppressDestruct();
  for (auto& entry : segments_) entry.second.SuppressDestruct();
}

void GoPool::ThrowIfClosed(Napi::Env env, const char* method) const {
  if (closed_) throw MakeError(env, Code::kClosed, std::string(method) + " after close()");
}

// registerSegment(id, seg)
Napi::Value GoPool::RegisterSegment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env, "registerSegment");
  uint32_t id = ArgU32(info, 0, "id", 0, kMaxSegmentId, Code::kBadInput);
  SharedBytes seg = ArgSharedBytes(info, 1, "seg", Code::kBadInput);
  if (seg.length > kMaxSegmentBytes) {
    throw MakeError(env, Code::kBadInput, "seg must be shorter than 4 GiB");
  }
  int32_t rc = Api(env).segment_register(handle_, id, seg.data, seg.length);
  if (rc < 0) throw AbiError(env, "cf_segment_register", rc);
  // Ownership transfer: the library holds seg.data from now on; the
  // reference keeps it alive. Re-registering replaces the library's entry,
  // so the previous array's reference is dropped by this assignment.
  segments_[id] = Napi::Persistent(seg.array);
  return env.Undefined();
}

// unregisterSegment(id). A no-op after close(), not E_CLOSED: the final
// drain after close releases side segments (src/transport/ring.ts), and by
// then close has either dropped every reference (0 busy) or pinned them all.
Napi::Value GoPool::UnregisterSegment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = ArgU32(info, 0, "id", 0, kMaxSegmentId, Code::kBadInput);
  if (closed_) return env.Undefined();
  int32_t rc = Api(env).segment_unregister(handle_, id);
  if (rc < 0) throw AbiError(env, "cf_segment_unregister", rc);
  // Ownership returns: per crossfair.h the library stops keeping a segment
  // once it is unregistered.
  segments_.erase(id);
  return env.Undefined();
}

// submit(start, count) -> accepted
Napi::Value GoPool::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env, "submit");
  uint32_t start = ArgU32(info, 0, "start", 0, std::numeric_limits<uint32_t>::max(),
                          Code::kBadInput);
  uint32_t count = ArgU32(info, 1, "count", 0, slotCount_, Code::kBadInput);
  int32_t accepted = Api(env).submit(handle_, start, count);
  if (accepted < 0) throw AbiError(env, "cf_submit", accepted);
  return Napi::Number::New(env, accepted);
}

// inject(errorRate, delayFactor, hangRate)
Napi::Value GoPool::Inject(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env, "inject");
  // No ranges here: TS validates them (src/faults.ts) and the library accepts
  // exactly those, returning CF_ERR_BAD_ARG for anything else.
  double errorRate = ArgNumber(info, 0, "errorRate", Code::kBadInput);
  double delayFactor = ArgNumber(info, 1, "delayFactor", Code::kBadInput);
  double hangRate = ArgNumber(info, 2, "hangRate", Code::kBadInput);
  int32_t rc = Api(env).inject(handle_, errorRate, delayFactor, hangRate);
  if (rc < 0) throw AbiError(env, "cf_inject", rc);
  return env.Undefined();
}

// setRef(on): no-op after close (the TSFN is gone; nothing keeps the loop).
Napi::Value GoPool::SetRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool on = ArgBool(info, 0, "on", Code::kBadInput);
  if (!closed_) wake_->SetRef(env, on);
  return env.Undefined();
}

// stats() -> [queued, running, completed, panics, workers]
Napi::Value GoPool::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env, "stats");
  uint64_t out[kStatsCount] = {0, 0, 0, 0, 0};
  int32_t n = Api(env).pool_stats(handle_, out, kStatsCount);
  if (n < 0) throw AbiError(env, "cf_pool_stats", n);
  Napi::Array result = Napi::Array::New(env, kStatsCount);
  for (uint32_t i = 0; i < kStatsCount; i++) {
    // Counters stay far below 2^53 in a process's life; a double is exact.
    result.Set(i, Napi::Number::New(env, static_cast<double>(out[i])));
  }
  return result;
}

// close(timeoutMs) -> busy workers (0 = memory released). Idempotent.
Napi::Value GoPool::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t timeoutMs = ArgI32(info, 0, "timeoutMs", 0, std::numeric_limits<int32_t>::max(),
                             Code::kBadInput);
  // The one call allowed to block the event loop: at most timeoutMs.
  int32_t busy = Shutdown(timeoutMs);
  if (busy < 0) throw AbiError(env, "cf_pool_close", busy);
  return Napi::Number::New(env, busy);
}

}  // namespace crossfair
