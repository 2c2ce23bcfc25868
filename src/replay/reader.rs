//! A series file read line by line: its header (or, for schema 1, a
//! default one), then one [`Moment`] per tick, rebuilt as the snapshot the
//! run produced and the events it logged (their words and sentences).
//! Errors name the file, line and column, and what to do.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::export::series::{SparseBuckets, dense};
use crate::metrics::{
    Backpressure, Latency, Percentiles, ProcessSnapshot, RunState, Snapshot, SourceSnapshot,
    StageSnapshot, Totals, Utilization,
};
use crate::model::{Origin, QueuePolicy, Rate};

/// Why a series file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SeriesError {
    /// The file cannot be opened or read.
    #[error("cannot read the series file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        source: std::io::Error,
    },
    /// A line is not a snapshot of a series.
    #[error(
        "{path}:{line}:{column}: not a pipetop series line ({message}); \
         write one with `pipetop run --series FILE.jsonl`"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The file holds no snapshot.
    #[error(
        "{path}: the series holds no snapshot; write one with `pipetop run --series FILE.jsonl`"
    )]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// What a series says about its run (schema 2's first line).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeriesHeader {
    /// The schema: 2, or 1 for a file without a first line.
    pub series: u32,
    /// The scenario's name.
    #[serde(default)]
    pub scenario: String,
    /// One line on what the run shows.
    #[serde(default)]
    pub description: String,
    /// What to watch and try.
    #[serde(default)]
    pub lesson: String,
    /// The run's seed.
    #[serde(default)]
    pub seed: u64,
    /// The sampling period, in milliseconds.
    #[serde(default)]
    pub tick_ms: f64,
    /// Seconds in the windowed percentiles.
    #[serde(default = "default_window")]
    pub window_secs: usize,
    /// Items one burst injects.
    #[serde(default)]
    pub burst_items: u64,
}

fn default_window() -> usize {
    crate::metrics::DEFAULT_WINDOW_SECS
}

impl SeriesHeader {
    /// True if the ticks carry their histograms (schema 2 on).
    pub fn has_histograms(&self) -> bool {
        self.series >= 2
    }
}

/// An event as the series recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Seconds since the start.
    pub t_s: f64,
    /// Who caused it.
    pub origin: Origin,
    /// The report's `kind` word.
    pub word: String,
    /// Its sentence.
    pub message: String,
    /// The timeline entry's narration, if it had one.
    pub note: Option<String>,
    /// The stage it concerns, if any.
    pub stage: Option<String>,
    /// The record's `count` (workers restarted, pool size…), if it has one.
    pub count: Option<u64>,
}

/// One tick of a recorded run.
#[derive(Debug, Clone)]
pub struct Moment {
    /// The snapshot (its `events` are empty: they are in `events`).
    pub snapshot: Arc<Snapshot>,
    /// The events logged at this tick.
    pub events: Vec<RecordedEvent>,
}

/// A series file, read one tick at a time.
pub struct SeriesReader {
    path: PathBuf,
    lines: Lines<BufReader<File>>,
    line_no: usize,
    /// What the series says about its run.
    pub header: SeriesHeader,
    /// The first tick's line of a schema 1 file (read to find there is no header).
    first_tick: Option<String>,
}

impl SeriesReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<Self, SeriesError> {
        let io = |source| SeriesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut lines = BufReader::new(file).lines();
        let first = lines
            .next()
            .transpose()
            .map_err(io)?
            .ok_or_else(|| SeriesError::Empty {
                path: path.to_path_buf(),
            })?;
        let mut reader = Self {
            path: path.to_path_buf(),
            lines,
            line_no: 1,
            header: SeriesHeader {
                series: 1,
                scenario: path
                    .file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
                description: String::new(),
                lesson: String::new(),
                seed: 0,
                tick_ms: 0.0,
                window_secs: default_window(),
                burst_items: 0,
            },
            first_tick: None,
        };
        let value: serde_json::Value =
            serde_json::from_str(&first).map_err(|e| reader.parse_error(&e))?;
        if value.get("series").is_some() {
            reader.header = serde_json::from_value(value).map_err(|e| reader.parse_error(&e))?;
        } else {
            reader.first_tick = Some(first);
        }
        Ok(reader)
    }

    fn parse_error(&self, e: &serde_json::Error) -> SeriesError {
        SeriesError::Parse {
            path: self.path.clone(),
            line: self.line_no,
            column: e.column().max(1),
            message: e.to_string(),
        }
    }

    /// The next tick, or `None` at the end of the file. A last line cut
    /// short (a run killed mid-write) ends the series rather than failing.
    pub fn next_moment(&mut self) -> Result<Option<Moment>, SeriesError> {
        let line = match self.first_tick.take() {
            Some(line) => line,
            None => {
                let Some(line) = self.lines.next() else {
                    return Ok(None);
                };
                self.line_no += 1;
                line.map_err(|source| SeriesError::Io {
                    path: self.path.clone(),
                    source,
                })?
            }
        };
        if line.trim().is_empty() {
            return self.next_moment();
        }
        let record: TickRecord = match serde_json::from_str(&line) {
            Ok(record) => record,
            Err(e) if e.is_eof() => return Ok(None),
            Err(e) => return Err(self.parse_error(&e)),
        };
        record
            .into_moment()
            .map(Some)
            .map_err(|message| SeriesError::Parse {
                path: self.path.clone(),
                line: self.line_no,
                column: 1,
                message,
            })
    }
}

#[derive(Deserialize)]
struct LatencyRecord {
    window: Percentiles,
    total: Percentiles,
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

#[derive(Deserialize)]
struct TickRecord {
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
    events: Vec<EventRecord>,
    #[serde(default)]
    hist: HistRecord,
}

fn latency(record: LatencyRecord, hist: Option<&SparseBuckets>) -> Latency {
    Latency {
        window: record.window,
        total: record.total,
        buckets: hist.map(dense).unwrap_or_default(),
    }
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
    fn into_moment(self) -> Result<Moment, String> {
        let hist = self.hist;
        let stages = self
            .stages
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let h = hist.stages.get(i);
                Ok(StageSnapshot {
                    policy: QueuePolicy::parse(&s.policy)
                        .ok_or_else(|| format!("unknown policy {:?}", s.policy))?,
                    name: s.name,
                    workers: s.workers,
                    workers_target: s.workers_target,
                    queue_len: s.queue_len,
                    queue_capacity: s.queue_capacity,
                    queue_max: s.queue_max,
                    in_service: s.in_service,
                    in_rate: s.in_rate,
                    out_rate: s.out_rate,
                    accepted: s.accepted,
                    processed: s.processed,
                    dropped: s.dropped,
                    retried: s.retried,
                    dead_lettered: s.dead_lettered,
                    restarts: s.restarts,
                    service_ms: latency(s.service_ms, h.and_then(|h| h.service.as_ref())),
                    wait_ms: latency(s.wait_ms, h.and_then(|h| h.wait.as_ref())),
                    busy: s.busy,
                    idle: s.idle,
                    blocked: s.blocked,
                    backpressure: s.backpressure,
                    utilization_total: s.utilization_total,
                    slowdown: s.slowdown,
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
            end_to_end_ms: latency(self.end_to_end_ms, hist.e2e.as_ref()),
            stages,
            bottleneck: self.bottleneck,
            bottleneck_reason: self.bottleneck_reason,
            process: self.process,
            events: Vec::new(),
        };
        Ok(Moment {
            snapshot: Arc::new(snapshot),
            events,
        })
    }
}
