//! What a stream processor reports beyond pipetop's own measures: a
//! stage's event-time watermark and its lag, and the checkpoint
//! statistics (counts, the last completed one, the last failure). Only a
//! watched Flink job has them; for the in-process producers they are
//! `None`: "not available", never zero.

use serde::{Deserialize, Serialize};

/// A stage's event-time watermark: every item older than it has passed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Watermark {
    /// The watermark, in ms since the Unix epoch (the lowest over the
    /// stage's parallel subtasks).
    pub at_ms: i64,
    /// How far it lags: the wall clock at the look minus the watermark, ms.
    pub lag_ms: f64,
}

/// The job's checkpoints at one look.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointStats {
    /// Checkpoints completed since the job started.
    pub completed: u64,
    /// Checkpoints that failed (or expired).
    pub failed: u64,
    /// Checkpoints under way now.
    pub in_progress: u64,
    /// The latest completed checkpoint, if any.
    pub last_completed: Option<CompletedCheckpoint>,
    /// The latest failed checkpoint, if any.
    pub last_failure: Option<FailedCheckpoint>,
}

/// The latest completed checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletedCheckpoint {
    /// Its id, counting from 1.
    pub id: u64,
    /// From its trigger to the last acknowledgement (end to end), ms.
    pub duration_ms: u64,
    /// The full state it holds, bytes.
    pub size_bytes: u64,
    /// What this checkpoint wrote (less than the size when incremental), bytes.
    pub checkpointed_bytes: u64,
    /// When it completed (its last acknowledgement), ms since the Unix epoch.
    pub completed_at_ms: u64,
    /// Seconds from its completion to the look.
    pub age_s: f64,
}

/// The latest failed checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedCheckpoint {
    /// Its id.
    pub id: u64,
    /// Why it failed, as Flink says it.
    pub reason: String,
    /// When it failed, ms since the Unix epoch.
    pub failed_at_ms: u64,
    /// Seconds from its failure to the look.
    pub age_s: f64,
}
