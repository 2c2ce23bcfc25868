//! A Flink job at one look, as pipetop's [`Snapshot`]: which vertex is
//! which stage, and how Flink's measures map onto pipetop's.
//!
//! | pipetop | Flink |
//! |---|---|
//! | workers | the vertex's parallelism |
//! | busy, idle, blocked | `busyTimeMsPerSecond`, `idleTimeMsPerSecond`, `backPressuredTimeMsPerSecond` (mean over subtasks) ÷ 1000 |
//! | backpressure | `/jobs/:id/vertices/:vid/backpressure` |
//! | in, out rate | `numRecordsInPerSecond`, `numRecordsOutPerSecond` (sums); a sink's out rate is its in rate |
//! | queue | input buffer use in percent: the vertex's `inPoolUsage`, or its inputs' `outPoolUsage` (local channels have no input pool) |
//! | checkpoint | the latest completed checkpoint's id |
//! | checkpoints | `/jobs/:id/checkpoints`: counts, the latest completed (duration, size, age) and failed (reason, age); absent when the job takes none |
//! | watermark, lag | the lowest `currentInputWatermark` of the vertex's subtasks (`…/watermarks`); lag = the look's wall clock − it; absent without watermarks |
//! | latencies, mean queue length | not available |

use crate::metrics::bottleneck;
use crate::metrics::{
    Backpressure, CheckpointStats, CompletedCheckpoint, FailedCheckpoint, Latency, ProcessSnapshot,
    RunState, Snapshot, StageSnapshot, StageWindow, Utilization, Watermark,
};
use crate::model::{Event, QueuePolicy, Rate};

use super::measures::{queue_usage, source_snapshot, time_shares, totals};
use super::poll::{IN_COUNT, IN_RATE, JobSample, OUT_COUNT, OUT_RATE, VertexSample};

/// A queue shown as a percentage of the buffer pool: len out of this.
pub const QUEUE_PERCENT: usize = 100;

/// Which vertex plays which part.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The vertex that is pipetop's source (a submitted scenario's), if any.
    pub source: Option<String>,
    /// The vertex of each stage, in pipeline order.
    pub stages: Vec<String>,
    /// Each stage's name.
    pub names: Vec<String>,
}

impl Layout {
    /// Watching any job: every vertex is a stage, named after its operators.
    pub fn every_vertex(sample: &JobSample) -> Self {
        Self {
            source: None,
            stages: sample.vertices.iter().map(|v| v.id.clone()).collect(),
            names: sample
                .vertices
                .iter()
                .map(|v| crate::format::printable(&v.name))
                .collect(),
        }
    }

    /// A submitted scenario: the vertex without inputs is the source, and
    /// each stage is the vertex whose first operator has its name.
    pub fn scenario(sample: &JobSample, stage_names: &[String]) -> Option<Self> {
        let stages = stage_names
            .iter()
            .map(|name| {
                sample
                    .vertices
                    .iter()
                    .find(|v| v.name.split(" -> ").next() == Some(name.as_str()))
                    .map(|v| v.id.clone())
            })
            .collect::<Option<Vec<_>>>()?;
        // Before Flink has the job graph every vertex looks like a source.
        let source = sample
            .vertices
            .iter()
            .find(|v| v.inputs.is_empty() && !stages.contains(&v.id))?;
        Some(Self {
            source: Some(source.id.clone()),
            stages,
            names: stage_names.to_vec(),
        })
    }
}

/// What pipetop's source is set to, for a submitted scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceSetting {
    /// The rate asked for.
    pub rate: Rate,
    /// True while paused.
    pub paused: bool,
}

/// Turns looks at a job into snapshots, keeping what spans looks (highest
/// queue, time shares since the start, the parallelism asked for).
#[derive(Debug, Clone)]
pub struct Mapper {
    layout: Layout,
    queue_max: Vec<usize>,
    shares_sum: Vec<Utilization>,
    shares_seen: Vec<u64>,
    /// The parallelism last asked for per stage, where pipetop asked.
    pub targets: Vec<Option<usize>>,
    /// Each stage's (accepted, processed) counts and the time of the last
    /// look: rates come from the change, since Flink's own per-second
    /// rates are averaged over a minute.
    counts: Vec<Option<Counted>>,
}

impl Mapper {
    /// A mapper for this layout.
    pub fn new(layout: Layout) -> Self {
        let n = layout.stages.len();
        Self {
            layout,
            queue_max: vec![0; n],
            shares_sum: vec![
                Utilization {
                    busy: 0.0,
                    idle: 0.0,
                    blocked: 0.0
                };
                n
            ],
            shares_seen: vec![0; n],
            targets: vec![None; n],
            // One more for pipetop's source vertex.
            counts: vec![None; n + 1],
        }
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The vertex sample of stage `i`, if the job has it now.
    pub fn vertex<'a>(&self, sample: &'a JobSample, i: usize) -> Option<&'a VertexSample> {
        let id = self.layout.stages.get(i)?;
        sample.vertices.iter().find(|v| &v.id == id)
    }

    /// The snapshot for one look at the job.
    pub fn snapshot(
        &mut self,
        sample: &JobSample,
        (tick, t_s): (u64, f64),
        state: RunState,
        source: Option<SourceSetting>,
        events: Vec<Event>,
    ) -> Snapshot {
        let stages: Vec<StageSnapshot> = (0..self.layout.stages.len())
            .map(|i| self.stage(sample, i, t_s))
            .collect();
        let source_vertex = self
            .layout
            .source
            .as_ref()
            .and_then(|id| sample.vertices.iter().find(|v| &v.id == id));
        let mut source_snapshot = source_snapshot(sample, source_vertex, source);
        source_snapshot.out_rate = match source_vertex {
            Some(v) => {
                let out = v.sum(OUT_COUNT).unwrap_or(0.0) as u64;
                let n = self.layout.stages.len();
                self.rates(
                    n,
                    (out, out),
                    t_s,
                    (source_snapshot.out_rate, source_snapshot.out_rate),
                )
                .1
            }
            None => stages
                .iter()
                .zip(&self.layout.stages)
                .filter(|(_, id)| {
                    sample
                        .vertices
                        .iter()
                        .any(|v| &v.id == *id && v.inputs.is_empty())
                })
                .map(|(s, _)| s.out_rate)
                .sum(),
        };
        if source.is_none() {
            source_snapshot.rate = Rate::PerSecond(source_snapshot.out_rate);
        }
        let totals = totals(sample);
        let found = bottleneck::find(source_snapshot.backpressure, &stages);
        let bottleneck = found.map(|(i, _)| i);
        let bottleneck_reason =
            found.map(|(i, cause)| bottleneck::reason(source_snapshot.blocked, &stages, i, cause));
        Snapshot {
            tick,
            t_s,
            state,
            source: source_snapshot,
            totals,
            checkpoint: sample.checkpoint().unwrap_or(0),
            checkpoints: checkpoint_stats(sample),
            end_to_end_ms: not_available(),
            stages,
            bottleneck,
            bottleneck_reason,
            process: ProcessSnapshot::default(),
            drain_left_s: None,
            events,
        }
    }

    fn stage(&mut self, sample: &JobSample, i: usize, t_s: f64) -> StageSnapshot {
        let name = self.layout.names[i].clone();
        let Some(v) = self.vertex(sample, i) else {
            return empty_stage(name, self.targets[i].unwrap_or(0));
        };
        let shares = time_shares(v);
        if let Some(s) = shares {
            let sum = &mut self.shares_sum[i];
            sum.busy += s.busy;
            sum.idle += s.idle;
            sum.blocked += s.blocked;
            self.shares_seen[i] += 1;
        }
        let shares = shares.unwrap_or_default();
        let seen = self.shares_seen[i].max(1) as f64;
        let total = self.shares_sum[i];
        let queue_len = (queue_usage(sample, v) * QUEUE_PERCENT as f64).round() as usize;
        self.queue_max[i] = self.queue_max[i].max(queue_len);
        let is_sink = !sample
            .vertices
            .iter()
            .any(|d| d.inputs.contains(&index_of(sample, v)));
        let in_rate = v.sum(IN_RATE).unwrap_or(0.0);
        let out_rate = if is_sink {
            in_rate
        } else {
            v.sum(OUT_RATE).unwrap_or(0.0)
        };
        let accepted = v.sum(IN_COUNT).unwrap_or(0.0) as u64;
        let processed = if is_sink {
            accepted
        } else {
            v.sum(OUT_COUNT).unwrap_or(0.0) as u64
        };
        let (in_rate, out_rate) = self.rates(i, (accepted, processed), t_s, (in_rate, out_rate));
        let backpressure = match v.backpressure.as_deref() {
            Some("high") => Backpressure::High,
            Some("low") => Backpressure::Low,
            Some(_) | None => Backpressure::from_blocked(shares.blocked),
        };
        StageSnapshot {
            name,
            workers: v.parallelism,
            workers_target: self.targets[i].unwrap_or(v.parallelism),
            queue_len,
            queue_capacity: Some(QUEUE_PERCENT),
            queue_max: self.queue_max[i],
            // Flink shows buffer use, not items: no integrated length.
            queue_len_mean: f64::NAN,
            // Flink's rates are already averages over seconds.
            window: StageWindow {
                seconds: RATE_SPAN_S,
                in_rate,
                out_rate,
                drop_rate: 0.0,
                queue_len_mean: f64::NAN,
            },
            policy: QueuePolicy::Block,
            in_service: 0,
            in_rate,
            out_rate,
            accepted,
            processed,
            dropped: 0,
            retried: 0,
            dead_lettered: 0,
            restarts: 0,
            service_ms: not_available(),
            wait_ms: not_available(),
            busy: shares.busy,
            idle: shares.idle,
            blocked: shares.blocked,
            backpressure,
            utilization_total: Utilization {
                busy: total.busy / seen,
                idle: total.idle / seen,
                blocked: total.blocked / seen,
            },
            slowdown: 1.0,
            failures: Default::default(),
            watermark: v.watermark.map(|at_ms| Watermark {
                at_ms,
                lag_ms: sample.looked_at_ms as f64 - at_ms as f64,
            }),
        }
    }
}

/// The job's checkpoints as pipetop shows them, ages from the look.
fn checkpoint_stats(sample: &JobSample) -> Option<CheckpointStats> {
    let c = sample.checkpoints.as_ref()?;
    let age = |at_ms: u64| sample.looked_at_ms.saturating_sub(at_ms) as f64 / 1e3;
    Some(CheckpointStats {
        completed: c.counts.completed,
        failed: c.counts.failed,
        in_progress: c.counts.in_progress,
        last_completed: c.latest.completed.as_ref().map(|d| CompletedCheckpoint {
            id: d.id,
            duration_ms: d.end_to_end_duration,
            size_bytes: d.state_size,
            checkpointed_bytes: d.checkpointed_size,
            completed_at_ms: d.latest_ack_timestamp,
            age_s: age(d.latest_ack_timestamp),
        }),
        last_failure: c.latest.failed.as_ref().map(|d| {
            let at = d.failure_timestamp.unwrap_or(d.latest_ack_timestamp);
            FailedCheckpoint {
                id: d.id,
                reason: crate::format::printable(
                    d.failure_message.as_deref().unwrap_or("no reason given"),
                ),
                failed_at_ms: at,
                age_s: age(at),
            }
        }),
    })
}

/// A stage's counts at a look, and the rates last computed.
#[derive(Debug, Clone, Copy)]
struct Counted {
    accepted: u64,
    processed: u64,
    t_s: f64,
    rates: (f64, f64),
}

/// Rates span at least this long. Flink refreshes the counters the REST API
/// serves about once a second, at its own moments, so a rate over a span is
/// off by up to a second's worth of records: 20% over 5 s.
pub const RATE_SPAN_S: f64 = 5.0;

impl Mapper {
    /// (in, out) rates from the change in counts over at least
    /// [`RATE_SPAN_S`]; Flink's own (minute-averaged) ones at first and
    /// after the tasks restart.
    fn rates(
        &mut self,
        i: usize,
        (accepted, processed): (u64, u64),
        t_s: f64,
        flink: (f64, f64),
    ) -> (f64, f64) {
        let fresh = Counted {
            accepted,
            processed,
            t_s,
            rates: flink,
        };
        match self.counts[i] {
            Some(was) if accepted < was.accepted || processed < was.processed => {
                self.counts[i] = Some(fresh);
                flink
            }
            Some(was) if t_s - was.t_s >= RATE_SPAN_S => {
                let dt = t_s - was.t_s;
                let rates = (
                    (accepted - was.accepted) as f64 / dt,
                    (processed - was.processed) as f64 / dt,
                );
                self.counts[i] = Some(Counted { rates, ..fresh });
                rates
            }
            Some(was) => was.rates,
            None => {
                self.counts[i] = Some(fresh);
                flink
            }
        }
    }
}

fn index_of(sample: &JobSample, v: &VertexSample) -> usize {
    sample
        .vertices
        .iter()
        .position(|x| x.id == v.id)
        .unwrap_or(usize::MAX)
}

/// A latency Flink does not measure.
pub fn not_available() -> Latency {
    Latency {
        unavailable: true,
        ..Latency::default()
    }
}

fn empty_stage(name: String, workers: usize) -> StageSnapshot {
    StageSnapshot {
        name,
        workers: 0,
        workers_target: workers,
        queue_len: 0,
        queue_capacity: Some(QUEUE_PERCENT),
        queue_len_mean: f64::NAN,
        window: StageWindow::default(),
        queue_max: 0,
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
        service_ms: not_available(),
        wait_ms: not_available(),
        busy: 0.0,
        idle: 1.0,
        blocked: 0.0,
        backpressure: Backpressure::Ok,
        utilization_total: Utilization::default(),
        slowdown: 1.0,
        failures: Default::default(),
        watermark: None,
    }
}

#[cfg(test)]
#[path = "stages_tests.rs"]
mod tests;
