//! The immutable picture of the pipeline at one tick. Everything downstream of
//! the engine (dashboard, headless output, exporters) reads only these.

use serde::{Deserialize, Serialize};

use super::bucket_window::AddedBuckets;
use super::latency::LatencyCounts;
use super::stream_time::{CheckpointStats, Watermark};

use crate::model::{Event, FailureView, QueuePolicy, Rate};

/// Where the run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// The source is producing and workers are processing.
    Running,
    /// The source is paused; the stages keep working through what is queued.
    Paused,
    /// The source has stopped; queues are emptying.
    Draining,
    /// Drained and joined: nothing in flight.
    Done,
    /// Ended at once; what was in flight is reported.
    Aborted,
}

impl RunState {
    /// The lowercase name, as in the JSON output (`"running"`, `"done"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Draining => "draining",
            Self::Done => "done",
            Self::Aborted => "aborted",
        }
    }

    /// True once no more snapshots will follow.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Aborted)
    }
}

/// Flink's backpressure label for a stage, from its `blocked` fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Backpressure {
    /// blocked ≤ 10%
    Ok,
    /// blocked ≤ 50%
    Low,
    /// blocked > 50%
    High,
}

impl Backpressure {
    /// The label for a blocked fraction in 0..=1.
    pub fn from_blocked(blocked: f64) -> Self {
        if blocked <= 0.10 {
            Self::Ok
        } else if blocked <= 0.50 {
            Self::Low
        } else {
            Self::High
        }
    }

    /// The uppercase label shown in the dashboard and reports (`"OK"`, `"LOW"`, `"HIGH"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Low => "LOW",
            Self::High => "HIGH",
        }
    }
}

/// Summary statistics of a latency histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Number of samples recorded.
    pub count: u64,
    /// Median, in milliseconds.
    pub p50: f64,
    /// 90th percentile, in milliseconds.
    pub p90: f64,
    /// 99th percentile, in milliseconds.
    pub p99: f64,
    /// 99.9th percentile, in milliseconds.
    pub p999: f64,
    /// Largest sample, in milliseconds.
    pub max: f64,
    /// Arithmetic mean, in milliseconds.
    pub mean: f64,
    /// Samples above the histogram's ceiling, recorded at the ceiling.
    pub outliers: u64,
}

/// One log-spaced bucket of a latency distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bucket {
    /// Upper bound of the bucket in milliseconds (inclusive).
    pub le_ms: f64,
    /// Samples that fell in this bucket.
    pub count: u64,
}

/// A latency metric: the recent window and the whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Over the last few seconds (the window ring).
    pub window: Percentiles,
    /// Since the start.
    pub total: Percentiles,
    /// The windowed distribution over log-spaced buckets, for drawing.
    #[serde(skip)]
    pub buckets: Vec<Bucket>,
    /// The latencies recorded since the previous snapshot, at full
    /// resolution: what the exporters accumulate (Prometheus histograms)
    /// or write per interval (`--hlog`). Empty from a producer without
    /// histograms.
    #[serde(skip)]
    pub recorded: LatencyCounts,
    /// The same latencies over the drawn buckets, one piece per second of
    /// the window they were filed under: what a series writes per tick, so
    /// a replay rebuilds `buckets` ([`BucketWindow`](super::BucketWindow)).
    #[serde(skip)]
    pub added: Vec<AddedBuckets>,
    /// True when the producer cannot measure this latency at all (a watched
    /// Flink job has no per-item latency): "not available", not zero.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unavailable: bool,
}

/// The source's side of the picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSnapshot {
    /// The arrival rate the source is set to.
    pub rate: Rate,
    /// True while the source is paused.
    pub paused: bool,
    /// Items due from the arrival process but not yet admitted into the first queue.
    pub source_pending: u64,
    /// How late the oldest pending item is, in milliseconds.
    pub source_lag_ms: f64,
    /// Items per second admitted over the last tick.
    pub out_rate: f64,
    /// Fraction of the last tick the source spent blocked on the first queue.
    pub blocked: f64,
    /// The backpressure label for `blocked`.
    pub backpressure: Backpressure,
}

/// The pipeline-wide conservation counters.
/// `generated = completed + dropped + dead_lettered + in_flight` at every snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Items the source has produced since the start.
    pub generated: u64,
    /// Items that left the last stage finished since the start.
    pub completed: u64,
    /// Items dropped by a full queue's policy, summed over all stages.
    pub dropped: u64,
    /// Items that failed every retry, summed over all stages.
    pub dead_lettered: u64,
    /// Items generated but not yet completed, dropped or dead-lettered.
    pub in_flight: u64,
    /// Arrivals that were due when the source stopped and were never
    /// admitted (0 until it stops). They were never generated, so they are
    /// outside the law above: items due = generated + unadmitted.
    #[serde(default)]
    pub unadmitted: u64,
}

/// CPU and memory of this process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessSnapshot {
    /// Percent of one core (200 = two cores busy).
    pub cpu_percent: f64,
    /// Resident set size, in bytes.
    pub rss_bytes: u64,
    /// How long the producer's previous tick took to sample the pipeline, ms:
    /// pipetop's own overhead per tick.
    #[serde(default)]
    pub tick_ms: f64,
}

/// Fractions of worker time spent busy, idle and blocked; they sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Fraction of worker time spent processing an item.
    pub busy: f64,
    /// Fraction of worker time spent waiting for input.
    pub idle: f64,
    /// Fraction of worker time spent blocked handing an item downstream.
    pub blocked: f64,
}

impl Default for Utilization {
    fn default() -> Self {
        Self {
            busy: 0.0,
            idle: 1.0,
            blocked: 0.0,
        }
    }
}

/// A stage's rates and mean queue length over the latency window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct StageWindow {
    /// How many seconds the window covers now (less at the start of a run).
    pub seconds: f64,
    /// λ: items per second admitted into the queue over the window.
    pub in_rate: f64,
    /// Items per second the stage finished over the window.
    pub out_rate: f64,
    /// Items per second dropped at the queue over the window.
    pub drop_rate: f64,
    /// The queue's time-averaged length over the window.
    pub queue_len_mean: f64,
}

/// One stage at one tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageSnapshot {
    /// The stage's name, from its spec.
    pub name: String,
    /// Workers alive now.
    pub workers: usize,
    /// Pool size requested; `workers` converges to it.
    pub workers_target: usize,
    /// Items waiting in the input queue now.
    pub queue_len: usize,
    /// `None` for an unbounded queue.
    pub queue_capacity: Option<usize>,
    /// Highest queue length seen since the start (sampled each tick; a queue
    /// that filled up between ticks counts as full).
    pub queue_max: usize,
    /// The queue's length averaged over time since the start, integrated
    /// at every admission and departure (not sampled): Little's law's L.
    pub queue_len_mean: f64,
    /// Arrivals and queue length over the latency window (the seconds the
    /// windowed percentiles cover), for theory that must not jump by tick.
    pub window: StageWindow,
    /// What the input queue does when it is full.
    pub policy: QueuePolicy,
    /// Items in workers' hands (taken from the queue, not yet passed on).
    pub in_service: u64,
    /// Items per second accepted into the input queue over the last tick.
    pub in_rate: f64,
    /// Items per second this stage finished over the last tick.
    pub out_rate: f64,
    /// Items accepted into the input queue since the start.
    pub accepted: u64,
    /// Items this stage finished and passed on since the start.
    pub processed: u64,
    /// Items dropped or evicted by the input queue's policy since the start.
    pub dropped: u64,
    /// Failed attempts that were retried, since the start.
    pub retried: u64,
    /// Items that failed every retry and went to the dead-letter list, since the start.
    pub dead_lettered: u64,
    /// Workers restarted after a panic (a `panic` failure or a `crash`), since
    /// the start.
    pub restarts: u64,
    /// Time a worker spends on one attempt at one item, in milliseconds.
    pub service_ms: Latency,
    /// Time an item waited in the input queue, in milliseconds.
    pub wait_ms: Latency,
    /// Fraction of worker time processing over the last tick.
    pub busy: f64,
    /// Fraction of worker time waiting for input over the last tick.
    pub idle: f64,
    /// Fraction of worker time blocked handing items downstream over the last tick.
    pub blocked: f64,
    /// The backpressure label for `blocked`.
    pub backpressure: Backpressure,
    /// busy / idle / blocked since the start (the fields above are the last tick).
    pub utilization_total: Utilization,
    /// Service-time multiplier from `slowdown` (1.0 = normal).
    pub slowdown: f64,
    /// The stage's event-time watermark and its lag, where the producer has
    /// one (a Flink job that assigns watermarks); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Watermark>,
    /// The last dead letters and failed attempts, with their causes.
    #[serde(skip)]
    pub failures: FailureView,
}

impl StageSnapshot {
    /// Queue occupancy in 0..=1; 0 for an unbounded queue.
    pub fn occupancy(&self) -> f64 {
        match self.queue_capacity {
            Some(cap) if cap > 0 => self.queue_len as f64 / cap as f64,
            _ => 0.0,
        }
    }
}

/// The whole pipeline at one tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Tick number, from 0.
    pub tick: u64,
    /// Seconds since the start.
    pub t_s: f64,
    /// Where the run is in its life.
    pub state: RunState,
    /// The source's rate, backlog and backpressure.
    pub source: SourceSnapshot,
    /// The conservation counters.
    pub totals: Totals,
    /// Every id below this is finished (completed, dropped or dead-lettered).
    pub checkpoint: u64,
    /// A stream processor's checkpoint statistics (a Flink job's); absent
    /// for the in-process producers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoints: Option<CheckpointStats>,
    /// End-to-end latency in milliseconds, from when the arrival process
    /// scheduled an item to when it left the last stage.
    pub end_to_end_ms: Latency,
    /// Every stage, in pipeline order.
    pub stages: Vec<StageSnapshot>,
    /// Index of the stage that limits the pipeline now: the cause of
    /// backpressure, or else a saturated stage (see README, "bottleneck").
    pub bottleneck: Option<usize>,
    /// Why that stage is the bottleneck, in one line.
    pub bottleneck_reason: Option<String>,
    /// CPU and memory of this process.
    pub process: ProcessSnapshot,
    /// While draining: seconds left before `--drain-timeout` cuts it short.
    pub drain_left_s: Option<f64>,
    /// Events since the previous snapshot.
    pub events: Vec<Event>,
}

#[cfg(test)]
impl Snapshot {
    /// A running snapshot at `tick`, `t_s` seconds in, of a source at
    /// `rate` items/s with nothing else in it: what unit tests start from.
    pub fn quiet(tick: u64, t_s: f64, rate: f64) -> Self {
        Self {
            tick,
            t_s,
            state: RunState::Running,
            source: SourceSnapshot {
                rate: crate::model::Rate::PerSecond(rate),
                paused: false,
                source_pending: 0,
                source_lag_ms: 0.0,
                out_rate: 0.0,
                blocked: 0.0,
                backpressure: Backpressure::Ok,
            },
            totals: Totals::default(),
            checkpoint: 0,
            checkpoints: None,
            end_to_end_ms: Latency::default(),
            stages: Vec::new(),
            bottleneck: None,
            bottleneck_reason: None,
            process: ProcessSnapshot::default(),
            drain_left_s: None,
            events: Vec::new(),
        }
    }
}
