//! What the history chart shows: which story (metric) and over what span.

use crate::history::{Metric, PipelineMetric, StageMetric};

/// The unit of a chart's values, for its y-axis labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds of latency.
    Millis,
    /// Items per second.
    PerSecond,
    /// Items.
    Items,
    /// A fraction of time, 0..=1.
    Fraction,
    /// Bytes of memory.
    Bytes,
    /// Percent of one core.
    CpuPercent,
}

/// The metric the history chart draws (`c` cycles them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartKind {
    /// The selected stage's queue depth against its capacity.
    #[default]
    Queue,
    /// The selected stage's items in and out per second.
    Rates,
    /// The selected stage's service time p50 and p99 over the window.
    Service,
    /// The selected stage's queue wait p50 and p99 over the window.
    Wait,
    /// End-to-end p50 and p99, with the source's lag.
    EndToEnd,
    /// The selected stage's busy and blocked fractions.
    Utilization,
    /// The selected stage's restarts, retries, dead letters and drops per second.
    Failures,
    /// The source rate: configured against admitted.
    Source,
    /// The process's resident memory.
    Memory,
    /// The process's CPU.
    Cpu,
}

impl ChartKind {
    /// The next metric in the cycle.
    pub fn next(self) -> Self {
        match self {
            Self::Queue => Self::Rates,
            Self::Rates => Self::Service,
            Self::Service => Self::Wait,
            Self::Wait => Self::EndToEnd,
            Self::EndToEnd => Self::Utilization,
            Self::Utilization => Self::Failures,
            Self::Failures => Self::Source,
            Self::Source => Self::Memory,
            Self::Memory => Self::Cpu,
            Self::Cpu => Self::Queue,
        }
    }

    /// The chart's title.
    pub fn label(self) -> &'static str {
        match self {
            Self::Queue => "queue depth",
            Self::Rates => "in/out per s",
            Self::Service => "service p50/p99",
            Self::Wait => "wait p50/p99",
            Self::EndToEnd => "end-to-end p50/p99 · source lag",
            Self::Utilization => "busy/blocked",
            Self::Failures => "restarts/retries/dead/drops per s",
            Self::Source => "source rate set/admitted",
            Self::Memory => "RSS",
            Self::Cpu => "CPU",
        }
    }

    /// True if the chart is about the selected stage (else the pipeline).
    pub fn of_stage(self) -> bool {
        match self {
            Self::Queue
            | Self::Rates
            | Self::Service
            | Self::Wait
            | Self::Utilization
            | Self::Failures => true,
            Self::EndToEnd | Self::Source | Self::Memory | Self::Cpu => false,
        }
    }

    /// The unit of its values.
    pub fn unit(self) -> Unit {
        match self {
            Self::Queue => Unit::Items,
            Self::Rates | Self::Failures | Self::Source => Unit::PerSecond,
            Self::Service | Self::Wait | Self::EndToEnd => Unit::Millis,
            Self::Utilization => Unit::Fraction,
            Self::Memory => Unit::Bytes,
            Self::Cpu => Unit::CpuPercent,
        }
    }

    /// The lines it draws for stage `stage`: each a metric and its legend name.
    /// A line named `cap` is a ceiling (the queue's capacity), drawn dim.
    pub fn lines(self, stage: usize) -> Vec<(Metric, &'static str)> {
        let s = |m| Metric::Stage(stage, m);
        let p = Metric::Pipeline;
        match self {
            Self::Queue => vec![
                (s(StageMetric::QueueLen), "depth"),
                (s(StageMetric::QueueCapacity), "cap"),
            ],
            Self::Rates => vec![
                (s(StageMetric::InRate), "in"),
                (s(StageMetric::OutRate), "out"),
            ],
            Self::Service => vec![
                (s(StageMetric::ServiceP50), "p50"),
                (s(StageMetric::ServiceP99), "p99"),
            ],
            Self::Wait => vec![
                (s(StageMetric::WaitP50), "p50"),
                (s(StageMetric::WaitP99), "p99"),
            ],
            Self::EndToEnd => vec![
                (p(PipelineMetric::EndToEndP50), "p50"),
                (p(PipelineMetric::EndToEndP99), "p99"),
                (p(PipelineMetric::SourceLag), "lag"),
            ],
            Self::Utilization => vec![
                (s(StageMetric::Busy), "busy"),
                (s(StageMetric::Blocked), "blocked"),
            ],
            Self::Failures => vec![
                (s(StageMetric::Restarts), "restarts"),
                (s(StageMetric::Retries), "retries"),
                (s(StageMetric::DeadLetters), "dead"),
                (s(StageMetric::Drops), "drops"),
            ],
            Self::Source => vec![
                (p(PipelineMetric::RateConfigured), "set"),
                (p(PipelineMetric::RateAdmitted), "admitted"),
            ],
            Self::Memory => vec![(p(PipelineMetric::Rss), "RSS")],
            Self::Cpu => vec![(p(PipelineMetric::Cpu), "CPU")],
        }
    }
}

/// How much time the chart spans (`z` cycles them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartSpan {
    /// The last minute.
    #[default]
    Minute,
    /// The last ten minutes.
    TenMinutes,
    /// The whole run.
    WholeRun,
}

impl ChartSpan {
    /// The next span in the cycle.
    pub fn next(self) -> Self {
        match self {
            Self::Minute => Self::TenMinutes,
            Self::TenMinutes => Self::WholeRun,
            Self::WholeRun => Self::Minute,
        }
    }

    /// Its length in seconds (`None`: the whole run).
    pub fn seconds(self) -> Option<f64> {
        match self {
            Self::Minute => Some(60.0),
            Self::TenMinutes => Some(600.0),
            Self::WholeRun => None,
        }
    }

    /// The name in the chart's title.
    pub fn label(self) -> &'static str {
        match self {
            Self::Minute => "1 min",
            Self::TenMinutes => "10 min",
            Self::WholeRun => "whole run",
        }
    }
}
