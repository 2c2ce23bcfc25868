//! Which stage limits the pipeline: the cause of backpressure, not its victims.
//!
//! Rule (DESIGN.md): find the last backpressured stage (the source counts as
//! the stage before the first); the bottleneck is the first stage downstream
//! of it that is busy and not itself blocked. With nothing blocked there is
//! no bottleneck.

use super::snapshot::{Backpressure, StageSnapshot};

/// A stage counts as busy from this fraction of worker time.
const BUSY: f64 = 0.5;

/// The bottleneck's index, if any stage (or the source) is held back.
pub fn find(source_backpressure: Backpressure, stages: &[StageSnapshot]) -> Option<usize> {
    let last_blocked = stages
        .iter()
        .rposition(|s| s.backpressure != Backpressure::Ok)
        .map(|i| i + 1)
        .or((source_backpressure != Backpressure::Ok).then_some(0))?;
    let downstream = stages.get(last_blocked..)?;
    downstream
        .iter()
        .position(|s| s.busy >= BUSY || (s.workers == 0 && s.queue_len > 0))
        .or((!downstream.is_empty()).then_some(0))
        .map(|offset| last_blocked + offset)
}

/// A one-line reason, e.g. "enrich: busy 98%, upstream blocked 71%".
pub fn reason(source_blocked: f64, stages: &[StageSnapshot], index: usize) -> String {
    let stage = &stages[index];
    let upstream_blocked = match index {
        0 => source_blocked,
        i => stages[i - 1].blocked,
    };
    if stage.workers == 0 {
        return format!(
            "{}: no workers, upstream blocked {:.0}%",
            stage.name,
            upstream_blocked * 100.0
        );
    }
    format!(
        "{}: busy {:.0}%, upstream blocked {:.0}%",
        stage.name,
        stage.busy * 100.0,
        upstream_blocked * 100.0
    )
}
