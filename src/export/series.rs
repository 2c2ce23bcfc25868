//! The time series (`--series FILE.jsonl`), schema 3: a first line that
//! says what the run was (`{"series":3, "scenario", "description",
//! "lesson", "seed", "tick_ms", "window_secs", "burst_items"}`), then one
//! snapshot per tick, one JSON object per line, with the field names of the
//! metrics table, plus `hist_delta`: the latencies recorded since the tick
//! before, per histogram (end-to-end, and each stage's service and wait),
//! over the dashboard's log buckets (bucket `i` holds latencies up to
//! 2^(i/2) ns), one piece `[second, first, [counts…]]` per second of the
//! window they were filed under. A replay sums the pieces of the last
//! `window_secs` seconds to draw the windowed histogram the run drew.
//! Schema 2 wrote that windowed histogram whole at every tick (`hist`,
//! `[first, [counts…]]`); schema 1 had no first line and no histograms.
//!
//! Each line is written whole as it comes, so a run that is killed leaves
//! whole lines. A write that fails (a full disk) is cut back to the last
//! whole line, and the series stops there: the run goes on, and says so.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::output_file::OutputFile;
use crate::metrics::{AddedBuckets, Bucket, Latency, Snapshot};
use crate::session::SessionInfo;

/// The schema the first line names.
pub const SERIES_SCHEMA: u32 = 3;

/// Log buckets per doubling of the latency histograms.
#[cfg(test)]
const BUCKETS_PER_OCTAVE: f64 = 2.0;

/// The first line of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesHeader<'a> {
    /// The schema, [`SERIES_SCHEMA`].
    pub series: u32,
    /// The scenario's name.
    pub scenario: &'a str,
    /// One line on what the run shows.
    pub description: &'a str,
    /// What to watch and try.
    pub lesson: &'a str,
    /// The run's seed.
    pub seed: u64,
    /// The sampling period, in milliseconds.
    pub tick_ms: f64,
    /// Seconds in the windowed percentiles.
    pub window_secs: usize,
    /// Items one burst injects.
    pub burst_items: u64,
}

/// A histogram as schema 2 wrote it: the index of its first bucket and the
/// counts from there on.
pub type SparseBuckets = (i32, Vec<u64>);

/// A piece of a tick's histogram delta as written: `[second, first, counts]`.
pub type AddedPiece = (u64, i32, Vec<u64>);

/// The index of the bucket with upper bound `le_ms`.
#[cfg(test)]
fn bucket_index(le_ms: f64) -> i32 {
    ((le_ms * 1e6).log2() * BUCKETS_PER_OCTAVE).round() as i32
}

/// A latency's buckets, sparse.
#[cfg(test)]
fn sparse(buckets: &[Bucket]) -> SparseBuckets {
    let first = buckets.first().map_or(0, |b| bucket_index(b.le_ms));
    (first, buckets.iter().map(|b| b.count).collect())
}

/// The buckets of a schema 2 histogram.
pub fn dense((first, counts): &SparseBuckets) -> Vec<Bucket> {
    crate::metrics::buckets_from(*first, counts.iter().copied())
}

/// One tick's delta of one histogram, as written.
struct Delta<'a>(&'a [AddedBuckets]);

impl Serialize for Delta<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|p| (p.second, p.first, &p.counts)))
    }
}

/// One stage's histogram deltas at one tick.
#[derive(Serialize)]
struct StageDelta<'a> {
    service: Delta<'a>,
    wait: Delta<'a>,
}

/// The histogram deltas of one tick.
#[derive(Serialize)]
struct TickDelta<'a> {
    e2e: Delta<'a>,
    stages: Vec<StageDelta<'a>>,
}

/// One line after the first: the snapshot and its histogram deltas.
#[derive(Serialize)]
struct TickLine<'a> {
    #[serde(flatten)]
    snapshot: &'a Snapshot,
    hist_delta: TickDelta<'a>,
}

fn delta(latency: &Latency) -> Delta<'_> {
    Delta(&latency.added)
}

/// Writes snapshots as JSON lines.
pub struct SeriesWriter {
    out: File,
    path: std::path::PathBuf,
    /// Bytes of whole lines written so far.
    written: u64,
    /// The line being made, reused from tick to tick.
    line: Vec<u8>,
    /// The first line, until it is written with the first snapshot (so a
    /// device that takes nothing fails at the first tick, as the run goes on).
    header: Option<Vec<u8>>,
}

impl SeriesWriter {
    /// Creates (or truncates) the series file at `path`; its first line,
    /// which says what the run is, goes out with the first snapshot.
    pub fn create(path: &Path, info: &SessionInfo, tick: Duration) -> anyhow::Result<Self> {
        let file = OutputFile::claim("series file", path)?.into_empty_file()?;
        let mut header_line = Vec::new();
        let header = SeriesHeader {
            series: SERIES_SCHEMA,
            scenario: &info.name,
            description: &info.description,
            lesson: &info.lesson,
            seed: info.seed,
            tick_ms: tick.as_secs_f64() * 1e3,
            window_secs: info.window_secs,
            burst_items: info.burst_items,
        };
        serde_json::to_writer(&mut header_line, &header)?;
        header_line.push(b'\n');
        Ok(Self {
            out: file,
            path: path.to_path_buf(),
            written: 0,
            line: Vec::new(),
            header: Some(header_line),
        })
    }

    /// Appends one snapshot as a line of JSON. On a failed write the file
    /// is cut back to its last whole line and the error, naming the file,
    /// comes back: the caller stops the series there.
    pub fn write(&mut self, snapshot: &Snapshot) -> anyhow::Result<()> {
        self.line = self.header.take().unwrap_or_default();
        let line = TickLine {
            snapshot,
            hist_delta: TickDelta {
                e2e: delta(&snapshot.end_to_end_ms),
                stages: snapshot
                    .stages
                    .iter()
                    .map(|s| StageDelta {
                        service: delta(&s.service_ms),
                        wait: delta(&s.wait_ms),
                    })
                    .collect(),
            },
        };
        serde_json::to_writer(&mut self.line, &line)?;
        self.finish_line()
    }

    fn finish_line(&mut self) -> anyhow::Result<()> {
        self.line.push(b'\n');
        if let Err(e) = self.out.write_all(&self.line) {
            // A device such as /dev/full has no length to cut back to.
            let _ = self.out.set_len(self.written);
            anyhow::bail!("cannot write the series file {}: {e}", self.path.display());
        }
        self.written += self.line.len() as u64;
        self.line.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_buckets_come_back_as_the_sampler_made_them() {
        let buckets: Vec<Bucket> = (7..20)
            .map(|i| Bucket {
                le_ms: 2f64.powf(f64::from(i) / 2.0) / 1e6,
                count: u64::from(i as u32) * 3,
            })
            .collect();
        assert_eq!(dense(&sparse(&buckets)), buckets);
        assert!(dense(&sparse(&[])).is_empty());
    }
}
