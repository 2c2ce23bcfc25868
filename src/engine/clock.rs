//! Engine time: nanoseconds since the run started, and waiting precisely.
//!
//! `thread::sleep` on Linux overshoots by the timer slack (50 µs by default)
//! plus scheduling delay. Engine threads lower their slack to 1 ns, sleep most
//! of the way, and yield-spin the last stretch, which keeps simulated service
//! times accurate to a few microseconds without burning a core.

use std::time::{Duration, Instant};

/// Below this much remaining time we stop sleeping and spin.
const SPIN_WINDOW: Duration = Duration::from_micros(60);

/// Nanoseconds since the run started.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn start() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the start.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// The instant `ns` nanoseconds after the start.
    pub fn instant_at(&self, ns: u64) -> Instant {
        self.epoch + Duration::from_nanos(ns)
    }
}

/// Makes this thread's sleeps wake on time (Linux timer slack to 1 ns).
pub fn tighten_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes an integer and affects only this thread.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong);
    }
}

/// Waits until `deadline` without using a core for most of the wait.
pub fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline <= now {
        return;
    }
    let remaining = deadline - now;
    if remaining > SPIN_WINDOW {
        std::thread::sleep(remaining - SPIN_WINDOW);
    }
    while Instant::now() < deadline {
        std::thread::yield_now();
    }
}

/// Burns `cpu` of this thread's CPU time, like CPU-bound work would: when
/// the cores are oversubscribed this takes longer in wall time.
pub fn spin_for_cpu(cpu: Duration) {
    let start = thread_cpu_time();
    let mut x = 0u64;
    while thread_cpu_time().saturating_sub(start) < cpu {
        for i in 0..64u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
    }
}

/// CPU time consumed by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_until_never_returns_early() {
        tighten_timer_slack();
        let deadline = Instant::now() + Duration::from_millis(2);
        sleep_until(deadline);
        assert!(Instant::now() >= deadline);
    }

    #[test]
    fn spinning_consumes_the_requested_cpu_time() {
        let before = thread_cpu_time();
        spin_for_cpu(Duration::from_millis(3));
        assert!(thread_cpu_time() - before >= Duration::from_millis(3));
    }
}
