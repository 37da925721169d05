// Probe: is Napi::Uint8Array::Data() a stable pointer for a Uint8Array over a
// SharedArrayBuffer on this Node? Test-only addon built by build-stub.sh and
// driven by sab_pointer.test.mjs; never shipped.
#include <napi.h>

#include <cstdint>

namespace {

uint8_t* g_remembered = nullptr;

Napi::Value NapiData(const Napi::CallbackInfo& info) {
  auto a = info[0].As<Napi::Uint8Array>();
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(a.Data())));
}

Napi::Value RawData(const Napi::CallbackInfo& info) {
  void* data = nullptr;
  size_t offset = 0;
  napi_get_typedarray_info(info.Env(), info[0], nullptr, nullptr, &data, nullptr, &offset);
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data)));
}

Napi::Value Remember(const Napi::CallbackInfo& info) {
  g_remembered = info[0].As<Napi::Uint8Array>().Data();
  return info.Env().Undefined();
}

// Writes through the pointer taken by remember(), possibly much later.
Napi::Value Poke(const Napi::CallbackInfo& info) {
  uint32_t off = info[0].As<Napi::Number>().Uint32Value();
  g_remembered[off] = static_cast<uint8_t>(info[1].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("napiData", Napi::Function::New<NapiData>(env));
  exports.Set("rawData", Napi::Function::New<RawData>(env));
  exports.Set("remember", Napi::Function::New<Remember>(env));
  exports.Set("poke", Napi::Function::New<Poke>(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(sab_pointer, Init)
