# Builds the C++ shim between Node and the Go c-shared worker pool.
# The shim never links against libcrossfair_go.so: it dlopen()s it at run
# time (native/shim/go_library.cc), hence only -ldl here.
{
  "targets": [
    {
      "target_name": "crossfair_go_shim",
      "sources": [
        "native/shim/addon.cc",
        "native/shim/args.cc",
        "native/shim/errors.cc",
        "native/shim/go_library.cc",
        "native/shim/go_pool.cc",
        "native/shim/wake.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/go/include"
      ],
      # C++ exceptions ON: every entry point reports errors by throwing
      # Napi::Error, and node-addon-api turns them into JS exceptions at the
      # boundary. Nothing throws across the C ABI: the notify trampoline is
      # noexcept and catches everything (native/shim/wake.cc).
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
