//! The plain-data description of a simulated pipeline: source, stages, service
//! models and queue policies. The scenario parser produces it; the engine runs it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

/// The seed of a pipeline that names none (a scenario or a library one).
pub const DEFAULT_SEED: u64 = 1;

/// How fast the source emits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Rate {
    /// Items per second.
    PerSecond(f64),
    /// As fast as the pipeline will take them (serialized as the string "max").
    #[serde(serialize_with = "serialize_max")]
    Max,
}

fn serialize_max<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("max")
}

impl Rate {
    /// Items per second, or `None` for `max`.
    pub fn per_second(self) -> Option<f64> {
        match self {
            Rate::PerSecond(r) => Some(r),
            Rate::Max => None,
        }
    }

    /// Whether arrivals can be paced at this rate: `max`, or a finite
    /// number of items per second above 0.
    pub fn is_paceable(self) -> bool {
        self.per_second()
            .is_none_or(|r| r.is_finite() && r >= super::limits::MIN_RATE)
    }
}

/// Reads `"max"` or a number of items per second (at least
/// [`MIN_RATE`](super::limits::MIN_RATE)): the form a command-line option
/// such as an example's `--rate` takes. 0 is refused: a source that never
/// sends keeps the run from ever ending.
impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "max" {
            return Ok(Rate::Max);
        }
        match text.parse::<f64>() {
            Ok(r) if r.is_finite() && r >= super::limits::MIN_RATE => Ok(Rate::PerSecond(r)),
            Ok(0.0) => Err(
                "a rate of 0 sends nothing and never ends: give items per second, or \"max\" \
                 (to stop the source, pause it or give a --duration)"
                    .to_string(),
            ),
            _ => Err(format!(
                "`{text}` is not a rate: give items per second (at least {}) or \"max\"",
                super::limits::MIN_RATE
            )),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rate::PerSecond(r) => write!(f, "{r}/s"),
            Rate::Max => f.write_str("max"),
        }
    }
}

/// The spacing of arrivals at a given rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrivals {
    /// Exponential gaps: a Poisson process.
    Poisson,
    /// Evenly spaced.
    Uniform,
}

/// What a full bounded queue does with a new item. Named by effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueuePolicy {
    /// The producer waits: backpressure.
    Block,
    /// The new item is dropped.
    DropNewest,
    /// The oldest queued item is dropped to make room.
    DropOldest,
}

impl QueuePolicy {
    /// All policies, in the order the TUI cycles them.
    pub const ALL: [QueuePolicy; 3] = [Self::Block, Self::DropNewest, Self::DropOldest];

    /// The scenario word for this policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::DropNewest => "drop-newest",
            Self::DropOldest => "drop-oldest",
        }
    }

    /// Parses the scenario word.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == word)
    }

    /// The next policy in the cycle `block → drop-newest → drop-oldest → block`.
    pub fn next(self) -> Self {
        match self {
            Self::Block => Self::DropNewest,
            Self::DropNewest => Self::DropOldest,
            Self::DropOldest => Self::Block,
        }
    }
}

impl fmt::Display for QueuePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage's input queue bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueCapacity {
    /// At most this many items wait in the queue.
    Bounded(usize),
    /// Only for demonstrating why bounded queues matter.
    Unbounded,
}

impl QueueCapacity {
    /// The bound, or `None` when unbounded.
    pub fn bound(self) -> Option<usize> {
        match self {
            Self::Bounded(n) => Some(n),
            Self::Unbounded => None,
        }
    }
}

/// The distribution of the time one attempt at one item takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceDist {
    /// Every attempt takes exactly `mean`.
    Fixed {
        /// The service time of every attempt.
        mean: Duration,
    },
    /// Evenly spread between `min` and `max`.
    Uniform {
        /// The shortest service time.
        min: Duration,
        /// The longest service time.
        max: Duration,
    },
    /// Exponential: memoryless, as in an M/M/c queue.
    Exp {
        /// The mean service time.
        mean: Duration,
    },
    /// Normal, with negative samples taken as zero.
    Normal {
        /// The mean service time.
        mean: Duration,
        /// The standard deviation of the service time.
        stddev: Duration,
    },
    /// Log-normal with this mean and standard deviation: a long right tail.
    LogNormal {
        /// The mean service time.
        mean: Duration,
        /// The standard deviation of the service time.
        stddev: Duration,
    },
}

impl ServiceDist {
    /// The scenario word for the distribution.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Fixed { .. } => "fixed",
            Self::Uniform { .. } => "uniform",
            Self::Exp { .. } => "exp",
            Self::Normal { .. } => "normal",
            Self::LogNormal { .. } => "lognormal",
        }
    }

    /// The mean service time.
    pub fn mean(&self) -> Duration {
        match *self {
            Self::Fixed { mean }
            | Self::Exp { mean }
            | Self::Normal { mean, .. }
            | Self::LogNormal { mean, .. } => mean,
            Self::Uniform { min, max } => (min + max) / 2,
        }
    }
}

/// How a simulated stage spends its service time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkMode {
    /// Waits without using a core, like I/O-bound work.
    Sleep,
    /// Burns a core, like CPU-bound work.
    Spin,
}

/// How a failing attempt fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailKind {
    /// The work returns an error.
    Error,
    /// The worker thread panics.
    Panic,
}

/// The source of a simulated pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    /// How fast the source emits.
    pub rate: Rate,
    /// How arrivals are spaced at that rate.
    pub arrivals: Arrivals,
    /// Items injected by one burst (the `b` key); default 10 s of traffic.
    pub burst: u64,
}

/// One simulated stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSpec {
    /// The stage's name, as shown in the dashboard and reports.
    pub name: String,
    /// Workers to start with.
    pub workers: usize,
    /// The input queue's bound.
    pub queue: QueueCapacity,
    /// What the input queue does when it is full.
    pub policy: QueuePolicy,
    /// How long one attempt at one item takes.
    pub service: ServiceDist,
    /// Whether the service time sleeps or burns a core.
    pub mode: WorkMode,
    /// Probability in 0..=1 that an attempt fails.
    pub fail_rate: f64,
    /// How a failing attempt fails.
    pub fail_kind: FailKind,
    /// Attempts per item, the first included, before it is dead-lettered.
    pub max_attempts: u32,
}

impl StageSpec {
    /// A stage with one worker, a 256-item blocking queue and the given service time.
    pub fn new(name: impl Into<String>, service: ServiceDist) -> Self {
        Self {
            name: name.into(),
            workers: 1,
            queue: QueueCapacity::Bounded(256),
            policy: QueuePolicy::Block,
            service,
            mode: WorkMode::Sleep,
            fail_rate: 0.0,
            fail_kind: FailKind::Error,
            max_attempts: 3,
        }
    }
}

/// A whole simulated pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    /// Seed for arrivals, service times and failures: same seed, same traffic.
    pub seed: u64,
    /// The arrival process that feeds the first stage.
    pub source: SourceSpec,
    /// The stages, in pipeline order.
    pub stages: Vec<StageSpec>,
}

#[cfg(test)]
mod tests {
    use super::Rate;

    #[test]
    fn a_rate_reads_max_or_items_per_second_and_refuses_the_rest() {
        assert_eq!("max".parse::<Rate>(), Ok(Rate::Max));
        assert_eq!("250".parse::<Rate>(), Ok(Rate::PerSecond(250.0)));
        // A rate of 0 would keep an example's run from ever ending (issue 14).
        let zero = "0".parse::<Rate>().unwrap_err();
        assert!(zero.contains("never ends"), "{zero}");
        assert!(
            "1e-300".parse::<Rate>().is_err(),
            "below MIN_RATE the arrival gap wraps"
        );
        for bad in ["-5", "fast", "", "inf", "NaN"] {
            let err = bad.parse::<Rate>().unwrap_err();
            assert!(err.contains("not a rate"), "{bad}: {err}");
        }
    }
}
