// WakeBridge: the `ctx` of cf_set_notify, turning a native wake-up into a
// call of the pool's JS `onWake` on the environment's thread.
//
// Owns: one Napi::ThreadSafeFunction (TSFN) over onWake.
//
// Invariants:
//   - Notify() may run on any library thread at any time until the library
//     promises it will not (cf_pool_close returned 0). It never touches the
//     TSFN after Release(): a mutex-protected `live_` flag decides, so a
//     notify racing with close is a no-op, never a use-after-free.
//   - The bridge itself must outlive every possible Notify(): its owner
//     (GoPool) deletes it only after cf_set_notify(h, NULL) and a
//     cf_pool_close that returned 0, and leaks it otherwise (a few dozen
//     bytes per pool that failed to stop in time).
//
// Queue size: unbounded (0). The wake word already coalesces wake-ups
// (docs/TRANSPORT.md, Complete step 3): native only notifies after winning
// CAS(wake, 0 -> 1), and only JS resets the word, inside onWake (Drain step
// 1). So at most one call is queued while another runs, and the queue never
// grows. A bounded queue would add a failure path (napi_queue_full) that the
// protocol can never reach, and blocking calls would stall a Go worker.
#ifndef CROSSFAIR_SHIM_WAKE_H
#define CROSSFAIR_SHIM_WAKE_H

#include <napi.h>

#include <mutex>

namespace crossfair {

// The TSFN's call_js: calls onWake() through the C API, so it never throws
// a C++ exception (regression: node-addon-api's default callback throws
// Napi::Error when a wake-up queued before close is delivered while Node
// tears the environment down, and a C++ exception leaving a C callback
// aborts the process). A JS exception from onWake stays pending, and Node
// reports it as uncaught, as for any callback.
void CallOnWake(Napi::Env env, Napi::Function onWake, void* context, void* data);
using WakeTsfn = Napi::TypedThreadSafeFunction<void, void, CallOnWake>;

class WakeBridge {
 public:
  // Creates the TSFN, unref'd (the process may exit while the pool is idle;
  // JS refs it with SetRef(true) while tasks are in flight). Throws on
  // failure. The caller owns the result.
  static WakeBridge* Create(Napi::Env env, Napi::Function onWake);

  WakeBridge(const WakeBridge&) = delete;
  WakeBridge& operator=(const WakeBridge&) = delete;

  // JS thread only. No-op after Release().
  void SetRef(Napi::Env env, bool on);

  // Any thread. Releases the TSFN (its pending call, if any, still runs);
  // later Notify() calls do nothing. Idempotent.
  void Release();

 private:
  explicit WakeBridge(WakeTsfn tsfn) : live_(true), tsfn_(tsfn) {}
  friend void NotifyTrampoline(void* ctx) noexcept;

  std::mutex mu_;  // guards live_ and the TSFN's use from library threads
  bool live_;
  WakeTsfn tsfn_;
};

// The cf_notify_fn handed to cf_set_notify, with `ctx` = a WakeBridge*.
// Called on a library thread; never throws, never blocks beyond the mutex.
extern "C" void crossfair_notify_trampoline(void* ctx) noexcept;

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_WAKE_H
