// See go_library.h.
//
// Load protocol (first successful call only):
//   1. Reject a path that is not absolute (or holds a NUL).
//   2. realpath() it, so "/a/../lib.so" and a symlink name the same file.
//   3. dlopen(resolved, RTLD_NOW). Failure: nothing was loaded, the state
//      stays "none" and a later call may retry.
//   4. From here the Go runtime is in the process for good: record the path.
//   5. Resolve cf_abi_version and call it before anything else; != 1 is
//      E_ABI_MISMATCH (a newer library may have renamed the rest).
//   6. Resolve every other symbol of crossfair.h; a missing one is
//      E_ABI_MISMATCH.
//   7. Read cf_kinds, publish the table: state "ready".
// A failure in 5-7 is sticky ("failed"): the same error for every later call.
#include "go_library.h"

#include <dlfcn.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace crossfair {

namespace {

enum class State { kNone, kReady, kFailed };

std::mutex g_mu;  // guards everything below except the g_api pointer read
State g_state = State::kNone;
std::string g_path;  // resolved path, set once dlopen succeeded
LoadResult g_result;
CfApi g_table;
// Published with release after g_table is complete; GoApi() pairs with it
// by an acquire load, so a reader that sees the pointer sees the table.
std::atomic<const CfApi*> g_api{nullptr};

LoadResult Fail(Code code, std::string message) {
  return LoadResult{false, code, std::move(message), LibraryInfo{}};
}

// Step 2: resolve symlinks and dot segments; the raw path if that fails
// (used for comparison only; dlopen then reports the real problem).
std::string Resolve(const std::string& path, std::string* error) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) {
    if (error != nullptr) *error = path + ": " + std::strerror(errno);
    return path;
  }
  return std::string(buf);
}

template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* out, std::string* missing) {
  dlerror();  // clear a stale error
  void* sym = dlsym(handle, name);
  if (sym == nullptr) {
    *missing = name;
    return false;
  }
  // dlsym returns object pointers; POSIX guarantees the conversion to a
  // function pointer works for symbols of functions.
  *out = reinterpret_cast<Fn>(sym);
  return true;
}

// Steps 5-7 on a freshly opened handle.
LoadResult Bind(void* handle, const std::string& path) {
  CfApi t{};
  std::string missing;
  if (!Resolve(handle, "cf_abi_version", &t.abi_version, &missing)) {
    return Fail(Code::kAbiMismatch, "missing symbol " + missing);
  }
  uint32_t abi = t.abi_version();
  if (abi != CF_ABI_VERSION) {
    return Fail(Code::kAbiMismatch, "library ABI " + std::to_string(abi) + ", expected " +
                                        std::to_string(CF_ABI_VERSION));
  }
  bool ok = Resolve(handle, "cf_kinds", &t.kinds, &missing) &&
            Resolve(handle, "cf_pool_create", &t.pool_create, &missing) &&
            Resolve(handle, "cf_set_notify", &t.set_notify, &missing) &&
            Resolve(handle, "cf_segment_register", &t.segment_register, &missing) &&
            Resolve(handle, "cf_segment_unregister", &t.segment_unregister, &missing) &&
            Resolve(handle, "cf_submit", &t.submit, &missing) &&
            Resolve(handle, "cf_wait", &t.wait, &missing) &&
            Resolve(handle, "cf_inject", &t.inject, &missing) &&
            Resolve(handle, "cf_pool_stats", &t.pool_stats, &missing) &&
            Resolve(handle, "cf_pool_close", &t.pool_close, &missing) &&
            Resolve(handle, "cf_bench_native", &t.bench_native, &missing);
  if (!ok) return Fail(Code::kAbiMismatch, "missing symbol " + missing);

  // cf_kinds: -(len+1) when the buffer is too small; retry once at the size
  // it asked for. 256 bytes fits the six built-in kinds with room to spare.
  std::vector<char> buf(256);
  int32_t n = t.kinds(buf.data(), static_cast<int32_t>(buf.size()));
  if (n < 0) {
    buf.resize(static_cast<size_t>(-static_cast<int64_t>(n)));
    n = t.kinds(buf.data(), static_cast<int32_t>(buf.size()));
  }
  if (n < 0 || static_cast<size_t>(n) >= buf.size()) {
    return Fail(Code::kAbiMismatch, "cf_kinds returned " + std::to_string(n));
  }

  g_table = t;
  g_api.store(&g_table, std::memory_order_release);
  return LoadResult{true, Code::kBadOptions, "",
                    LibraryInfo{abi, std::string(buf.data(), static_cast<size_t>(n)), path}};
}

}  // namespace

LoadResult LoadGoLibrary(const std::string& absPath) {
  // Step 1.
  if (absPath.empty() || absPath[0] != '/') {
    return Fail(Code::kBadOptions, "library path must be absolute, got \"" + absPath + "\"");
  }
  if (absPath.find('\0') != std::string::npos) {
    return Fail(Code::kBadOptions, "library path contains a NUL byte");
  }

  std::lock_guard<std::mutex> lock(g_mu);
  std::string resolveError;
  std::string resolved = Resolve(absPath, &resolveError);  // step 2

  if (g_state != State::kNone) {
    if (resolved != g_path) {
      return Fail(Code::kBadOptions, "Go library already loaded from " + g_path);
    }
    return g_result;
  }
  if (!resolveError.empty()) {
    return Fail(Code::kPoolUnavailable, resolveError);
  }

  // Step 3. The handle is deliberately never passed to dlclose (header).
  void* handle = dlopen(resolved.c_str(), RTLD_NOW);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Fail(Code::kPoolUnavailable, err != nullptr ? err : "dlopen failed");
  }

  g_path = resolved;  // step 4
  g_result = Bind(handle, resolved);
  g_state = g_result.ok ? State::kReady : State::kFailed;
  return g_result;
}

const CfApi* GoApi() { return g_api.load(std::memory_order_acquire); }

}  // namespace crossfair
