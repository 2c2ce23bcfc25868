//! The engine: stages on OS threads joined by bounded crossbeam queues, a
//! paced source, resizable worker pools, and the control thread that applies
//! [`Command`]s and samples [`crate::metrics::Snapshot`]s. It knows nothing
//! about terminals or files.

pub mod command;
pub mod spec;

pub use command::{Command, Event, TimedCommand};
pub use spec::{
    Arrivals, FailKind, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist, SourceSpec,
    StageSpec, WorkMode,
};
