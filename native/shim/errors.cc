// See errors.h.
#include "errors.h"

namespace crossfair {

namespace {

template <typename E>
E Tag(Napi::Env env, E err, Code code) {
  err.Set("code", Napi::String::New(env, CodeName(code)));
  return err;
}

}  // namespace

Napi::Error MakeError(Napi::Env env, Code code, const std::string& message) {
  return Tag(env, Napi::Error::New(env, std::string(CodeName(code)) + ": " + message), code);
}

Napi::Error MakeTypeError(Napi::Env env, Code code, const std::string& message) {
  return Tag(env, Napi::TypeError::New(env, std::string(CodeName(code)) + ": " + message), code);
}

Napi::Error AbiError(Napi::Env env, const char* call, int64_t rc) {
  Napi::Error err = Napi::Error::New(env, std::string(call) + " returned " + std::to_string(rc));
  err.Set("cfError", Napi::Number::New(env, static_cast<double>(rc)));
  err.Set("call", Napi::String::New(env, call));
  return err;
}

}  // namespace crossfair
