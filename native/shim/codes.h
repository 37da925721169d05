// Stable error codes of the shim (no N-API here, so the loader can use them).
#ifndef CROSSFAIR_SHIM_CODES_H
#define CROSSFAIR_SHIM_CODES_H

namespace crossfair {

enum class Code {
  kBadOptions,       // E_BAD_OPTIONS: constructor/load arguments or layout
  kBadInput,         // E_BAD_INPUT: method arguments
  kClosed,           // E_CLOSED: the pool is closed
  kPoolUnavailable,  // E_POOL_UNAVAILABLE: library not loadable / failing
  kAbiMismatch,      // E_ABI_MISMATCH: library does not implement ABI 1
};

inline const char* CodeName(Code code) {
  switch (code) {
    case Code::kBadOptions:
      return "E_BAD_OPTIONS";
    case Code::kBadInput:
      return "E_BAD_INPUT";
    case Code::kClosed:
      return "E_CLOSED";
    case Code::kPoolUnavailable:
      return "E_POOL_UNAVAILABLE";
    case Code::kAbiMismatch:
      return "E_ABI_MISMATCH";
  }
  return "E_POOL_UNAVAILABLE";
}

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_CODES_H
