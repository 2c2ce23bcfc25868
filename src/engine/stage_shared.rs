//! Settings and records of a stage that its workers read and the controller
//! changes at run time, plus the run-wide abort flag.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::failures::Failures;
use crate::model::spec::WorkMode;

/// Set once to end the run at once.
#[derive(Debug, Default)]
pub struct AbortFlag(AtomicBool);

impl AbortFlag {
    pub fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    #[inline]
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// What every worker of one stage shares.
#[derive(Debug)]
pub struct StageShared {
    slowdown_bits: AtomicU64,
    /// How the slowdown's extra time is spent.
    pub mode: WorkMode,
    pub max_attempts: u32,
    pub failures: Failures,
    pub abort: std::sync::Arc<AbortFlag>,
}

impl StageShared {
    pub fn new(
        name: &str,
        mode: WorkMode,
        max_attempts: u32,
        abort: std::sync::Arc<AbortFlag>,
    ) -> Self {
        Self {
            slowdown_bits: AtomicU64::new(1f64.to_bits()),
            mode,
            max_attempts: max_attempts.max(1),
            failures: Failures::new(name),
            abort,
        }
    }

    /// The service-time multiplier (1.0 = normal).
    #[inline]
    pub fn slowdown(&self) -> f64 {
        f64::from_bits(self.slowdown_bits.load(Ordering::Relaxed))
    }

    /// Sets the multiplier; values below 1 are treated as 1.
    pub fn set_slowdown(&self, factor: f64) {
        let factor = if factor.is_finite() {
            factor.max(1.0)
        } else {
            1.0
        };
        self.slowdown_bits
            .store(factor.to_bits(), Ordering::Relaxed);
    }
}
