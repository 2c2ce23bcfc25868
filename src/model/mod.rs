//! The shared vocabulary of a run, below everything that uses it: what a
//! simulated pipeline is ([`spec`]), what can be asked of a running one
//! ([`command`]) and which of it a producer can do ([`controls`]), what happened in it ([`event`]), what failed in a stage
//! ([`failure`]), the limits every producer and front end agree on
//! ([`limits`]), when items arrive ([`arrival_process`]) and what a simulated attempt draws ([`service_time`]). Plain data: it imports nothing else of the crate.

pub mod arrival_process;
pub mod command;
pub mod controls;
pub mod event;
pub mod failure;
pub mod limits;
pub mod service_time;
pub mod spec;

pub use command::{Command, TimedCommand};
pub use controls::Controls;
pub use event::{Applied, Event, EventKind, Origin, StageRef};
pub use failure::{DEAD_LETTERS_KEPT, DeadLetter, FAILURES_KEPT, Failure, FailureView};
pub use limits::{MAX_DURATION, MAX_NAME_CHARS, MAX_QUEUE, MAX_SLOWDOWN, MAX_WORKERS, MIN_RATE};
pub use service_time::{ServiceTime, mix};
pub use spec::{
    Arrivals, DEFAULT_SEED, FailKind, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist,
    SourceSpec, StageSpec, WorkMode,
};
