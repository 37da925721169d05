//go:build race

package pool

// raceEnabled: this test binary runs under the race detector (-race).
// FuzzDescriptor leaves out the hostile inputs that race by construction
// (fuzz_test.go, fuzzRacy).
const raceEnabled = true
