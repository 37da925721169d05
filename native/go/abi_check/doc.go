// Package abicheck holds the C ABI check of the Go library: csrc/main.c includes
// include/crossfair.h, dlopens the c-shared library by path and drives it
// through the header's types only. abi_check_test.go builds both and runs
// it (skipped only when gcc is missing); run.sh does the same by hand.
package abicheck
