//! A series file read line by line: its header (or, for schema 1, a
//! default one), then one [`Moment`] per tick, rebuilt as the snapshot the
//! run produced and the events it logged (their words and sentences).
//! Errors name the file, line and column, and what to do.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::metrics::Snapshot;
use crate::model::Origin;

use super::record::{TickRecord, Windows};

/// Why a series file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SeriesError {
    /// The file cannot be opened or read.
    #[error("cannot read the series file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        source: std::io::Error,
    },
    /// A line is not a snapshot of a series.
    #[error(
        "{path}:{line}:{column}: not a pipetop series line ({message}); \
         write one with `pipetop run --series FILE.jsonl`"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// The file holds no snapshot.
    #[error(
        "{path}: the series holds no snapshot; write one with `pipetop run --series FILE.jsonl`"
    )]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// What a series says about its run (its first line, from schema 2 on).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeriesHeader {
    /// The schema: 3 (histogram deltas), 2 (whole windowed histograms),
    /// or 1 for a file without a first line (no histograms).
    pub series: u32,
    /// The scenario's name.
    #[serde(default)]
    pub scenario: String,
    /// One line on what the run shows.
    #[serde(default)]
    pub description: String,
    /// What to watch and try.
    #[serde(default)]
    pub lesson: String,
    /// The run's seed.
    #[serde(default)]
    pub seed: u64,
    /// The sampling period, in milliseconds.
    #[serde(default)]
    pub tick_ms: f64,
    /// Seconds in the windowed percentiles.
    #[serde(default = "default_window")]
    pub window_secs: usize,
    /// Items one burst injects.
    #[serde(default)]
    pub burst_items: u64,
}

fn default_window() -> usize {
    crate::metrics::DEFAULT_WINDOW_SECS
}

impl SeriesHeader {
    /// True if the ticks carry their histograms (schema 2 on: whole in 2,
    /// as deltas from 3).
    pub fn has_histograms(&self) -> bool {
        self.series >= 2
    }
}

/// An event as the series recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Seconds since the start.
    pub t_s: f64,
    /// Who caused it.
    pub origin: Origin,
    /// The report's `kind` word.
    pub word: String,
    /// Its sentence.
    pub message: String,
    /// The timeline entry's narration, if it had one.
    pub note: Option<String>,
    /// The stage it concerns, if any.
    pub stage: Option<String>,
    /// The record's `count` (workers restarted, pool size…), if it has one.
    pub count: Option<u64>,
    /// The record's `items` (a burst's size…), if it has one.
    pub items: Option<u64>,
}

/// One tick of a recorded run.
#[derive(Debug, Clone)]
pub struct Moment {
    /// The snapshot (its `events` are empty: they are in `events`).
    pub snapshot: Arc<Snapshot>,
    /// The events logged at this tick.
    pub events: Vec<RecordedEvent>,
}

/// A series file, read one tick at a time.
pub struct SeriesReader {
    path: PathBuf,
    lines: Lines<BufReader<File>>,
    line_no: usize,
    /// What the series says about its run.
    pub header: SeriesHeader,
    /// The first tick's line of a schema 1 file (read to find there is no header).
    first_tick: Option<String>,
    /// The windowed histograms rebuilt from a schema 3 series' deltas.
    windows: Windows,
}

impl SeriesReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<Self, SeriesError> {
        let io = |source| SeriesError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut lines = BufReader::new(file).lines();
        let first = lines
            .next()
            .transpose()
            .map_err(io)?
            .ok_or_else(|| SeriesError::Empty {
                path: path.to_path_buf(),
            })?;
        let mut reader = Self {
            path: path.to_path_buf(),
            lines,
            line_no: 1,
            header: SeriesHeader {
                series: 1,
                scenario: path
                    .file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
                description: String::new(),
                lesson: String::new(),
                seed: 0,
                tick_ms: 0.0,
                window_secs: default_window(),
                burst_items: 0,
            },
            first_tick: None,
            windows: Windows::new(default_window()),
        };
        let value: serde_json::Value =
            serde_json::from_str(&first).map_err(|e| reader.parse_error(&e))?;
        if value.get("series").is_some() {
            reader.header = serde_json::from_value(value).map_err(|e| reader.parse_error(&e))?;
            reader.windows = Windows::new(reader.header.window_secs);
        } else {
            reader.first_tick = Some(first);
        }
        Ok(reader)
    }

    fn parse_error(&self, e: &serde_json::Error) -> SeriesError {
        SeriesError::Parse {
            path: self.path.clone(),
            line: self.line_no,
            column: e.column().max(1),
            message: e.to_string(),
        }
    }

    /// The next tick, or `None` at the end of the file. A last line cut
    /// short (a run killed mid-write) ends the series rather than failing.
    pub fn next_moment(&mut self) -> Result<Option<Moment>, SeriesError> {
        let line = match self.first_tick.take() {
            Some(line) => line,
            None => {
                let Some(line) = self.lines.next() else {
                    return Ok(None);
                };
                self.line_no += 1;
                line.map_err(|source| SeriesError::Io {
                    path: self.path.clone(),
                    source,
                })?
            }
        };
        if line.trim().is_empty() {
            return self.next_moment();
        }
        let record: TickRecord = match serde_json::from_str(&line) {
            Ok(record) => record,
            Err(e) if e.is_eof() => return Ok(None),
            Err(e) => return Err(self.parse_error(&e)),
        };
        record
            .into_moment(&mut self.windows)
            .map(Some)
            .map_err(|message| SeriesError::Parse {
                path: self.path.clone(),
                line: self.line_no,
                column: 1,
                message,
            })
    }
}
