// GoPool: the JS object over one pool of the Go library (one cf_* handle).
//
// Owns, for the pool's life:
//   - the handle returned by cf_pool_create;
//   - a Napi::Reference to the control region's Uint8Array and one per
//     registered segment, so V8 keeps the SharedArrayBuffers alive while the
//     library holds raw pointers into them (BOUNDARY rule 5);
//   - the WakeBridge (TSFN) given to cf_set_notify as ctx;
//   - an env cleanup hook that closes the pool if the environment goes
//     first (BOUNDARY rule 9).
//
// The close sequence (close(), the cleanup hook and the destructor share it,
// see Shutdown()):
//   1. cf_set_notify(h, NULL): no new wake-up starts.
//   2. cf_pool_close(h, timeout): bounded wait for the workers.
//   3. Release the TSFN (WakeBridge::Release; racing notifies become no-ops).
//   4. Remove the env cleanup hook.
//   5. If close returned 0 the library will never touch the memory or
//      notify again: delete the bridge, drop the memory references.
//      Otherwise keep both for the life of the process (TRANSPORT.md,
//      Close step 3).
#ifndef CROSSFAIR_SHIM_GO_POOL_H
#define CROSSFAIR_SHIM_GO_POOL_H

#include <napi.h>

#include <cstdint>
#include <unordered_map>

namespace crossfair {

class WakeBridge;

class GoPool : public Napi::ObjectWrap<GoPool> {
 public:
  static Napi::Function DefineClass(Napi::Env env);

  explicit GoPool(const Napi::CallbackInfo& info);
  ~GoPool() override;

  GoPool(const GoPool&) = delete;
  GoPool& operator=(const GoPool&) = delete;

 private:
  Napi::Value RegisterSegment(const Napi::CallbackInfo& info);
  Napi::Value UnregisterSegment(const Napi::CallbackInfo& info);
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Inject(const Napi::CallbackInfo& info);
  Napi::Value SetRef(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // The numbered close sequence above. Returns cf_pool_close's result.
  int32_t Shutdown(int32_t timeoutMs);
  // After a close that left workers busy: never drop the memory references,
  // not even when this object is collected.
  void PinMemoryForever();
  void ThrowIfClosed(Napi::Env env, const char* method) const;
  static void OnEnvCleanup(void* self);

  napi_env env_;
  int32_t handle_ = 0;
  uint32_t slotCount_ = 0;  // N, read from the header at construction
  WakeBridge* wake_ = nullptr;
  bool hookAdded_ = false;
  bool closed_ = false;
  int32_t closeResult_ = 0;
  Napi::Reference<Napi::Uint8Array> ctrl_;
  std::unordered_map<uint32_t, Napi::Reference<Napi::Uint8Array>> segments_;
};

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_GO_POOL_H
