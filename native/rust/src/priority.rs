//! Worker thread priority: the nice value a pool's worker threads run at.
//!
//! Owns: one call, made by each worker thread on itself as it starts
//! (worker.rs), with the control region's `worker_nice` (docs/TRANSPORT.md,
//! header word 28). Why: the workers run CPU-bound handlers; when the cores
//! are contended, the event loop and the runtimes' own threads (Go's intake
//! and timers, completion wake-ups) should get a core first, while the
//! workers still take every cycle nobody else wants (docs/NATIVE-RULES.md §13:
//! threads that do not fit the cores fight; this decides who wins).
//! Measured in docs/FAIRNESS.md ("Worker priority").
//!
//! Linux only: `setpriority(PRIO_PROCESS, tid)` sets one thread's nice
//! value there. Raising nice needs no privilege; lowering it back would,
//! so a thread's value is set once, at its start, and the thread ends with
//! its pool. Elsewhere this is a no-op (POSIX sets the whole process).

/// Sets the calling thread's nice value to `nice` (0 leaves it alone).
/// Returns the OS error if the kernel refused it (e.g. a seccomp filter);
/// the worker then runs at the process's priority, which is only slower
/// to yield, never wrong.
pub fn set_current_thread_nice(nice: u32) -> std::io::Result<()> {
    if nice == 0 {
        return Ok(());
    }
    imp::set(nice)
}

#[cfg(target_os = "linux")]
mod imp {
    pub fn set(nice: u32) -> std::io::Result<()> {
        // SAFETY: neither call takes a pointer; tid is this thread's. The raw
        // syscall, not libc::gettid: glibc before 2.30 has no gettid symbol,
        // and a prebuilt addon must load there too.
        let rc = unsafe {
            let tid = libc::syscall(libc::SYS_gettid);
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice as libc::c_int)
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub fn set(_nice: u32) -> std::io::Result<()> {
        Ok(())
    }
}

/// The calling thread's nice value, read from /proc (tests).
#[cfg(target_os = "linux")]
pub fn current_thread_nice() -> std::io::Result<i32> {
    nice_in_stat(&std::fs::read_to_string("/proc/thread-self/stat")?)
}

/// The nice value in a /proc/<..>/stat line (tests read other threads' too).
#[cfg(target_os = "linux")]
pub fn nice_in_stat(stat: &str) -> std::io::Result<i32> {
    // Field 19 (nice); the command name (field 2) may hold spaces, so count
    // from the closing parenthesis: after it come fields 3, 4, ...
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| std::io::Error::other("no ')' in stat"))?;
    rest.split_whitespace()
        .nth(19 - 3)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| std::io::Error::other("no nice field in stat"))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The nice value a new thread reads after setting `nice` on itself.
    fn nice_after_setting(nice: u32) -> i32 {
        std::thread::spawn(move || {
            set_current_thread_nice(nice).unwrap();
            current_thread_nice().unwrap()
        })
        .join()
        .unwrap()
    }

    #[test]
    fn a_thread_sets_its_own_nice_and_no_other() {
        let before = current_thread_nice().unwrap();
        assert_eq!(nice_after_setting(7), 7);
        assert_eq!(
            current_thread_nice().unwrap(),
            before,
            "the caller's thread is unchanged"
        );
    }

    #[test]
    fn zero_leaves_the_thread_alone() {
        assert_eq!(nice_after_setting(0), 0);
    }
}
