package abicheck

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestABI builds libcrossfair_go.so (c-shared) and abi_check (gcc) into a
// temporary directory and runs the check against the library's absolute
// path.
func TestABI(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found: C ABI check skipped")
	}
	if testing.Short() {
		t.Skip("builds the c-shared library: skipped in -short")
	}
	dir := t.TempDir()
	lib := filepath.Join(dir, "libcrossfair_go.so")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	build := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", lib, "./cmd/libcrossfair")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "abi_check")
	cc := exec.Command(gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-O1",
		"-I", "../include", "-o", bin, "csrc/main.c", "-ldl")
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, lib).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "abi_check: ok") {
		t.Fatalf("abi_check: %v\n%s", err, out)
	}
}
