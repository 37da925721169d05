// Errors thrown by the shim, in one place.
//
// Every message starts with a stable code and ": " (the TS side and the
// tests match on it), and the thrown object also carries the code in its
// `code` property. Argument-type problems are TypeErrors, everything else
// is a plain Error.
#ifndef CROSSFAIR_SHIM_ERRORS_H
#define CROSSFAIR_SHIM_ERRORS_H

#include <napi.h>

#include <cstdint>
#include <string>

#include "codes.h"

namespace crossfair {

// Builds (does not throw) an Error / TypeError "<CODE>: <message>".
Napi::Error MakeError(Napi::Env env, Code code, const std::string& message);
Napi::Error MakeTypeError(Napi::Env env, Code code, const std::string& message);

// The error for a cf_* call that returned the negative `rc`: the raw value,
// not a code. Message "<call> returned <rc>", properties `cfError` (rc) and
// `call`. The TS side maps rc to a CrossfairError code with the one table
// of the C ABI's codes (src/errors.ts CF_ERRORS), the same table the ffi
// path uses.
Napi::Error AbiError(Napi::Env env, const char* call, int64_t rc);

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_ERRORS_H
