// See errors.h.
#include "errors.h"

#include "crossfair.h"

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

Napi::Error AbiError(Napi::Env env, const char* call, int64_t rc, Code argCode) {
  std::string where = std::string(call) + " returned " + std::to_string(rc);
  switch (rc) {
    case CF_ERR_BAD_HANDLE:
    case CF_ERR_CLOSED:
      return MakeError(env, Code::kClosed, where + " (pool is closed)");
    case CF_ERR_BAD_LAYOUT:
      return MakeError(env, argCode, where + " (control region header wrong or too short)");
    case CF_ERR_BAD_ARG:
      return MakeError(env, argCode, where + " (argument out of range)");
    case CF_ERR_PANIC:
      return MakeError(env, Code::kPoolUnavailable, where + " (panic recovered in the library)");
    default:
      return MakeError(env, Code::kPoolUnavailable, where + " (unknown error code)");
  }
}

}  // namespace crossfair
