//! What a stage reports of its failures: failed attempts, dead letters (items
//! given up on) and the view of the last ones a snapshot carries.

use std::sync::Arc;

use serde::Serialize;

/// How many dead letters a stage keeps.
pub const DEAD_LETTERS_KEPT: usize = 100;
/// How many recent failed attempts a stage keeps.
pub const FAILURES_KEPT: usize = 20;

/// An item given up on after its last attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// The item's id: its position in the source's sequence.
    pub id: u64,
    /// The stage that gave up on it.
    pub stage: String,
    /// Attempts made, the first included.
    pub attempts: u32,
    /// Seconds since the start.
    pub t_s: f64,
    /// The error of the last attempt.
    pub error: String,
}

/// One failed attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The item's id: its position in the source's sequence.
    pub id: u64,
    /// Which attempt failed, from 1.
    pub attempt: u32,
    /// Seconds since the start.
    pub t_s: f64,
    /// The worker panicked (and was restarted) rather than returning an error.
    pub panicked: bool,
    /// The error, or the panic message.
    pub error: String,
}

/// The kept failures of a stage as of one moment; cheap to clone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailureView {
    /// Oldest first.
    pub dead_letters: Arc<Vec<DeadLetter>>,
    /// Oldest first.
    pub recent: Arc<Vec<Failure>>,
}
