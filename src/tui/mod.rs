//! The live dashboard: [`App`] view state fed by snapshots, keys mapped to
//! actions through one table, rendering as a pure function of the state, and
//! a thin live loop that wires them to a terminal and a running pipeline.
//!
//! To run it live: [`run`] a [`Session`](crate::session::Session);
//! [`render_to_svg`] draws a frame headless.

pub mod app;
pub mod bursts;
pub mod chart_kind;
pub mod compare;
pub mod dispatch;
pub mod event_log;
pub mod keys;
pub mod live;
pub mod overlay_theory;
pub mod render;
pub mod replay;
mod requests;
mod run;
pub mod screenshot;
mod signals;
pub mod terminal;
pub mod theme;
pub mod widgets;

pub use app::{App, HistogramKind, Overlay, Playback, QuitState};
pub use chart_kind::{ChartKind, ChartSpan};
pub use keys::{Action, KEYS, SpeedControl, bindings_for};
pub use render::render;
pub use run::run;
pub use screenshot::render_to_svg;
