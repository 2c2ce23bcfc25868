//! Small reusable widgets with builder setters: a queue gauge, a stage box
//! for the pipeline strip, and a log-bucket latency histogram.

pub mod latency_histogram;
pub mod queue_gauge;
pub mod stage_box;

pub use latency_histogram::LatencyHistogram;
pub use queue_gauge::QueueGauge;
pub use stage_box::StageBox;
