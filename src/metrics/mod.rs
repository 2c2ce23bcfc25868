//! Measurement: what workers record (lock-free, per thread) and the immutable
//! [`Snapshot`]s the sampler builds from it at every tick.
//!
//! Histograms are per worker and merged at the tick (see `recorder`);
//! counters are single-writer cells summed per stage (see `worker_stats`).

pub(crate) mod bottleneck;
pub(crate) mod bucket_window;
pub(crate) mod checkpoint;
pub(crate) mod derived_events;
pub(crate) mod hdr_layout;
pub(crate) mod latency;
pub(crate) mod latency_histogram;
pub(crate) mod latency_tally;
pub(crate) mod process;
pub(crate) mod recorder;
pub(crate) mod sampler;
pub(crate) mod snapshot;
pub(crate) mod stage_window;
pub(crate) mod stream_time;
pub mod theory;
pub(crate) mod time_account;
pub(crate) mod worker_group;
pub(crate) mod worker_stats;

pub use bucket_window::{AddedBuckets, BucketWindow};
pub use latency::{CEILING_NS, DEFAULT_WINDOW_SECS, LatencyCounts, buckets_from};
pub use process::default_memory_cap;
pub use snapshot::{
    Backpressure, Bucket, Latency, Percentiles, ProcessSnapshot, RunState, Snapshot,
    SourceSnapshot, StageSnapshot, StageWindow, Totals, Utilization,
};
pub use stream_time::{CheckpointStats, CompletedCheckpoint, FailedCheckpoint, Watermark};
