//! Outputs that read snapshots: the JSON report, the JSONL series.

pub mod report;
pub mod run_log;
pub mod series;
