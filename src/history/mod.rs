//! The time axis: a bounded whole-run store of the snapshots a front end
//! was fed, for charts over time (every number of every stage, downsampled
//! with min/max/mean) and for rewinding to a past moment.
//!
//! It reads only snapshots, so it serves the live dashboard, a replay of a
//! series file and a comparison of two alike.

pub mod metric;
pub mod store;

#[cfg(test)]
mod tests;

pub use metric::{Metric, PipelineMetric, StageMetric};
pub use store::{EventMark, History, Point, RECENT_TICKS, WHOLE_ROWS};
