//! Measurement: what workers record (lock-free, per thread) and the immutable
//! [`Snapshot`]s the sampler builds from it at every tick.
//!
//! Histograms are per worker and merged at the tick (see [`recorder`]);
//! counters are single-writer cells summed per stage (see [`worker_stats`]).

pub mod bottleneck;
pub mod checkpoint;
pub mod derived_events;
pub mod latency;
pub mod process;
pub mod recorder;
pub mod sampler;
pub mod snapshot;
pub mod theory;
pub mod time_account;
pub mod worker_group;
pub mod worker_stats;

pub use snapshot::{
    Backpressure, Bucket, Latency, Percentiles, ProcessSnapshot, RunState, Snapshot,
    SourceSnapshot, StageSnapshot, Totals, Utilization,
};
