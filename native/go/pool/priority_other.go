//go:build !linux

package pool

// setThreadNameAndNice: only Linux sets one thread's nice value
// (priority_linux.go); elsewhere setpriority would change the whole
// process, so nothing is done.
func setThreadNameAndNice(id uint32, nice uint32) error { return nil }

func threadNice() (int, error) { return 0, nil }
