//! Workers yield the CPU to the threads that observe them. A worker runs
//! at a lower scheduling priority (nice +10) than the control thread, the
//! source and the front end, so a pipeline that oversubscribes the cores
//! (hundreds of stages, or `spin` work past the machine) still gets its
//! ticks sampled, its drain timed and its keys answered. Among themselves
//! workers share the cores as before: the lessons of oversubscription hold.

/// How much lower a worker's priority is than the observers' (Linux nice).
const WORKER_NICENESS: i32 = 10;

/// Lowers the calling thread's priority to a worker's. Best effort: where
/// the platform has no per-thread priority, nothing changes.
pub fn become_worker() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid takes nothing; setpriority with PRIO_PROCESS and a
    // thread id changes only that thread's nice value (Linux threads are
    // scheduled one by one), and lowering one's own priority needs no
    // privilege. A failure leaves the priority as it was.
    unsafe {
        let tid = libc::gettid();
        let current = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
        libc::setpriority(
            libc::PRIO_PROCESS,
            tid as libc::id_t,
            current.saturating_add(WORKER_NICENESS).min(19),
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn a_worker_thread_runs_nicer_than_the_thread_that_started_it() {
        // SAFETY: reading a thread's priority has no side effects.
        let nice =
            || unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
        let observer = nice();
        let worker = std::thread::spawn(move || {
            super::become_worker();
            nice()
        })
        .join()
        .unwrap();
        assert_eq!(worker, (observer + super::WORKER_NICENESS).min(19));
        assert_eq!(nice(), observer, "only the worker's own thread changed");
    }
}
