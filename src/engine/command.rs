//! The commands that steer a running pipeline, from a key, a timeline or a replay.

use serde::Serialize;

use super::spec::{QueuePolicy, Rate};

/// One operator action on a running pipeline. Stages are named by index.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Resize a stage's worker pool (0 stalls the stage).
    Workers {
        /// Index of the stage, from 0.
        stage: usize,
        /// The new pool size.
        count: usize,
    },
    /// Inject `items` arrivals at once.
    Burst {
        /// How many items to inject.
        items: u64,
    },
    /// Change the source rate.
    Rate(Rate),
    /// Stop scheduling new arrivals.
    Pause,
    /// Resume scheduling arrivals.
    Resume,
    /// Change a stage's queue policy.
    Policy {
        /// Index of the stage, from 0.
        stage: usize,
        /// The policy its input queue switches to.
        policy: QueuePolicy,
    },
    /// Multiply a stage's service time (1.0 restores it).
    Slowdown {
        /// Index of the stage, from 0.
        stage: usize,
        /// The service-time multiplier (2.0 = twice as slow).
        factor: f64,
    },
    /// Kill one worker of a stage mid-item.
    Crash {
        /// Index of the stage, from 0.
        stage: usize,
    },
    /// Stop the source, drain every queue, join every worker.
    Stop,
    /// End at once; what is still in flight is reported, not processed.
    Abort,
}

impl Command {
    /// The timeline `do` word for this command; also an event's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Workers { .. } => "workers",
            Command::Burst { .. } => "burst",
            Command::Rate(_) => "rate",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Policy { .. } => "policy",
            Command::Slowdown { .. } => "slowdown",
            Command::Crash { .. } => "crash",
            Command::Stop => "stop",
            Command::Abort => "abort",
        }
    }
}

/// A command scheduled at a time since the start, with an optional narration.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedCommand {
    /// When to send the command, measured from the start of the run.
    pub at: std::time::Duration,
    /// The command to send.
    pub command: Command,
    /// Narration shown in the event log when the command fires.
    pub note: Option<String>,
}

/// Who caused an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A command sent through a [`Controller`](super::Controller): a key in the dashboard.
    Operator,
    /// The scenario's timeline or the run's time limit.
    Timeline,
    /// The engine itself noticed it (drops, restarts, the source running out).
    #[default]
    Engine,
}

/// Something that happened, for the event log and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Seconds since the start.
    pub t_s: f64,
    /// Who caused it: the operator, the timeline or the engine.
    pub origin: Origin,
    /// The timeline `do` word of the command, or what happened (`restart`, `drops`, `source-done`).
    pub kind: String,
    /// The name of the stage it concerns, if it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Items involved: a burst's size, or the drops in all when dropping ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<u64>,
    /// A count: the new pool size, how many workers restarted, or (in the
    /// dashboard's log) how many rate-profile steps one line folds together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// The new source rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// The stage's queue policy: the new one, or the one that is dropping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<QueuePolicy>,
    /// The new slowdown factor (1.0 = normal speed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// The timeline entry's narration, if it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A human sentence describing the event.
    pub message: String,
}

impl Event {
    /// An event with only a kind and a message; fill the rest with struct update syntax.
    pub fn new(t_s: f64, kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            t_s,
            origin: Origin::Engine,
            kind: kind.into(),
            stage: None,
            items: None,
            count: None,
            rate: None,
            policy: None,
            factor: None,
            note: None,
            message: message.into(),
        }
    }
}
