// See args.h.
#include "args.h"

#include <cmath>

namespace crossfair {

namespace {

Napi::Value Arg(const Napi::CallbackInfo& info, size_t i) {
  // info[i] is `undefined` past the end, which the type checks reject.
  return info[i];
}

std::string Range(double min, double max) {
  auto fmt = [](double v) {
    if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
    return std::to_string(v);
  };
  return "[" + fmt(min) + ", " + fmt(max) + "]";
}

double IntegerInRange(const Napi::CallbackInfo& info, size_t i, const char* name, double min,
                      double max, Code code) {
  Napi::Value v = Arg(info, i);
  if (!v.IsNumber()) {
    throw MakeTypeError(info.Env(), code, std::string(name) + " must be a number");
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::trunc(d) || d < min || d > max) {
    throw MakeError(info.Env(), code,
                    std::string(name) + " must be an integer in " + Range(min, max));
  }
  return d;
}

}  // namespace

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t min,
                uint32_t max, Code code) {
  return static_cast<uint32_t>(IntegerInRange(info, i, name, min, max, code));
}

int32_t ArgI32(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t min,
               int32_t max, Code code) {
  return static_cast<int32_t>(IntegerInRange(info, i, name, min, max, code));
}

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name, Code code) {
  Napi::Value v = Arg(info, i);
  if (!v.IsNumber()) {
    throw MakeTypeError(info.Env(), code, std::string(name) + " must be a number");
  }
  return v.As<Napi::Number>().DoubleValue();
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name, Code code) {
  Napi::Value v = Arg(info, i);
  if (!v.IsBoolean()) {
    throw MakeTypeError(info.Env(), code, std::string(name) + " must be a boolean");
  }
  return v.As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, Code code) {
  Napi::Value v = Arg(info, i);
  if (!v.IsString()) {
    throw MakeTypeError(info.Env(), code, std::string(name) + " must be a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name,
                           Code code) {
  Napi::Value v = Arg(info, i);
  if (!v.IsFunction()) {
    throw MakeTypeError(info.Env(), code, std::string(name) + " must be a function");
  }
  return v.As<Napi::Function>();
}

SharedBytes ArgSharedBytes(const Napi::CallbackInfo& info, size_t i, const char* name,
                           Code code) {
  Napi::Env env = info.Env();
  Napi::Value v = Arg(info, i);
  if (!v.IsTypedArray() ||
      v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw MakeTypeError(env, code, std::string(name) + " must be a Uint8Array");
  }
  Napi::Uint8Array array = v.As<Napi::Uint8Array>();
  // N-API (Node 20) has no "is SharedArrayBuffer" query; instanceof against
  // this realm's constructor is the available check.
  Napi::Value sabCtor = env.Global().Get("SharedArrayBuffer");
  if (!sabCtor.IsFunction() ||
      !array.ArrayBuffer().InstanceOf(sabCtor.As<Napi::Function>())) {
    throw MakeTypeError(env, code,
                        std::string(name) + " must be a Uint8Array over a SharedArrayBuffer");
  }
  return SharedBytes{array, array.Data(), array.ByteLength()};
}

}  // namespace crossfair
