//go:build !race

package pool

// raceEnabled: this test binary runs under the race detector (-race).
// See race_on_test.go.
const raceEnabled = false
