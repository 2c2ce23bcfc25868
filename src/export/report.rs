//! The final report (`--report FILE.json`, schema 1): totals, end-to-end
//! latency, per-stage figures cumulative over the run, and every event.

use serde::Serialize;

use crate::metrics::theory::{self, Measured, StageTheory};
use crate::metrics::{CheckpointStats, Latency, Percentiles, Snapshot, Totals, Watermark};
use crate::model::{DeadLetter, Event, EventKind, QueuePolicy};
use crate::session::SessionInfo;

/// One stage in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageReport {
    /// The stage's name.
    pub name: String,
    /// Workers requested at the end of the run.
    pub workers: usize,
    /// The input queue's bound; null when unbounded.
    pub queue_capacity: Option<usize>,
    /// The queue policy at the end of the run.
    pub policy: QueuePolicy,
    /// Items the stage finished and passed on.
    pub processed: u64,
    /// Items dropped at the stage's input queue by its policy.
    pub dropped: u64,
    /// Failed attempts that were tried again.
    pub retried: u64,
    /// Items given up on after their last attempt.
    pub dead_lettered: u64,
    /// Workers restarted after a crash (a panic or `crash`).
    pub restarts: u64,
    /// processed / duration.
    pub out_rate: f64,
    /// The longest the input queue was, sampled each tick (a queue found full counts as full).
    pub queue_max: usize,
    /// Items admitted into the input queue (what was dropped at its door is not).
    pub admitted: u64,
    /// The input queue's length averaged over the run (integrated at every
    /// admission and departure): Little's law's L, beside `theory.queue_len_little`
    /// = admitted/duration × `wait_ms.mean`. Null where it is not
    /// measured (a Flink stage's queue is buffer use, not items).
    pub queue_len_mean: Option<f64>,
    /// Time a worker spent on one attempt, over the whole run; null where
    /// it is not measured (a Flink job).
    pub service_ms: Option<Percentiles>,
    /// Time an item waited in the input queue, over the whole run; null
    /// where it is not measured.
    pub wait_ms: Option<Percentiles>,
    /// Fraction of worker time spent processing, over the whole run.
    pub busy: f64,
    /// Fraction of worker time spent waiting for input, over the whole run.
    pub idle: f64,
    /// Fraction of worker time spent waiting to hand an item downstream, over the whole run.
    pub blocked: f64,
    /// Queueing theory from the run's cumulative figures (see
    /// `metrics::theory`); null where the service time is not measured.
    pub theory: Option<StageTheory>,
    /// The stage's event-time watermark at the end and its lag (a Flink
    /// job's); absent where there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Watermark>,
}

/// A latency's whole-run figures, or `None` when it is not measured.
fn measured(latency: &Latency) -> Option<Percentiles> {
    (!latency.unavailable).then_some(latency.total)
}

/// How long one stage was the bottleneck.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BottleneckTime {
    /// The stage's name.
    pub stage: String,
    /// The stage's position in the pipeline, from 0.
    pub index: usize,
    /// How long it was the bottleneck.
    pub seconds: f64,
    /// seconds / the run's duration.
    pub share: f64,
    /// The reason given the last time it became (or while it was) the bottleneck.
    pub last_reason: String,
}

/// Which stages limited the pipeline, and for how long (from the run's
/// `bottleneck` events).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BottleneckSummary {
    /// The stage that was the bottleneck longest; null if none ever was.
    pub stage: Option<String>,
    /// Every stage that was the bottleneck, longest first.
    pub stages: Vec<BottleneckTime>,
    /// Seconds with no bottleneck (nothing held back).
    pub none_s: f64,
}

impl BottleneckSummary {
    /// Adds up the intervals between `bottleneck` events, up to `end_s`;
    /// `last` names the bottleneck of the final snapshot (for its reason).
    pub fn from_events(
        events: &[Event],
        stage_names: &[String],
        end_s: f64,
        last: Option<(usize, &str)>,
    ) -> Self {
        let mut summary = Self::default();
        let mut current: Option<usize> = None;
        let mut since = 0.0;
        let close = |summary: &mut Self, current: Option<usize>, from: f64, to: f64| {
            let span = (to - from).max(0.0);
            match current.and_then(|i| summary.stages.iter_mut().find(|b| b.index == i)) {
                Some(entry) => entry.seconds += span,
                None => summary.none_s += span,
            }
        };
        let moves = events.iter().filter_map(|e| match &e.kind {
            EventKind::Bottleneck { stage, reason } => Some((e.t_s, stage, reason)),
            _ => None,
        });
        for (t_s, stage, reason) in moves {
            close(&mut summary, current, since, t_s);
            since = t_s;
            current = stage
                .as_ref()
                .map(|s| s.index)
                .filter(|&i| i < stage_names.len());
            if let Some(index) = current {
                let reason = reason.clone();
                match summary.stages.iter_mut().find(|b| b.index == index) {
                    Some(entry) => entry.last_reason = reason,
                    None => summary.stages.push(BottleneckTime {
                        stage: stage_names[index].clone(),
                        index,
                        seconds: 0.0,
                        share: 0.0,
                        last_reason: reason,
                    }),
                }
            }
        }
        close(&mut summary, current, since, end_s);
        if let Some((index, reason)) = last
            && let Some(entry) = summary.stages.iter_mut().find(|b| b.index == index)
        {
            entry.last_reason = reason.to_string();
        }
        for entry in &mut summary.stages {
            entry.share = if end_s > 0.0 {
                entry.seconds / end_s
            } else {
                0.0
            };
        }
        summary
            .stages
            .sort_by(|a, b| b.seconds.total_cmp(&a.seconds).then(a.index.cmp(&b.index)));
        summary.stage = summary.stages.first().map(|b| b.stage.clone());
        summary
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The report format's version: 1.
    pub schema: u32,
    /// The scenario's (or program's) name.
    pub scenario: String,
    /// The seed all randomness came from.
    pub seed: u64,
    /// Whose time the run kept: `"real"` (the engine) or `"virtual"` (the
    /// simulator; then CPU and memory are not the process's own).
    pub clock: &'static str,
    /// Seconds from the start to the final snapshot (the drain included).
    pub duration_s: f64,
    /// How the run ended: `done` (drained) or `aborted`.
    pub state: crate::metrics::RunState,
    /// Set when the engine itself failed: what failed. The figures are then
    /// those of the last snapshot received, not of a finished run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The conservation counters at the end.
    pub totals: Totals,
    /// Sink time minus scheduled birth, over the whole run; null where it
    /// is not measured (a Flink job).
    pub end_to_end_ms: Option<Percentiles>,
    /// Each stage, in pipeline order.
    pub stages: Vec<StageReport>,
    /// Which stage limited the pipeline, for how long.
    pub bottleneck: BottleneckSummary,
    /// The watermark at the end: every id below it finished.
    pub checkpoint: u64,
    /// A Flink job's checkpoint statistics at the end; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoints: Option<CheckpointStats>,
    /// Ticks whose time passed with no snapshot (the `ticks-skipped`
    /// events summed): the series has a gap there.
    pub ticks_skipped: u64,
    /// Every event of the run, in order.
    pub events: Vec<Event>,
    /// The dead letters kept (the last 100 per stage).
    pub dead_letters: Vec<DeadLetter>,
}

impl Report {
    /// The report of a run that ended with `last`.
    pub fn new(info: &SessionInfo, last: &Snapshot, mut events: Vec<Event>) -> Self {
        // Events arrive by tick; a bottleneck's is stamped with when it began.
        events.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        let duration_s = last.t_s;
        let per_second = |n: u64| {
            if duration_s > 0.0 {
                n as f64 / duration_s
            } else {
                0.0
            }
        };
        let stages: Vec<StageReport> = last
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let facts = Measured {
                    arrival_rate: per_second(s.accepted),
                    service_ms: s.service_ms.total.mean,
                    wait_ms: s.wait_ms.total.mean,
                    workers: s.workers_target,
                    busy: s.utilization_total.busy,
                    queue_capacity: s.queue_capacity,
                    queue_len: s.queue_len,
                    items_in_stage: None,
                    queue_len_mean: Some(s.queue_len_mean),
                    source_rate: last.source.rate.per_second(),
                };
                StageReport {
                    name: s.name.clone(),
                    workers: s.workers_target,
                    queue_capacity: s.queue_capacity,
                    policy: s.policy,
                    processed: s.processed,
                    dropped: s.dropped,
                    retried: s.retried,
                    dead_lettered: s.dead_lettered,
                    restarts: s.restarts,
                    out_rate: per_second(s.processed),
                    queue_max: s.queue_max,
                    admitted: s.accepted,
                    queue_len_mean: Some(s.queue_len_mean).filter(|l| l.is_finite()),
                    service_ms: measured(&s.service_ms),
                    wait_ms: measured(&s.wait_ms),
                    busy: s.utilization_total.busy,
                    idle: s.utilization_total.idle,
                    blocked: s.utilization_total.blocked,
                    theory: (!s.service_ms.unavailable)
                        .then(|| StageTheory::new(facts, theory::markov(info.spec.as_ref(), i))),
                    watermark: s.watermark,
                }
            })
            .collect();
        let names: Vec<String> = stages.iter().map(|s| s.name.clone()).collect();
        let last_bottleneck = last.bottleneck.zip(last.bottleneck_reason.as_deref());
        let bottleneck =
            BottleneckSummary::from_events(&events, &names, duration_s, last_bottleneck);
        Self {
            schema: 1,
            scenario: info.name.clone(),
            seed: info.seed,
            clock: info.clock.as_str(),
            duration_s,
            state: last.state,
            failure: None,
            totals: last.totals,
            end_to_end_ms: measured(&last.end_to_end_ms),
            stages,
            bottleneck,
            checkpoint: last.checkpoint,
            checkpoints: last.checkpoints.clone(),
            ticks_skipped: events
                .iter()
                .filter_map(|e| {
                    if let EventKind::TicksSkipped { skipped, .. } = e.kind {
                        Some(skipped)
                    } else {
                        None
                    }
                })
                .sum(),
            events,
            dead_letters: last
                .stages
                .iter()
                .flat_map(|s| s.failures.dead_letters.iter().cloned())
                .collect(),
        }
    }
}

impl Report {
    /// What ended the run early, if a declared limit did (the memory cap,
    /// the drain timeout): the event's message.
    pub fn limit_reached(&self) -> Option<String> {
        self.events
            .iter()
            .find(|e| {
                matches!(
                    e.kind,
                    EventKind::MemoryCap { .. } | EventKind::DrainTimeout { .. }
                )
            })
            .map(|e| e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(t_s: f64, stage: Option<&str>) -> Event {
        let index = |name| ["a", "b", "c"].iter().position(|n| *n == name).unwrap();
        let reason = stage
            .map(|name| format!("{name}: busy 99%, upstream blocked 60%"))
            .unwrap_or_default();
        let stage = stage.map(|name| crate::model::StageRef {
            index: index(name),
            name: name.to_string(),
        });
        Event::new(t_s, EventKind::Bottleneck { stage, reason })
    }

    #[test]
    fn the_bottleneck_summary_adds_up_the_intervals_between_events() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let events = vec![
            Event::new(
                1.0,
                EventKind::Applied(crate::model::Applied::Burst { items: 10 }),
            ),
            moved(2.0, Some("b")),
            moved(5.0, Some("c")),
            moved(6.0, None),
            moved(7.0, Some("b")),
        ];
        let s = BottleneckSummary::from_events(&events, &names, 10.0, Some((1, "b: now")));
        assert_eq!(s.stage.as_deref(), Some("b"));
        assert_eq!(s.stages.len(), 2);
        let b = &s.stages[0];
        assert_eq!((b.index, b.seconds, b.share), (1, 6.0, 0.6));
        assert_eq!(b.last_reason, "b: now");
        let c = &s.stages[1];
        assert_eq!((c.index, c.seconds), (2, 1.0));
        assert_eq!(c.last_reason, "c: busy 99%, upstream blocked 60%");
        assert_eq!(s.none_s, 3.0);
    }

    #[test]
    fn no_bottleneck_events_means_none_all_run() {
        let s = BottleneckSummary::from_events(&[], &["a".to_string()], 4.0, None);
        assert_eq!((s.stage, s.stages.len(), s.none_s), (None, 0, 4.0));
    }
}
