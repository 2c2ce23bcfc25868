//! Settings and records of a stage that its workers read and the controller
//! changes at run time, plus the run-wide abort flag.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::spec::WorkMode;
use super::work::WorkError;

/// How many dead letters a stage keeps.
pub const DEAD_LETTERS_KEPT: usize = 100;

/// Set once to end the run at once.
#[derive(Debug, Default)]
pub struct AbortFlag(AtomicBool);

impl AbortFlag {
    pub fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// An item given up on after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    pub id: u64,
    pub stage: String,
    pub attempts: u32,
    pub error: String,
}

/// The last [`DEAD_LETTERS_KEPT`] dead letters of a stage. Written only on
/// the failure path, read by the sampler: never on the hot path.
#[derive(Debug, Default)]
pub struct DeadLetters {
    stage: String,
    kept: Mutex<VecDeque<DeadLetter>>,
}

impl DeadLetters {
    pub fn new(stage: impl Into<String>) -> Self {
        Self {
            stage: stage.into(),
            kept: Mutex::new(VecDeque::new()),
        }
    }

    pub fn record(&self, id: u64, attempts: u32, error: &WorkError) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() == DEAD_LETTERS_KEPT {
            kept.pop_front();
        }
        kept.push_back(DeadLetter {
            id,
            stage: self.stage.clone(),
            attempts,
            error: error.message().to_string(),
        });
    }

    /// The kept dead letters, oldest first.
    pub fn list(&self) -> Vec<DeadLetter> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter().cloned().collect()
    }
}

/// What every worker of one stage shares.
#[derive(Debug)]
pub struct StageShared {
    slowdown_bits: AtomicU64,
    /// How the slowdown's extra time is spent.
    pub mode: WorkMode,
    pub max_attempts: u32,
    pub dead_letters: DeadLetters,
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
            dead_letters: DeadLetters::new(name),
            abort,
        }
    }

    /// The service-time multiplier (1.0 = normal).
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
