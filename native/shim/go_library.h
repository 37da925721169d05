// The Go c-shared library: loaded once per process, never unloaded.
//
// Owns: the dlopen handle (leaked on purpose: dlclose of a Go runtime is
// unsupported, BOUNDARY rule 2) and the table of resolved cf_* entry points.
//
// Invariants:
//   - dlopen runs at most once successfully per process, from one resolved
//     absolute path (BOUNDARY rule 1: one Go runtime per process). Every
//     environment (main thread and worker threads) shares it.
//   - Once dlopen succeeded the outcome is final: a later load() with the
//     same path returns the same info or the same error; another path is
//     refused. Only a failed dlopen (nothing loaded) may be retried.
//   - The table is written once under a mutex before the state becomes
//     ready and never changes after, so readers need no lock.
#ifndef CROSSFAIR_SHIM_GO_LIBRARY_H
#define CROSSFAIR_SHIM_GO_LIBRARY_H

#include <cstdint>
#include <string>

#include "codes.h"
#include "crossfair.h"

namespace crossfair {

// One pointer per function of crossfair.h; decltype keeps the types in step
// with the header without linking against the library (unevaluated operand).
struct CfApi {
  decltype(&cf_abi_version) abi_version;
  decltype(&cf_kinds) kinds;
  decltype(&cf_pool_create) pool_create;
  decltype(&cf_set_notify) set_notify;
  decltype(&cf_segment_register) segment_register;
  decltype(&cf_segment_unregister) segment_unregister;
  decltype(&cf_submit) submit;
  decltype(&cf_wait) wait;
  decltype(&cf_inject) inject;
  decltype(&cf_pool_stats) pool_stats;
  decltype(&cf_pool_close) pool_close;
  decltype(&cf_bench_native) bench_native;
};

struct LibraryInfo {
  uint32_t abiVersion;
  std::string kinds;  // "1=echo,2=sha256,..."
  std::string path;   // the resolved path that was dlopen()ed
};

struct LoadResult {
  bool ok;
  Code code;            // when !ok
  std::string message;  // when !ok, without the code prefix
  LibraryInfo info;     // when ok
};

// Loads (or returns the already loaded) library. Thread-safe. Blocks only
// for dlopen (which runs the Go runtime's initialisers) on the first call.
LoadResult LoadGoLibrary(const std::string& absPath);

// The entry points, or nullptr until a load succeeded.
const CfApi* GoApi();

}  // namespace crossfair

#endif  // CROSSFAIR_SHIM_GO_LIBRARY_H
