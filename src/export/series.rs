//! The time series (`--series FILE.jsonl`): one snapshot per tick, one JSON
//! object per line, with the field names of the metrics table. Each line is
//! written whole as it comes, so a run that is killed leaves whole lines. A
//! write that fails (a full disk) is cut back to the last whole line, and
//! the series stops there: the run goes on, and says so.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::output_file::OutputFile;
use crate::metrics::Snapshot;

/// Writes snapshots as JSON lines.
pub struct SeriesWriter {
    out: File,
    path: std::path::PathBuf,
    /// Bytes of whole lines written so far.
    written: u64,
    /// The line being made, reused from tick to tick.
    line: Vec<u8>,
}

impl SeriesWriter {
    /// Creates (or truncates) the series file at `path`.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let file = OutputFile::claim("series file", path)?.into_empty_file()?;
        Ok(Self {
            out: file,
            path: path.to_path_buf(),
            written: 0,
            line: Vec::new(),
        })
    }

    /// Appends one snapshot as a line of JSON. On a failed write the file
    /// is cut back to its last whole line and the error, naming the file,
    /// comes back: the caller stops the series there.
    pub fn write(&mut self, snapshot: &Snapshot) -> anyhow::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, snapshot)?;
        self.line.push(b'\n');
        if let Err(e) = self.out.write_all(&self.line) {
            // A device such as /dev/full has no length to cut back to.
            let _ = self.out.set_len(self.written);
            anyhow::bail!("cannot write the series file {}: {e}", self.path.display());
        }
        self.written += self.line.len() as u64;
        Ok(())
    }
}
