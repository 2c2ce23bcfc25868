//! Outputs that read snapshots: the JSON report (and its summary table), the JSONL series, the
//! HdrHistogram interval log, the Prometheus `/metrics` endpoint, and SVG frames of the dashboard.

pub mod hlog;
pub mod output_file;
pub mod prometheus;
pub mod recording;
pub mod report;
pub mod run_log;
pub mod series;
pub mod stream_text;
pub mod summary;
pub mod svg;

pub use svg::buffer_to_svg;
