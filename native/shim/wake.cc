// See wake.h.
#include "wake.h"

namespace crossfair {

namespace {
// Shows up in async_hooks / diagnostics as the resource name of the TSFN.
constexpr const char* kResourceName = "crossfair.goWake";
// 0 = unbounded; why in wake.h.
constexpr size_t kQueueSize = 0;
// One "thread" holds the TSFN: the bridge itself (Release() drops it).
constexpr size_t kInitialThreadCount = 1;
}  // namespace

void CallOnWake(Napi::Env env, Napi::Function onWake, void* /*context*/, void* /*data*/) {
  // env is null when the TSFN is finalized with a call still queued: nothing to do.
  if (static_cast<napi_env>(env) == nullptr || onWake.IsEmpty()) return;
  napi_value undefined;
  if (napi_get_undefined(env, &undefined) != napi_ok) return;
  // The status is deliberately ignored: napi_pending_exception means onWake
  // threw (Node reports it as uncaught once this returns); other failures
  // mean the environment is going away, when a wake-up has nothing to do.
  napi_call_function(env, undefined, onWake, 0, nullptr, nullptr);
}

WakeBridge* WakeBridge::Create(Napi::Env env, Napi::Function onWake) {
  WakeTsfn tsfn = WakeTsfn::New(env, onWake, kResourceName, kQueueSize, kInitialThreadCount);
  tsfn.Unref(env);
  return new WakeBridge(tsfn);
}

void WakeBridge::SetRef(Napi::Env env, bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!live_) return;
  if (on) {
    tsfn_.Ref(env);
  } else {
    tsfn_.Unref(env);
  }
}

void WakeBridge::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!live_) return;
  live_ = false;
  tsfn_.Release();
}

void NotifyTrampoline(void* ctx) noexcept {
  auto* bridge = static_cast<WakeBridge*>(ctx);
  // Catch-all because this frame is called from Go through a C function
  // pointer: an exception must not unwind into the Go runtime. The only
  // thing that can throw here is std::mutex::lock (std::system_error).
  try {
    std::lock_guard<std::mutex> lock(bridge->mu_);
    if (!bridge->live_) return;
    // Nonblocking: with an unbounded queue it cannot be full; napi_closing
    // (environment shutting down) needs no action, the pool is closing too.
    bridge->tsfn_.NonBlockingCall();
  } catch (...) {
  }
}

extern "C" void crossfair_notify_trampoline(void* ctx) noexcept { NotifyTrampoline(ctx); }

}  // namespace crossfair
