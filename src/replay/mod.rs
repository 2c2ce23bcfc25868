//! Recorded runs: reading a `--series` file back into the snapshots it was
//! written from, for `pipetop replay` and `pipetop compare`. Schema 2 files
//! carry their scenario's description and lesson and each tick's
//! histograms; schema 1 files open too, without them.

pub mod comparison;
pub mod reader;
mod record;
pub mod summary;

pub use reader::{Moment, RecordedEvent, SeriesError, SeriesHeader, SeriesReader};
pub use summary::{RunSummary, StageSummary, SummaryBuilder};
