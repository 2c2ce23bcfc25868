//! Small reusable widgets with builder setters: a queue gauge, a stage box
//! for the pipeline strip, and a log-bucket latency histogram.

pub mod latency_bars;
pub mod queue_gauge;
pub mod stage_box;

pub use latency_bars::LatencyBars;
pub use queue_gauge::QueueGauge;
pub use stage_box::StageBox;
