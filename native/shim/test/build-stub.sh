#!/bin/sh
# Builds the test-only stub of the crossfair C ABI and the SharedArrayBuffer
# pointer probe into build/test-stub/ (gitignored, not in package "files").
# Usage: native/shim/test/build-stub.sh   (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$root/build/test-stub"
mkdir -p "$out"
cc=${CC:-gcc}
cxx=${CXX:-g++}
cflags="-shared -fPIC -O2 -Wall -Wextra -pthread -I$root/native/go/include"
$cc $cflags -o "$out/libcrossfair_stub.so" "$here/stub_pool.c"
$cc $cflags -DSTUB_ABI_VERSION=2 -o "$out/libcrossfair_stub_abi2.so" "$here/stub_pool.c"
$cc $cflags -DSTUB_OMIT_BENCH -o "$out/libcrossfair_stub_nosym.so" "$here/stub_pool.c"
napi_inc=$(cd "$root" && node -p "require('node-addon-api').include_dir")
$cxx -shared -fPIC -O2 -Wall -Wextra -std=c++17 -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
  -I/usr/include/node -I"$root/$napi_inc" -o "$out/sab_pointer.node" "$here/sab_pointer.cc"
echo "built $out"
