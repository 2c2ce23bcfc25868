//! The numbers the history keeps of every tick: typed metrics of the
//! pipeline and of each stage, read out of a snapshot (counters become
//! per-second rates against the snapshot before), with their units.

use crate::metrics::Snapshot;

/// A pipeline-wide number kept for every tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineMetric {
    /// End-to-end latency p50 over the window, ms.
    EndToEndP50,
    /// End-to-end latency p99 over the window, ms.
    EndToEndP99,
    /// How late the oldest item due from the source is, ms.
    SourceLag,
    /// The source rate as configured, items/s (missing at "max").
    RateConfigured,
    /// Items/s admitted into the first queue.
    RateAdmitted,
    /// The process's resident memory, bytes.
    Rss,
    /// The process's CPU, percent of one core.
    Cpu,
    /// Items generated and not yet finished.
    InFlight,
}

impl PipelineMetric {
    /// Every pipeline metric, in storage order.
    pub const ALL: [Self; 8] = [
        Self::EndToEndP50,
        Self::EndToEndP99,
        Self::SourceLag,
        Self::RateConfigured,
        Self::RateAdmitted,
        Self::Rss,
        Self::Cpu,
        Self::InFlight,
    ];

    fn read(self, s: &Snapshot) -> f64 {
        match self {
            Self::EndToEndP50 => s.end_to_end_ms.window.p50,
            Self::EndToEndP99 => s.end_to_end_ms.window.p99,
            Self::SourceLag => s.source.source_lag_ms,
            Self::RateConfigured => s.source.rate.per_second().unwrap_or(f64::NAN),
            Self::RateAdmitted => s.source.out_rate,
            Self::Rss => s.process.rss_bytes as f64,
            Self::Cpu => s.process.cpu_percent,
            Self::InFlight => s.totals.in_flight as f64,
        }
    }
}

/// A per-stage number kept for every tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageMetric {
    /// Items waiting in the input queue.
    QueueLen,
    /// The queue's bound (missing when unbounded).
    QueueCapacity,
    /// Items/s accepted into the queue.
    InRate,
    /// Items/s finished.
    OutRate,
    /// Fraction of worker time busy.
    Busy,
    /// Fraction of worker time blocked downstream.
    Blocked,
    /// Service time p50 over the window, ms.
    ServiceP50,
    /// Service time p99 over the window, ms.
    ServiceP99,
    /// Queue wait p50 over the window, ms.
    WaitP50,
    /// Queue wait p99 over the window, ms.
    WaitP99,
    /// Worker restarts per second.
    Restarts,
    /// Retried attempts per second.
    Retries,
    /// Dead letters per second.
    DeadLetters,
    /// Items dropped by the queue's policy per second.
    Drops,
}

impl StageMetric {
    /// Every stage metric, in storage order.
    pub const ALL: [Self; 14] = [
        Self::QueueLen,
        Self::QueueCapacity,
        Self::InRate,
        Self::OutRate,
        Self::Busy,
        Self::Blocked,
        Self::ServiceP50,
        Self::ServiceP99,
        Self::WaitP50,
        Self::WaitP99,
        Self::Restarts,
        Self::Retries,
        Self::DeadLetters,
        Self::Drops,
    ];

    fn read(self, stage: usize, s: &Snapshot, before: Option<&Snapshot>) -> f64 {
        let Some(st) = s.stages.get(stage) else {
            return f64::NAN;
        };
        // A counter as a rate over the time since the snapshot before.
        let per_second = |count: fn(&crate::metrics::StageSnapshot) -> u64| {
            let Some((b, dt)) = before
                .and_then(|b| b.stages.get(stage).map(|bs| (bs, s.t_s - b.t_s)))
                .filter(|&(_, dt)| dt > 0.0)
            else {
                return 0.0;
            };
            count(st).saturating_sub(count(b)) as f64 / dt
        };
        match self {
            Self::QueueLen => st.queue_len as f64,
            Self::QueueCapacity => st.queue_capacity.map_or(f64::NAN, |c| c as f64),
            Self::InRate => st.in_rate,
            Self::OutRate => st.out_rate,
            Self::Busy => st.busy,
            Self::Blocked => st.blocked,
            Self::ServiceP50 => st.service_ms.window.p50,
            Self::ServiceP99 => st.service_ms.window.p99,
            Self::WaitP50 => st.wait_ms.window.p50,
            Self::WaitP99 => st.wait_ms.window.p99,
            Self::Restarts => per_second(|s| s.restarts),
            Self::Retries => per_second(|s| s.retried),
            Self::DeadLetters => per_second(|s| s.dead_lettered),
            Self::Drops => per_second(|s| s.dropped),
        }
    }
}

/// One kept number: of the pipeline, or of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// A pipeline-wide number.
    Pipeline(PipelineMetric),
    /// A number of the stage at this index.
    Stage(usize, StageMetric),
}

impl Metric {
    /// Its column in a row of `stages` stages' values.
    pub fn column(self) -> usize {
        match self {
            Self::Pipeline(m) => PipelineMetric::ALL
                .iter()
                .position(|&x| x == m)
                .unwrap_or(0),
            Self::Stage(stage, m) => {
                PipelineMetric::ALL.len()
                    + stage * StageMetric::ALL.len()
                    + StageMetric::ALL.iter().position(|&x| x == m).unwrap_or(0)
            }
        }
    }
}

/// Values per row for a pipeline of `stages` stages.
pub fn row_width(stages: usize) -> usize {
    PipelineMetric::ALL.len() + stages * StageMetric::ALL.len()
}

/// Every kept number of `s`, in column order (`before` is the snapshot
/// before it, for the per-second rates of counters). Missing is NaN.
pub fn read_row(s: &Snapshot, before: Option<&Snapshot>, stages: usize) -> Box<[f32]> {
    let mut row = Vec::with_capacity(row_width(stages));
    row.extend(PipelineMetric::ALL.iter().map(|m| m.read(s) as f32));
    for stage in 0..stages {
        row.extend(
            StageMetric::ALL
                .iter()
                .map(|m| m.read(stage, s, before) as f32),
        );
    }
    row.into_boxed_slice()
}
