//! A series line as JSON: the records serde reads, and how a tick's
//! record becomes the snapshot (with its histograms) and the events it was.
//! A schema 3 tick carries what it added to each histogram
//! (`hist_delta`); [`Windows`] sums those into the windowed buckets the run
//! drew. A schema 2 tick carries those buckets whole (`hist`).

use std::sync::Arc;

use serde::Deserialize;

use crate::export::series::{AddedPiece, SparseBuckets, dense};
use crate::metrics::{
    AddedBuckets, Backpressure, Bucket, BucketWindow, Latency, Percentiles, ProcessSnapshot,
    RunState, Snapshot, SourceSnapshot, StageSnapshot, StageWindow, Totals, Utilization,
};
use crate::model::{Origin, QueuePolicy, Rate};

use super::reader::{Moment, RecordedEvent};

#[derive(Deserialize)]
struct LatencyRecord {
    window: Percentiles,
    total: Percentiles,
    /// A producer that cannot measure it (a Flink job) says so.
    #[serde(default)]
    unavailable: bool,
}

#[derive(Deserialize)]
struct SourceRecord {
    rate: serde_json::Value,
    paused: bool,
    source_pending: u64,
    source_lag_ms: f64,
    out_rate: f64,
    blocked: f64,
    backpressure: Backpressure,
}

#[derive(Deserialize)]
struct StageRecord {
    name: String,
    workers: usize,
    workers_target: usize,
    queue_len: usize,
    queue_capacity: Option<usize>,
    queue_max: usize,
    /// Series before Little's law per stage (round 2) had none.
    #[serde(default)]
    queue_len_mean: f64,
    #[serde(default)]
    window: StageWindow,
    policy: String,
    in_service: u64,
    in_rate: f64,
    out_rate: f64,
    accepted: u64,
    processed: u64,
    dropped: u64,
    retried: u64,
    dead_lettered: u64,
    restarts: u64,
    service_ms: LatencyRecord,
    wait_ms: LatencyRecord,
    busy: f64,
    idle: f64,
    blocked: f64,
    backpressure: Backpressure,
    utilization_total: Utilization,
    slowdown: f64,
}

#[derive(Deserialize)]
struct EventRecord {
    t_s: f64,
    origin: String,
    kind: String,
    message: String,
    note: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    items: Option<u64>,
}

#[derive(Deserialize, Default)]
struct StageHistRecord {
    service: Option<SparseBuckets>,
    wait: Option<SparseBuckets>,
}

#[derive(Deserialize, Default)]
struct HistRecord {
    e2e: Option<SparseBuckets>,
    #[serde(default)]
    stages: Vec<StageHistRecord>,
}

#[derive(Deserialize, Default)]
struct StageDeltaRecord {
    #[serde(default)]
    service: Vec<AddedPiece>,
    #[serde(default)]
    wait: Vec<AddedPiece>,
}

#[derive(Deserialize, Default)]
struct DeltaRecord {
    #[serde(default)]
    e2e: Vec<AddedPiece>,
    #[serde(default)]
    stages: Vec<StageDeltaRecord>,
}

/// The windowed histograms of a schema 3 series, rebuilt tick by tick
/// from the deltas read so far.
#[derive(Debug)]
pub(super) struct Windows {
    window_secs: usize,
    e2e: BucketWindow,
    /// Service and wait per stage.
    stages: Vec<[BucketWindow; 2]>,
}

/// The buckets of one tick's windows: end-to-end, then service and wait per stage.
type TickBuckets = (Vec<Bucket>, Vec<[Vec<Bucket>; 2]>);

impl Windows {
    /// Windows of `window_secs` seconds, as the run's.
    pub(super) fn new(window_secs: usize) -> Self {
        Self {
            window_secs,
            e2e: BucketWindow::new(window_secs),
            stages: Vec::new(),
        }
    }

    /// Adds one tick's deltas; the buckets of its windows, which end with
    /// second `now_second`.
    fn advance(&mut self, delta: DeltaRecord, now_second: u64) -> TickBuckets {
        let pieces = |pieces: Vec<AddedPiece>| {
            pieces
                .into_iter()
                .map(|(second, first, counts)| AddedBuckets {
                    second,
                    first,
                    counts,
                })
        };
        self.e2e.add(pieces(delta.e2e));
        let mut deltas = delta.stages.into_iter();
        let window_secs = self.window_secs;
        let stage_count = self.stages.len().max(deltas.len());
        self.stages.resize_with(stage_count, || {
            [(); 2].map(|()| BucketWindow::new(window_secs))
        });
        let stages = self
            .stages
            .iter_mut()
            .map(|[service, wait]| {
                let delta = deltas.next().unwrap_or_default();
                service.add(pieces(delta.service));
                wait.add(pieces(delta.wait));
                [service.buckets(now_second), wait.buckets(now_second)]
            })
            .collect();
        (self.e2e.buckets(now_second), stages)
    }
}

#[derive(Deserialize)]
pub(super) struct TickRecord {
    tick: u64,
    t_s: f64,
    state: RunState,
    source: SourceRecord,
    totals: Totals,
    checkpoint: u64,
    end_to_end_ms: LatencyRecord,
    stages: Vec<StageRecord>,
    bottleneck: Option<usize>,
    bottleneck_reason: Option<String>,
    process: ProcessSnapshot,
    #[serde(default)]
    drain_left_s: Option<f64>,
    events: Vec<EventRecord>,
    /// Schema 2: the windowed histograms whole.
    #[serde(default)]
    hist: HistRecord,
    /// Schema 3: what the tick added to each histogram.
    #[serde(default)]
    hist_delta: Option<DeltaRecord>,
}

fn latency(record: LatencyRecord, buckets: Vec<Bucket>) -> Latency {
    Latency {
        window: record.window,
        total: record.total,
        buckets,
        recorded: Default::default(),
        added: Vec::new(),
        unavailable: record.unavailable,
    }
}

fn buckets(hist: Option<&SparseBuckets>) -> Vec<Bucket> {
    hist.map(dense).unwrap_or_default()
}

fn rate(value: &serde_json::Value) -> Result<Rate, String> {
    match value {
        serde_json::Value::Number(n) => n
            .as_f64()
            .map(Rate::PerSecond)
            .ok_or_else(|| format!("rate {n} is not a number")),
        serde_json::Value::String(s) if s == "max" => Ok(Rate::Max),
        other => Err(format!("rate {other} is neither a number nor \"max\"")),
    }
}

fn origin(word: &str) -> Origin {
    match word {
        "operator" => Origin::Operator,
        "timeline" => Origin::Timeline,
        _ => Origin::Engine,
    }
}

impl TickRecord {
    /// The moment this tick was; a schema 3 tick's histograms come from
    /// `windows`, which it advances (the window ends with the tick's second).
    pub(super) fn into_moment(self, windows: &mut Windows) -> Result<Moment, String> {
        let (e2e_buckets, mut stage_buckets) = match self.hist_delta {
            Some(delta) => windows.advance(delta, self.t_s.max(0.0).floor() as u64),
            None => (
                buckets(self.hist.e2e.as_ref()),
                self.hist
                    .stages
                    .iter()
                    .map(|h| [buckets(h.service.as_ref()), buckets(h.wait.as_ref())])
                    .collect(),
            ),
        };
        let stages = self
            .stages
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let [service, wait] = stage_buckets
                    .get_mut(i)
                    .map(std::mem::take)
                    .unwrap_or_default();
                Ok(StageSnapshot {
                    policy: QueuePolicy::parse(&s.policy)
                        .ok_or_else(|| format!("unknown policy {:?}", s.policy))?,
                    name: s.name,
                    workers: s.workers,
                    workers_target: s.workers_target,
                    queue_len: s.queue_len,
                    queue_capacity: s.queue_capacity,
                    queue_max: s.queue_max,
                    queue_len_mean: s.queue_len_mean,
                    window: s.window,
                    in_service: s.in_service,
                    in_rate: s.in_rate,
                    out_rate: s.out_rate,
                    accepted: s.accepted,
                    processed: s.processed,
                    dropped: s.dropped,
                    retried: s.retried,
                    dead_lettered: s.dead_lettered,
                    restarts: s.restarts,
                    service_ms: latency(s.service_ms, service),
                    wait_ms: latency(s.wait_ms, wait),
                    busy: s.busy,
                    idle: s.idle,
                    blocked: s.blocked,
                    backpressure: s.backpressure,
                    utilization_total: s.utilization_total,
                    slowdown: s.slowdown,
                    watermark: None,
                    failures: Default::default(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let events = self
            .events
            .into_iter()
            .map(|e| RecordedEvent {
                t_s: e.t_s,
                origin: origin(&e.origin),
                word: e.kind,
                message: e.message,
                note: e.note,
                stage: e.stage,
                count: e.count,
                items: e.items,
            })
            .collect();
        let snapshot = Snapshot {
            tick: self.tick,
            t_s: self.t_s,
            state: self.state,
            source: SourceSnapshot {
                rate: rate(&self.source.rate)?,
                paused: self.source.paused,
                source_pending: self.source.source_pending,
                source_lag_ms: self.source.source_lag_ms,
                out_rate: self.source.out_rate,
                blocked: self.source.blocked,
                backpressure: self.source.backpressure,
            },
            totals: self.totals,
            checkpoint: self.checkpoint,
            checkpoints: None,
            end_to_end_ms: latency(self.end_to_end_ms, e2e_buckets),
            stages,
            bottleneck: self.bottleneck,
            bottleneck_reason: self.bottleneck_reason,
            process: self.process,
            drain_left_s: self.drain_left_s,
            events: Vec::new(),
        };
        Ok(Moment {
            snapshot: Arc::new(snapshot),
            events,
        })
    }
}
