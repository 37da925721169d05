// Errors thrown by the shim, in one place (STYLE rule 11).
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

// Maps a negative return of a cf_* call to an error. `call` names the
// function for the message; `argCode` is the code used for CF_ERR_BAD_ARG
// and CF_ERR_BAD_LAYOUT (E_BAD_OPTIONS from the constructor, E_BAD_INPUT
// from methods).
Napi::Error AbiError(Napi::Env env, const char* call, int64_t rc, Code argCode);

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_ERRORS_H
