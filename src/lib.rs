//! pipetop: run a data pipeline in-process and watch it live.
//!
//! Three layers, one direction: [`engine`] runs the pipeline and accepts
//! commands; [`metrics`] turns what workers record into immutable snapshots;
//! [`tui`], [`headless`] and [`export`] only read snapshots and send commands.
//! [`scenario`] parses TOML into a pipeline and a timeline of commands.

pub mod cli;
pub mod engine;
pub mod export;
pub mod format;
pub mod headless;
pub mod metrics;
pub mod scenario;
pub mod session;
pub mod tui;
