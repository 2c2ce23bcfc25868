//! Which stage limits the pipeline: the cause of backpressure, not its victims.
//!
//! Rule (README.md, "What is measured"): find the last backpressured stage (the source counts as
//! the stage before the first); the bottleneck is the first stage downstream
//! of it that is busy (or has no workers and items queued) and not itself
//! blocked. With nothing blocked, or no such stage (a stall that just
//! ended), there is no bottleneck.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::snapshot::{Latency, Utilization};
    use crate::model::QueuePolicy;

    /// A stage with these workers, queue, busy and blocked fractions.
    fn stage(
        name: &str,
        workers: usize,
        queue_len: usize,
        busy: f64,
        blocked: f64,
    ) -> StageSnapshot {
        let idle = (1.0 - busy - blocked).max(0.0);
        StageSnapshot {
            name: name.to_string(),
            workers,
            workers_target: workers,
            queue_len,
            queue_capacity: Some(64),
            queue_max: queue_len,
            queue_len_mean: queue_len as f64,
            window: Default::default(),
            policy: QueuePolicy::Block,
            in_service: 0,
            in_rate: 0.0,
            out_rate: 0.0,
            accepted: 0,
            processed: 0,
            dropped: 0,
            retried: 0,
            dead_lettered: 0,
            restarts: 0,
            service_ms: Latency::default(),
            wait_ms: Latency::default(),
            busy,
            idle,
            blocked,
            backpressure: Backpressure::from_blocked(blocked),
            utilization_total: Utilization {
                busy,
                idle,
                blocked,
            },
            slowdown: 1.0,
            failures: Default::default(),
        }
    }

    #[test]
    fn nothing_blocked_means_no_bottleneck() {
        let stages = [stage("a", 2, 0, 0.9, 0.0), stage("b", 2, 0, 0.95, 0.0)];
        assert_eq!(find(Backpressure::Ok, &stages), None);
    }

    #[test]
    fn the_cause_is_the_first_busy_stage_below_the_last_blocked_one() {
        let stages = [
            stage("a", 2, 0, 0.3, 0.7),
            stage("b", 2, 60, 0.2, 0.8),
            stage("c", 2, 60, 0.3, 0.0),
            stage("d", 2, 60, 0.99, 0.0),
        ];
        assert_eq!(find(Backpressure::High, &stages), Some(3));
        let blocked_source = [stage("a", 1, 64, 0.99, 0.0)];
        assert_eq!(find(Backpressure::High, &blocked_source), Some(0));
    }

    #[test]
    fn a_stage_without_workers_and_with_work_waiting_is_the_cause() {
        let stages = [stage("a", 2, 0, 0.1, 0.9), stage("b", 0, 64, 0.0, 0.0)];
        assert_eq!(find(Backpressure::Ok, &stages), Some(1));
        assert!(reason(0.0, &stages, 1).starts_with("b: no workers"));
    }

    #[test]
    fn blocked_above_an_idle_stage_names_no_one() {
        // A stall that just ended: nothing below the blocked stage is busy.
        let stages = [stage("a", 2, 0, 0.1, 0.9), stage("b", 2, 0, 0.2, 0.0)];
        assert_eq!(find(Backpressure::Ok, &stages), None);
    }
}
