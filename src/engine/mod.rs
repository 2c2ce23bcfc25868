//! The engine: stages on OS threads joined by bounded crossbeam queues, a
//! paced source, resizable worker pools, and the control thread that applies
//! [`Command`]s and samples [`crate::metrics::Snapshot`]s. It knows nothing
//! about terminals or files.

mod attempt;
mod batch;
pub(crate) mod clock;
pub mod command_rules;
mod control_loop;
pub(crate) mod failures;
mod hand;
pub(crate) mod item;
mod panic_guard;
pub(crate) mod pipeline;
pub(crate) mod pool;
pub(crate) mod queue;
mod queue_room;
pub(crate) mod run;
mod run_context;
pub(crate) mod service;
pub mod simulate;
pub(crate) mod source;
mod source_thread;
pub mod spawn;
pub(crate) mod stage_shared;
mod thread_exit;
mod tick_schedule;
mod tsc;
mod wait;
pub(crate) mod work;
mod worker;

pub use crate::model::{
    Arrivals, Command, DeadLetter, Event, FailKind, Failure, FailureView, MAX_QUEUE, MAX_SLOWDOWN,
    MAX_WORKERS, Origin, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist, SourceSpec,
    StageSpec, TimedCommand, WorkMode,
};
pub use pipeline::{Pipeline, PipelineBuilder, SourceBuilder, StageConfig};
pub use run::{Controller, DEFAULT_DRAIN_TIMEOUT, EngineFailure, RunOptions, RunningPipeline};
pub use source::{IterSource, SimulatedSource, Source};
pub use spawn::{OsThreads, Spawn, Spawner, ThreadBody};
pub use work::{Work, WorkError};
