//! One recorded run in a few numbers, for `pipetop compare`: its length,
//! totals and end-to-end latency, per stage what it did over the run, how
//! often each stage was the bottleneck, and its events.

use std::path::Path;

use crate::metrics::{Percentiles, Snapshot, Totals};
use crate::model::QueuePolicy;

use super::reader::{Moment, RecordedEvent, SeriesError, SeriesReader};

/// A stage over a whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSummary {
    /// The stage's name.
    pub name: String,
    /// The largest pool the stage had (at the end of a run every pool has
    /// been joined, so the end says nothing).
    pub workers: usize,
    /// The queue's bound, `None` when unbounded.
    pub queue_capacity: Option<usize>,
    /// The policy at the end.
    pub policy: QueuePolicy,
    /// Items finished.
    pub processed: u64,
    /// The longest the queue was.
    pub queue_max: usize,
    /// Service time over the run.
    pub service_ms: Percentiles,
    /// Queue wait over the run.
    pub wait_ms: Percentiles,
    /// Fraction of worker time busy over the run.
    pub busy: f64,
    /// Fraction of worker time blocked downstream over the run.
    pub blocked: f64,
    /// Items dropped by the queue's policy.
    pub dropped: u64,
    /// Attempts retried.
    pub retried: u64,
    /// Items dead-lettered.
    pub dead_lettered: u64,
    /// Workers restarted.
    pub restarts: u64,
    /// Ticks this stage was the bottleneck.
    pub bottleneck_ticks: u64,
}

/// A whole recorded run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The scenario's name.
    pub name: String,
    /// The series file.
    pub path: String,
    /// Seconds from the first tick to the last.
    pub duration_s: f64,
    /// Ticks read.
    pub ticks: u64,
    /// The conservation counters at the end.
    pub totals: Totals,
    /// End-to-end latency over the run.
    pub end_to_end_ms: Percentiles,
    /// Every stage.
    pub stages: Vec<StageSummary>,
    /// Every event logged.
    pub events: Vec<RecordedEvent>,
}

/// Builds a [`RunSummary`] one moment at a time.
#[derive(Debug, Default)]
pub struct SummaryBuilder {
    last: Option<std::sync::Arc<Snapshot>>,
    events: Vec<RecordedEvent>,
    ticks: u64,
    bottleneck: Vec<u64>,
    workers: Vec<usize>,
}

impl SummaryBuilder {
    /// Takes in one moment.
    pub fn push(&mut self, moment: &Moment) {
        self.ticks += 1;
        let s = &moment.snapshot;
        self.bottleneck
            .resize(s.stages.len().max(self.bottleneck.len()), 0);
        if let Some(b) = s.bottleneck.filter(|&b| b < self.bottleneck.len()) {
            self.bottleneck[b] += 1;
        }
        self.workers
            .resize(s.stages.len().max(self.workers.len()), 0);
        for (peak, stage) in self.workers.iter_mut().zip(&s.stages) {
            *peak = (*peak).max(stage.workers.max(stage.workers_target));
        }
        self.events.extend(moment.events.iter().cloned());
        self.last = Some(std::sync::Arc::clone(&moment.snapshot));
    }

    /// The summary, or `None` if no moment came.
    pub fn finish(self, name: &str, path: &str) -> Option<RunSummary> {
        let last = self.last?;
        let bottleneck = self.bottleneck;
        let workers = self.workers;
        Some(RunSummary {
            name: name.to_string(),
            path: path.to_string(),
            duration_s: last.t_s,
            ticks: self.ticks,
            totals: last.totals,
            end_to_end_ms: last.end_to_end_ms.total,
            stages: last
                .stages
                .iter()
                .enumerate()
                .map(|(i, s)| StageSummary {
                    name: s.name.clone(),
                    workers: workers.get(i).copied().unwrap_or(s.workers),
                    queue_capacity: s.queue_capacity,
                    policy: s.policy,
                    processed: s.processed,
                    queue_max: s.queue_max,
                    service_ms: s.service_ms.total,
                    wait_ms: s.wait_ms.total,
                    busy: s.utilization_total.busy,
                    blocked: s.utilization_total.blocked,
                    dropped: s.dropped,
                    retried: s.retried,
                    dead_lettered: s.dead_lettered,
                    restarts: s.restarts,
                    bottleneck_ticks: bottleneck.get(i).copied().unwrap_or(0),
                })
                .collect(),
            events: self.events,
        })
    }
}

impl RunSummary {
    /// Reads a whole series file.
    pub fn read(path: &Path) -> Result<Self, SeriesError> {
        let mut reader = SeriesReader::open(path)?;
        let mut builder = SummaryBuilder::default();
        while let Some(moment) = reader.next_moment()? {
            builder.push(&moment);
        }
        builder
            .finish(&reader.header.scenario, &path.display().to_string())
            .ok_or_else(|| SeriesError::Empty {
                path: path.to_path_buf(),
            })
    }

    /// The stage that was the bottleneck most often, with its share of the ticks.
    pub fn main_bottleneck(&self) -> Option<(&str, f64)> {
        self.stages
            .iter()
            .filter(|s| s.bottleneck_ticks > 0)
            .max_by_key(|s| s.bottleneck_ticks)
            .map(|s| {
                (
                    s.name.as_str(),
                    s.bottleneck_ticks as f64 / self.ticks.max(1) as f64,
                )
            })
    }
}
