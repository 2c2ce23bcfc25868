//! pipetop: run a data pipeline in-process and watch it live.
//!
//! The top-level modules import one way only (a script over `crate::X`
//! names checks it), lowest first:
//!
//! - [`model`]: the vocabulary every layer shares (the pipeline spec,
//!   [`model::Command`], the typed [`model::Event`], failures, limits);
//!   it imports nothing. [`mod@format`] (human units, safe user text),
//!   [`stdout`] and [`stderr`] import nothing either.
//! - [`metrics`] → model: snapshots, the per-thread recorders and the
//!   sampler that build them, and pure analysis (bottleneck, theory,
//!   derived events). The recorders stay here, beside the sampler that
//!   reads them, rather than in the engine: a second producer of
//!   snapshots (a simulator) uses the same ones, and metrics then needs
//!   nothing of the engine.
//! - [`engine`] → metrics, model, format: the producer that runs real
//!   threads. [`scenario`] → model, format, metrics: TOML into a spec and a
//!   timeline (and `check`'s summary, with the default memory cap), and the
//!   up-front estimate of a run's threads and memory against the machine's
//!   limits (read once, behind [`scenario::machine_limits::MachineLimits`]).
//! - [`session`] → engine, metrics, scenario, format: what a run is.
//! - [`flink`] → engine, metrics, model, scenario, session, format: the
//!   producer that watches (or first submits) a Flink job.
//! - [`history`] → metrics, model: the bounded whole-run store of
//!   snapshots (charts over time, rewinding).
//! - [`export`] → metrics, model, session, format: report, series,
//!   recording, SVG, `/metrics`, the summary table.
//! - [`replay`] → export, metrics, model, format: a series file read back
//!   into snapshots, and two runs summed up for `compare`.
//! - [`driver`] → engine, export, metrics, model, session: the one run
//!   driver; front ends are only loops behind [`driver::Frontend`].
//! - [`simulator`] → session, scenario, metrics, model, and of the engine
//!   only the producer seam (`RunningPipeline::spawn_producer`,
//!   `RunOptions`, `EngineFailure`): a scenario in virtual time, a second
//!   producer of the same snapshots. [`sweep`] → simulator, scenario,
//!   metrics, model, format: many virtual runs, one table. Nothing below
//!   imports either.
//! - [`tui`] (also → history, replay) and [`headless`] → driver and below
//!   (headless borrows the dashboard's renderer for `--screenshot`);
//!   [`launch`] and [`cli`] on top (cli names sweep's `--vary` and `--goal`
//!   types).
//!
//! # Your own pipeline
//!
//! Stages are your own functions over your own types; each stage has its own
//! worker pool and a bounded input queue. Start the pipeline and read its
//! [`metrics::Snapshot`]s until the run is done (the source ran out and every
//! queue drained):
//!
//! ```
//! use std::time::Duration;
//! use pipetop::engine::{IterSource, Pipeline, RunOptions, StageConfig, WorkError};
//!
//! struct Reading { sensor: u32, celsius: f64 }
//!
//! let pipeline = Pipeline::from_source(IterSource::new(0u32..2_000))
//!     .stage(StageConfig::new("parse").workers(2).queue(64), |n: &u32| {
//!         Ok::<_, WorkError>(Reading { sensor: n % 8, celsius: f64::from(n % 40) })
//!     })
//!     .stage(StageConfig::new("convert").workers(2).queue(64), |r: &Reading| {
//!         Ok((r.sensor, r.celsius * 9.0 / 5.0 + 32.0))
//!     })
//!     .sink(|(_sensor, _fahrenheit): (u32, f64)| {});
//!
//! let options = RunOptions { tick: Duration::from_millis(20), ..RunOptions::default() };
//! let running = pipeline.start(options);
//! let mut last = None;
//! for snapshot in running.snapshots().iter() {
//!     // Conservation holds at every tick.
//!     let t = snapshot.totals;
//!     assert_eq!(t.generated, t.completed + t.dropped + t.dead_lettered + t.in_flight);
//!     last = Some(snapshot);
//! }
//! running.join().expect("the engine ran to its end");
//! let last = last.expect("at least the final snapshot");
//! assert!(last.state.is_final());
//! assert_eq!(last.totals.completed, 2_000);
//! assert_eq!(last.stages[1].name, "convert");
//! ```
//!
//! To watch it, wrap it in a [`session::Session`] and hand it to
//! [`tui::run`] (the dashboard) or [`headless::run`], with the same
//! [`session::SessionOptions`] as the command line (`--report`, `--series`,
//! `--prometheus`, …). `examples/logs.rs` and `examples/checksum.rs` are
//! complete programs that do both.

#![warn(missing_docs)]

pub mod cli;
pub mod driver;
pub mod engine;
pub mod export;
pub mod flink;
pub mod format;
pub mod headless;
pub mod history;
pub mod launch;
pub mod metrics;
pub mod model;
pub mod replay;
pub mod scenario;
pub mod session;
pub mod simulator;
pub mod stderr;
pub mod stdout;
pub mod sweep;
pub mod tui;
