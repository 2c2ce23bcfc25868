//! The time series (`--series FILE.jsonl`): one snapshot per tick, one JSON
//! object per line, with the field names of the metrics table.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::output_file::OutputFile;
use crate::metrics::Snapshot;

/// Writes snapshots as JSON lines.
pub struct SeriesWriter {
    out: BufWriter<File>,
}

impl SeriesWriter {
    /// Creates (or truncates) the series file at `path`.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = OutputFile::claim("series file", path)?.into_empty_file()?;
        Ok(Self {
            out: BufWriter::new(file),
        })
    }

    /// Appends one snapshot as a line of JSON.
    pub fn write(&mut self, snapshot: &Snapshot) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, snapshot)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    /// Flushes what is buffered; call it once the run is over.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
