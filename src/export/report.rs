//! The final report (`--report FILE.json`, schema 1): totals, end-to-end
//! latency, per-stage figures cumulative over the run, and every event.

use serde::Serialize;

use crate::engine::{DeadLetter, Event, QueuePolicy};
use crate::metrics::{Percentiles, Snapshot, Totals};
use crate::session::SessionInfo;

/// Percentiles in milliseconds, as the report names them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    pub count: u64,
    pub outliers: u64,
}

impl From<Percentiles> for LatencySummary {
    fn from(p: Percentiles) -> Self {
        Self {
            p50: p.p50,
            p90: p.p90,
            p99: p.p99,
            p999: p.p999,
            max: p.max,
            mean: p.mean,
            count: p.count,
            outliers: p.outliers,
        }
    }
}

/// Queueing figures for one stage over the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StageTheory {
    /// λ: items accepted per second.
    pub arrival_rate: f64,
    /// μ: items per second one worker completes (1 / mean service time).
    pub service_rate: f64,
    /// c: workers at the end of the run.
    pub workers: usize,
    /// ρ = λ / (c·μ); at or above 1 the queue grows without bound.
    pub utilization: f64,
}

/// One stage in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageReport {
    pub name: String,
    pub workers: usize,
    pub queue_capacity: Option<usize>,
    pub policy: QueuePolicy,
    pub processed: u64,
    pub dropped: u64,
    pub retried: u64,
    pub dead_lettered: u64,
    pub restarts: u64,
    /// processed / duration.
    pub out_rate: f64,
    pub queue_max: usize,
    pub service_ms: LatencySummary,
    pub wait_ms: LatencySummary,
    pub busy: f64,
    pub idle: f64,
    pub blocked: f64,
    pub theory: StageTheory,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: u32,
    pub scenario: String,
    pub seed: u64,
    pub duration_s: f64,
    pub state: crate::metrics::RunState,
    pub totals: Totals,
    pub end_to_end_ms: LatencySummary,
    pub stages: Vec<StageReport>,
    pub checkpoint: u64,
    pub events: Vec<Event>,
    pub dead_letters: Vec<DeadLetter>,
}

impl Report {
    /// The report of a run that ended with `last`.
    pub fn new(info: &SessionInfo, last: &Snapshot, events: Vec<Event>) -> Self {
        let duration_s = last.t_s;
        let per_second = |n: u64| {
            if duration_s > 0.0 {
                n as f64 / duration_s
            } else {
                0.0
            }
        };
        let stages = last
            .stages
            .iter()
            .map(|s| {
                let mean_service_s = s.service_ms.total.mean / 1e3;
                let service_rate = if mean_service_s > 0.0 {
                    1.0 / mean_service_s
                } else {
                    0.0
                };
                let arrival_rate = per_second(s.accepted);
                let capacity = s.workers_target as f64 * service_rate;
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
                    service_ms: s.service_ms.total.into(),
                    wait_ms: s.wait_ms.total.into(),
                    busy: s.utilization_total.busy,
                    idle: s.utilization_total.idle,
                    blocked: s.utilization_total.blocked,
                    theory: StageTheory {
                        arrival_rate,
                        service_rate,
                        workers: s.workers_target,
                        utilization: if capacity > 0.0 {
                            arrival_rate / capacity
                        } else {
                            0.0
                        },
                    },
                }
            })
            .collect();
        Self {
            schema: 1,
            scenario: info.name.clone(),
            seed: info.seed,
            duration_s,
            state: last.state,
            totals: last.totals,
            end_to_end_ms: last.end_to_end_ms.total.into(),
            stages,
            checkpoint: last.checkpoint,
            events,
            dead_letters: last
                .stages
                .iter()
                .flat_map(|s| s.failures.dead_letters.iter().cloned())
                .collect(),
        }
    }
}
