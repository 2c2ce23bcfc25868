//! The engine: stages on OS threads joined by bounded crossbeam queues, a
//! paced source, resizable worker pools, and the control thread that applies
//! [`Command`]s and samples [`crate::metrics::Snapshot`]s. It knows nothing
//! about terminals or files.

pub mod arrivals;
pub mod clock;
pub mod command;
mod control_loop;
pub mod failures;
pub mod item;
mod panic_guard;
pub mod pipeline;
pub mod pool;
pub mod queue;
pub mod run;
mod run_context;
pub mod service;
pub mod simulate;
pub mod source;
mod source_thread;
pub mod spec;
pub mod stage_shared;
mod tsc;
pub mod work;
mod worker;

pub use command::{Command, Event, Origin, TimedCommand};
pub use failures::{DeadLetter, Failure, FailureView};
pub use pipeline::{Pipeline, PipelineBuilder, SourceBuilder, StageConfig};
pub use run::{Controller, MAX_WORKERS, RunOptions, RunningPipeline};
pub use source::{IterSource, SimulatedSource, Source};
pub use spec::{
    Arrivals, FailKind, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist, SourceSpec,
    StageSpec, WorkMode,
};
pub use work::{Work, WorkError};
