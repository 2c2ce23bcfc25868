//! Which stage limits the pipeline: the cause of backpressure, not its victims.
//!
//! Rule (README.md, "What is measured"):
//! 1. Find the last backpressured stage (the source counts as the stage
//!    before the first); the bottleneck is the first stage downstream of it
//!    that is busy (or has no workers and items queued) and not itself
//!    blocked: *upstream blocked*.
//! 2. Else, a *saturated* stage: busy nearly all the time while its queue
//!    grows, stays full or drops items. A saturated stage limits the
//!    pipeline whether or not it blocks anyone (an unbounded queue, or a
//!    dropping policy, blocks no one). Of several, the busiest.
//! 3. Else there is no bottleneck: no stage is saturated.
//!
//! Growth and drops are read over the latency window (the stage's
//! [`StageWindow`](super::snapshot::StageWindow)), so one tick's jitter
//! does not name a stage.

use super::snapshot::{Backpressure, StageSnapshot};

/// A stage counts as busy from this fraction of worker time.
const BUSY: f64 = 0.5;

/// A stage this busy, with its queue growing, full or dropping, is saturated.
const SATURATED: f64 = 0.9;

/// A queue this full counts as full.
const FULL: f64 = 0.9;

/// Why a stage is the bottleneck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The stage above it is blocked handing items to it.
    UpstreamBlocked,
    /// Nothing to serve its queue: the pool is at zero workers.
    NoWorkers,
    /// Saturated, dropping what does not fit.
    Dropping,
    /// Saturated, with its bounded queue (nearly) full.
    QueueFull,
    /// Saturated, with its queue growing.
    QueueGrowing,
}

/// The bottleneck's index and why, if any stage limits the pipeline.
pub fn find(source_backpressure: Backpressure, stages: &[StageSnapshot]) -> Option<(usize, Cause)> {
    held_back_by(source_backpressure, stages).or_else(|| saturated(stages))
}

/// Rule 1: the first busy, unblocked stage below the last blocked one.
fn held_back_by(
    source_backpressure: Backpressure,
    stages: &[StageSnapshot],
) -> Option<(usize, Cause)> {
    let last_blocked = stages
        .iter()
        .rposition(|s| s.backpressure != Backpressure::Ok)
        .map(|i| i + 1)
        .or((source_backpressure != Backpressure::Ok).then_some(0))?;
    let downstream = stages.get(last_blocked..)?;
    downstream.iter().enumerate().find_map(|(offset, s)| {
        let index = last_blocked + offset;
        if s.workers == 0 && s.queue_len > 0 {
            Some((index, Cause::NoWorkers))
        } else {
            (s.busy >= BUSY).then_some((index, Cause::UpstreamBlocked))
        }
    })
}

/// Rule 2: the busiest saturated stage.
fn saturated(stages: &[StageSnapshot]) -> Option<(usize, Cause)> {
    stages
        .iter()
        .enumerate()
        .filter_map(|(i, s)| saturation(s).map(|cause| (i, cause, s.busy)))
        .fold(None, |best: Option<(usize, Cause, f64)>, next| match best {
            Some(b) if b.2 >= next.2 => Some(b),
            _ => Some(next),
        })
        .map(|(i, cause, _)| (i, cause))
}

/// Why `stage` is saturated, if it is.
fn saturation(stage: &StageSnapshot) -> Option<Cause> {
    if stage.workers == 0 || stage.busy < SATURATED {
        return None;
    }
    let window = &stage.window;
    if window.drop_rate > 0.0 {
        return Some(Cause::Dropping);
    }
    if let Some(cap) = stage.queue_capacity
        && cap > 0
        && stage.queue_len as f64 >= FULL * cap as f64
    {
        return Some(Cause::QueueFull);
    }
    // Growing: more admitted than finished over the window, by more than
    // the items one tick's rounding could account for.
    let growing = stage.queue_len > 0 && window.in_rate > window.out_rate * 1.02 + 1.0;
    growing.then_some(Cause::QueueGrowing)
}

/// A one-line reason, e.g. "enrich: busy 98%, upstream blocked 71%" or
/// "archive: busy 100%, queue growing 400/s".
pub fn reason(source_blocked: f64, stages: &[StageSnapshot], index: usize, cause: Cause) -> String {
    let stage = &stages[index];
    let busy = stage.busy * 100.0;
    match cause {
        Cause::UpstreamBlocked | Cause::NoWorkers => {
            let upstream_blocked = match index {
                0 => source_blocked,
                i => stages[i - 1].blocked,
            };
            let what = if cause == Cause::NoWorkers {
                "no workers".to_string()
            } else {
                format!("busy {busy:.0}%")
            };
            format!(
                "{}: {what}, upstream blocked {:.0}%",
                stage.name,
                upstream_blocked * 100.0
            )
        }
        Cause::Dropping => format!(
            "{}: busy {busy:.0}%, dropping {:.0}/s",
            stage.name, stage.window.drop_rate
        ),
        Cause::QueueFull => format!("{}: busy {busy:.0}%, queue full", stage.name),
        Cause::QueueGrowing => format!(
            "{}: busy {busy:.0}%, queue growing {:.0}/s",
            stage.name,
            stage.window.in_rate - stage.window.out_rate
        ),
    }
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
            watermark: None,
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
        assert_eq!(
            find(Backpressure::High, &stages),
            Some((3, Cause::UpstreamBlocked))
        );
        let blocked_source = [stage("a", 1, 64, 0.99, 0.0)];
        assert_eq!(
            find(Backpressure::High, &blocked_source),
            Some((0, Cause::UpstreamBlocked))
        );
    }

    #[test]
    fn a_stage_without_workers_and_with_work_waiting_is_the_cause() {
        let stages = [stage("a", 2, 0, 0.1, 0.9), stage("b", 0, 64, 0.0, 0.0)];
        assert_eq!(find(Backpressure::Ok, &stages), Some((1, Cause::NoWorkers)));
        assert!(reason(0.0, &stages, 1, Cause::NoWorkers).starts_with("b: no workers"));
    }

    #[test]
    fn a_saturated_stage_behind_a_growing_unbounded_queue_is_the_bottleneck() {
        let mut archive = stage("archive", 4, 818_000, 1.0, 0.0);
        archive.queue_capacity = None;
        archive.window.in_rate = 1000.0;
        archive.window.out_rate = 400.0;
        let stages = [stage("ingest", 2, 0, 0.2, 0.0), archive];
        let found = find(Backpressure::Ok, &stages);
        assert_eq!(found, Some((1, Cause::QueueGrowing)));
        assert_eq!(
            reason(0.0, &stages, 1, Cause::QueueGrowing),
            "archive: busy 100%, queue growing 600/s"
        );
    }

    #[test]
    fn a_saturated_stage_that_drops_is_the_bottleneck_though_nothing_blocks() {
        let mut hash = stage("hash", 2, 99, 0.99, 0.0);
        hash.queue_capacity = Some(100);
        hash.window.drop_rate = 350.0;
        let stages = [stage("read", 2, 0, 0.3, 0.0), hash];
        assert_eq!(find(Backpressure::Ok, &stages), Some((1, Cause::Dropping)));
    }

    #[test]
    fn a_full_queue_behind_a_saturated_stage_is_named() {
        let mut full = stage("enrich", 2, 60, 0.97, 0.0);
        full.queue_capacity = Some(64);
        assert_eq!(find(Backpressure::Ok, &[full]), Some((0, Cause::QueueFull)));
    }

    #[test]
    fn a_busy_stage_keeping_up_is_not_saturated() {
        // Busy 95%, queue short and steady, no drops: it keeps up.
        let mut keeping_up = stage("enrich", 2, 3, 0.95, 0.0);
        keeping_up.window.in_rate = 500.0;
        keeping_up.window.out_rate = 500.0;
        assert_eq!(find(Backpressure::Ok, &[keeping_up]), None);
        // Growing, but not busy: a stall elsewhere, not this stage's limit.
        let mut idle = stage("enrich", 2, 30, 0.4, 0.0);
        idle.window.in_rate = 500.0;
        idle.window.out_rate = 100.0;
        assert_eq!(find(Backpressure::Ok, &[idle]), None);
    }

    #[test]
    fn of_several_saturated_stages_the_busiest_is_named() {
        let mut a = stage("a", 2, 60, 0.92, 0.0);
        a.queue_capacity = Some(64);
        let mut b = stage("b", 2, 60, 0.99, 0.0);
        b.queue_capacity = Some(64);
        assert_eq!(find(Backpressure::Ok, &[a, b]), Some((1, Cause::QueueFull)));
    }

    #[test]
    fn blocked_above_an_idle_stage_names_no_one() {
        // A stall that just ended: nothing below the blocked stage is busy.
        let stages = [stage("a", 2, 0, 0.1, 0.9), stage("b", 2, 0, 0.2, 0.0)];
        assert_eq!(find(Backpressure::Ok, &stages), None);
    }
}
