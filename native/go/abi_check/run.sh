#!/bin/sh
# Builds the Go library and the C ABI check, then runs the check against the
# library by absolute path. The same check runs in `go test ./...` as
# abi_check/abi_check_test.go (TestABI).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gomod=$(dirname "$here")
out=${1:-$gomod/../build}
mkdir -p "$out"
out=$(cd "$out" && pwd)
(cd "$gomod" && go build -buildmode=c-shared -o "$out/libcrossfair_go.so" ./cmd/libcrossfair)
gcc -std=c11 -Wall -Wextra -Werror -O1 -I"$gomod/include" -o "$out/abi_check" "$here/csrc/main.c" -ldl
"$out/abi_check" "$out/libcrossfair_go.so"
