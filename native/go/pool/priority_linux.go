//go:build linux

package pool

import (
	"strconv"
	"syscall"
	"unsafe"
)

// setThreadNameAndNice names the calling thread crossfair-go-<id> (the
// kernel keeps 15 bytes) and, if nice > 0, sets its nice value: on Linux
// setpriority(PRIO_PROCESS, tid) applies to one thread. The caller has
// locked its goroutine to the thread.
func setThreadNameAndNice(id uint32, nice uint32) error {
	name := append([]byte("crossfair-go-"+strconv.FormatUint(uint64(id), 10)), 0)
	// PR_SET_NAME = 15. The name is advisory: a failure changes nothing else.
	syscall.RawSyscall(syscall.SYS_PRCTL, 15, uintptr(unsafe.Pointer(&name[0])), 0)
	if nice == 0 {
		return nil
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), int(nice))
}

// threadNice is the calling thread's nice value (tests).
func threadNice() (int, error) {
	// getpriority returns 20 - nice as the raw syscall result.
	r, _, errno := syscall.RawSyscall(syscall.SYS_GETPRIORITY, syscall.PRIO_PROCESS, uintptr(syscall.Gettid()), 0)
	if errno != 0 {
		return 0, errno
	}
	return 20 - int(r), nil
}
