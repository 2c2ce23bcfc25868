//! The time series (`--series FILE.jsonl`): one snapshot per tick, one JSON
//! object per line, with the field names of the metrics table. Each line is
//! written whole as it comes, so a run that is killed leaves whole lines.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::output_file::OutputFile;
use crate::metrics::Snapshot;

/// Writes snapshots as JSON lines.
pub struct SeriesWriter {
    out: File,
    /// The line being made, reused from tick to tick.
    line: Vec<u8>,
}

impl SeriesWriter {
    /// Creates (or truncates) the series file at `path`.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = OutputFile::claim("series file", path)?.into_empty_file()?;
        Ok(Self {
            out: file,
            line: Vec::new(),
        })
    }

    /// Appends one snapshot as a line of JSON.
    pub fn write(&mut self, snapshot: &Snapshot) -> anyhow::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, snapshot)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        Ok(())
    }
}
