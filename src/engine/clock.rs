//! Engine time: nanoseconds since the run started, and waiting precisely.
//!
//! `thread::sleep` on Linux overshoots by the timer slack (50 µs by default)
//! plus the wake-up delay (on this project's 2-core VM: p50 67 µs, p99
//! ~350 µs for a 1.9 ms sleep). Engine threads lower their slack to 1 ns,
//! sleep until a spin window before the deadline, and spin the rest. The
//! window follows each thread's own wake-up delays (a running estimate of
//! their 95th percentile), so it costs as little CPU as this machine allows.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::tsc::{self, TscScale};

/// Bounds of the spin window, in nanoseconds.
const MIN_SPIN_NS: f64 = 20_000.0;
const MAX_SPIN_NS: f64 = 250_000.0;
/// The largest share of one wait that may be spent spinning.
const MAX_SPIN_SHARE: f64 = 0.2;
/// How far one observation moves the estimate, in nanoseconds.
const SPIN_STEP_NS: f64 = 2_000.0;
/// The quantile of wake-up delays the window tracks.
const SPIN_QUANTILE: f64 = 0.95;

thread_local! {
    static SPIN_WINDOW_NS: Cell<f64> = const { Cell::new(100_000.0) };
}

/// Nanoseconds since the run started, read from the time-stamp counter
/// where it can be trusted (see [`tsc`](super::tsc)), else from `Instant`.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: Instant,
    counter: Option<(TscScale, u64)>,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn start() -> Self {
        let counter = tsc::scale().map(|scale| (scale, scale.ticks()));
        Self {
            epoch: Instant::now(),
            counter,
        }
    }

    /// Nanoseconds since the start.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        match self.counter {
            Some((scale, start)) => scale.nanos(scale.ticks().wrapping_sub(start)),
            None => self.epoch.elapsed().as_nanos() as u64,
        }
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
    // Never spin more than a fifth of the wait: short simulated I/O must not
    // turn into CPU-bound work when the cores are busy.
    let estimate = SPIN_WINDOW_NS.with(Cell::get);
    let window = estimate.min(remaining.as_nanos() as f64 * MAX_SPIN_SHARE);
    let window_d = Duration::from_nanos(window as u64);
    if remaining > window_d {
        let wake = deadline - window_d;
        std::thread::sleep(wake - now);
        // Track the delay's 95th percentile: up a lot when late, down a
        // little when on time (a stochastic quantile estimate).
        let late = Instant::now().saturating_duration_since(wake).as_nanos() as f64;
        let step = if late > estimate {
            SPIN_STEP_NS * SPIN_QUANTILE
        } else {
            -SPIN_STEP_NS * (1.0 - SPIN_QUANTILE)
        };
        SPIN_WINDOW_NS.with(|w| w.set((estimate + step).clamp(MIN_SPIN_NS, MAX_SPIN_NS)));
    }
    // Spin, not yield: a yield under load can cost a whole time slice.
    while Instant::now() < deadline {
        std::hint::spin_loop();
    }
}

/// Burns `cpu` of this thread's CPU time, like CPU-bound work would: when
/// the cores are oversubscribed this takes longer in wall time.
pub fn spin_for_cpu(cpu: Duration) {
    if cpu.is_zero() {
        return;
    }
    // A thread CPU clock reading is a system call (hundreds of ns): short
    // spins follow the time-stamp counter instead, as wall time, which a
    // spin this short is seldom preempted out of.
    if cpu < WALL_SPIN_BELOW {
        spin_wall(cpu);
        return;
    }
    let start = thread_cpu_time();
    let mut x = 0u64;
    while thread_cpu_time().saturating_sub(start) < cpu {
        for i in 0..64u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
    }
}

/// Spins shorter than this follow the wall clock (see [`spin_for_cpu`]).
const WALL_SPIN_BELOW: Duration = Duration::from_micros(20);

/// Spins for `time` of wall time, reading the cheapest clock there is.
fn spin_wall(time: Duration) {
    let wanted = time.as_nanos() as u64;
    match tsc::scale() {
        Some(scale) => {
            let start = scale.ticks();
            while scale.nanos(scale.ticks().wrapping_sub(start)) < wanted {
                std::hint::spin_loop();
            }
        }
        None => {
            let start = Instant::now();
            while start.elapsed() < time {
                std::hint::spin_loop();
            }
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
