//! A cheap nanosecond counter: the CPU's time-stamp counter, where it ticks
//! at a constant rate through sleep states (`constant_tsc` and `nonstop_tsc`
//! on x86-64), scaled once against the monotonic clock. Reading it costs a
//! few nanoseconds where `clock_gettime` costs 30–60 on a virtual machine,
//! and workers read the time for every item. Elsewhere it is absent and the
//! engine uses `Instant`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the calibration watches both clocks.
const CALIBRATION: Duration = Duration::from_millis(10);

/// Ticks to nanoseconds, in 32.32 fixed point.
#[derive(Debug, Clone, Copy)]
pub struct TscScale {
    ns_per_tick_q32: u64,
}

impl TscScale {
    /// The counter now.
    #[inline]
    pub fn ticks(self) -> u64 {
        read()
    }

    /// Nanoseconds in `ticks`.
    #[inline]
    pub fn nanos(self, ticks: u64) -> u64 {
        ((u128::from(ticks) * u128::from(self.ns_per_tick_q32)) >> 32) as u64
    }
}

/// The calibrated counter, or `None` where it cannot be trusted.
pub fn scale() -> Option<TscScale> {
    static SCALE: OnceLock<Option<TscScale>> = OnceLock::new();
    *SCALE.get_or_init(calibrate)
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn read() -> u64 {
    // SAFETY: RDTSC has no preconditions on x86-64.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn read() -> u64 {
    0
}

fn invariant() -> bool {
    cfg!(target_arch = "x86_64")
        && std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
            info.lines()
                .find(|l| l.starts_with("flags"))
                .is_some_and(|flags| {
                    let has = |flag| flags.split_whitespace().any(|f| f == flag);
                    has("constant_tsc") && has("nonstop_tsc")
                })
        })
}

fn calibrate() -> Option<TscScale> {
    if !invariant() {
        return None;
    }
    let (start, start_ticks) = (Instant::now(), read());
    std::thread::sleep(CALIBRATION);
    let (ns, ticks) = (start.elapsed().as_nanos(), read().wrapping_sub(start_ticks));
    if ticks == 0 {
        return None;
    }
    Some(TscScale {
        ns_per_tick_q32: ((ns << 32) / u128::from(ticks)) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_agrees_with_the_monotonic_clock() {
        let Some(scale) = scale() else {
            return; // no invariant counter here: the engine uses Instant
        };
        let (start, start_ticks) = (Instant::now(), scale.ticks());
        std::thread::sleep(Duration::from_millis(20));
        let before = start.elapsed().as_nanos() as f64;
        let counted = scale.nanos(scale.ticks() - start_ticks) as f64;
        let after = start.elapsed().as_nanos() as f64;
        // Bracketed by two readings of the monotonic clock, within 0.5%
        // (the calibration's own error over 10 ms).
        assert!(
            counted >= before * 0.995 && counted <= after * 1.005,
            "{before} ≤ {counted} ≤ {after}"
        );
    }
}
