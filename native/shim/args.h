// Argument checks for the shim's entry points.
//
// Every JS argument is checked for type and range here, before any native
// call, and a bad one throws E_BAD_OPTIONS / E_BAD_INPUT (TypeError for a
// wrong type, Error for a wrong value) instead of reaching the C ABI.
#ifndef CROSSFAIR_SHIM_ARGS_H
#define CROSSFAIR_SHIM_ARGS_H

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "errors.h"

namespace crossfair {

// A Uint8Array over a SharedArrayBuffer, with its backing-store pointer.
//
// Why only SharedArrayBuffer: native threads keep these pointers across
// calls; a SharedArrayBuffer can never be detached, transferred or moved
// (BOUNDARY rule 12), a plain ArrayBuffer can. The pointer comes from
// napi_get_typedarray_info (through Napi::TypedArrayOf, which calls it once
// on construction): backing store + byteOffset. test/sab_pointer.cc checks
// that it is stable across GC and calls on Node 20.
struct SharedBytes {
  Napi::Uint8Array array;
  uint8_t* data;
  size_t length;
};

uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t min,
                uint32_t max, Code code);
int32_t ArgI32(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t min,
               int32_t max, Code code);
// Any number, NaN and infinities included: for values the library range-checks itself.
double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name, Code code);
bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* name, Code code);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, Code code);
Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name,
                           Code code);
SharedBytes ArgSharedBytes(const Napi::CallbackInfo& info, size_t i, const char* name,
                           Code code);

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_ARGS_H
