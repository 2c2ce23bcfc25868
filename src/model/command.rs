//! The commands that steer a running pipeline, from a key, a timeline or a replay.

use super::spec::{QueuePolicy, Rate};

/// One operator action on a running pipeline. Stages are named by index.
#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// The timeline `do` word for this command; also the `kind` word of its event.
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
