//! Engine time: nanoseconds since the run started, and waiting precisely.
//!
//! `thread::sleep` on Linux overshoots by the timer slack (50 µs by default)
//! plus the wake-up delay (on this project's 2-core VM, with the slack at
//! 1 ns: p50 ~20–30 µs, p95 ~65 µs, a long tail under load). Engine threads
//! lower their slack to 1 ns, sleep until a lead before the deadline, and
//! spin the rest. The engine's threads share two estimates of their wake-up
//! delays (stochastic estimates of the 50th and 95th percentiles, one for
//! the process: in a pool of thousands each thread sleeps a few times a
//! second, too seldom to learn the machine's delays alone):
//! - a wait shorter than [`SHORT_WAIT`] leads by the 95th, so it almost
//!   always wakes early and spins to the deadline: exact, at up to a fifth
//!   of the wait in CPU;
//! - a longer wait leads by the median: half its wakes spin a few µs, half
//!   overshoot by a few µs (a fraction of a percent of the wait), and a
//!   thousand sleeping workers cost a tenth of a core, not a whole one
//!   (docs/PERFORMANCE.md, "Thousands of workers").
//!
//! Service times are measured, not assumed: an overshoot shows in
//! `service_ms` as what it is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::tsc::{self, TscScale};

/// Waits shorter than this lead by the 95th percentile of wake-up delays
/// (spin to be exact); longer ones by the median (spin little).
pub const SHORT_WAIT: Duration = Duration::from_millis(1);
/// Bounds of the leads, in nanoseconds.
const MIN_LEAD_NS: f64 = 2_000.0;
const MAX_LEAD_NS: f64 = 250_000.0;
/// The largest share of one wait that may be spent spinning.
const MAX_SPIN_SHARE: f64 = 0.2;
/// How far one observation moves an estimate, in nanoseconds.
const LEAD_STEP_NS: f64 = 2_000.0;

/// A running estimate of one quantile of the engine threads' wake-up
/// delays: up a lot when a wake is later than it, down a little when not.
/// Threads update it without a lock; an update lost to a race is one
/// observation fewer.
struct WakeDelayQuantile {
    quantile: f64,
    /// The estimate in nanoseconds, as `f64` bits.
    estimate_ns: AtomicU64,
}

impl WakeDelayQuantile {
    const fn new(quantile: f64, start_ns: f64) -> Self {
        Self {
            quantile,
            estimate_ns: AtomicU64::new(start_ns.to_bits()),
        }
    }

    fn get(&self) -> f64 {
        f64::from_bits(self.estimate_ns.load(Ordering::Relaxed))
    }

    fn observe(&self, late_ns: f64) {
        let estimate = self.get();
        let step = if late_ns > estimate {
            LEAD_STEP_NS * self.quantile
        } else {
            -LEAD_STEP_NS * (1.0 - self.quantile)
        };
        let next = (estimate + step).clamp(MIN_LEAD_NS, MAX_LEAD_NS);
        self.estimate_ns.store(next.to_bits(), Ordering::Relaxed);
    }
}

static WAKE_P50: WakeDelayQuantile = WakeDelayQuantile::new(0.5, 30_000.0);
static WAKE_P95: WakeDelayQuantile = WakeDelayQuantile::new(0.95, 100_000.0);

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

    /// The instant at engine time `ns`, reckoned from now: the counter and
    /// `Instant` drift apart by the calibration's error (a few µs a second),
    /// and a deadline taken from the epoch would come early or late by all
    /// of it, so a thread woken "on time" found its engine time not yet
    /// come and looked again at once, spinning until it had.
    pub fn instant_at(&self, ns: u64) -> Instant {
        Instant::now() + Duration::from_nanos(ns.saturating_sub(self.now_ns()))
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

/// Waits until `deadline` without using a core for most of the wait
/// (see the module's doc for how long it spins).
pub fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline <= now {
        return;
    }
    let remaining = deadline - now;
    let lead = if remaining < SHORT_WAIT {
        WAKE_P95.get()
    } else {
        WAKE_P50.get()
    };
    // Never spin more than a fifth of the wait: short simulated I/O must not
    // turn into CPU-bound work when the cores are busy.
    let lead = Duration::from_nanos(lead.min(remaining.as_nanos() as f64 * MAX_SPIN_SHARE) as u64);
    if remaining > lead {
        let wake = deadline - lead;
        std::thread::sleep(wake - now);
        let late = Instant::now().saturating_duration_since(wake).as_nanos() as f64;
        WAKE_P50.observe(late);
        WAKE_P95.observe(late);
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
    fn an_instant_at_is_reckoned_from_now_never_later_than_asked() {
        let clock = Clock::start();
        let ask = clock.now_ns() + 1_000_000;
        let before = Instant::now();
        let at = clock.instant_at(ask);
        // However the counter drifts from `Instant` since the start, the
        // deadline is at most the asked 1 ms away from a moment before it.
        assert!(at <= before + Duration::from_millis(1) + (Instant::now() - before));
        assert!(clock.instant_at(0) <= Instant::now());
    }

    #[test]
    fn spinning_consumes_the_requested_cpu_time() {
        let before = thread_cpu_time();
        spin_for_cpu(Duration::from_millis(3));
        assert!(thread_cpu_time() - before >= Duration::from_millis(3));
    }
}
