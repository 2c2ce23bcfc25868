//! The HdrHistogram interval log (`--hlog FILE`): at every tick, the
//! latencies recorded since the tick before, one V2 compressed histogram per
//! latency, tagged `e2e`, `service.<stage>` and `wait.<stage>`, values in
//! nanoseconds. HistogramLogAnalyzer, HdrHistogram's HistogramLogProcessor
//! and HdrHistogram_py read it.
//!
//! The header (format version, BaseTime = the run's start, the legend) goes
//! out with the first snapshot; interval timestamps are seconds since the
//! start. Each tick's intervals are written whole: a failed write (a full
//! disk) cuts the file back to the last whole tick, and the log stops there,
//! as the series does.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};

use super::output_file::OutputFile;
use crate::metrics::{LatencyCounts, Snapshot};

/// The interval log's tag of the end-to-end latency.
pub const END_TO_END_TAG: &str = "e2e";

/// The tag of a stage's latency: `service.<stage>` or `wait.<stage>`, with
/// the characters a tag cannot hold (comma, space, line breaks) as `_`.
pub fn stage_tag(kind: &str, stage: &str) -> String {
    let stage: String = stage
        .chars()
        .map(|c| match c {
            ',' | ' ' | '\r' | '\n' => '_',
            c => c,
        })
        .collect();
    format!("{kind}.{stage}")
}

/// Writes one interval per latency per tick.
pub struct HlogWriter {
    out: File,
    path: PathBuf,
    /// Bytes of whole ticks written so far.
    written: u64,
    /// The tick being written, reused from tick to tick.
    buffer: Vec<u8>,
    serializer: V2DeflateSerializer,
    /// When the previous interval ended (seconds since the start), once
    /// the header is out.
    last_t_s: Option<f64>,
}

impl HlogWriter {
    /// Creates (or truncates) the log at `path`, claimed as the run's other
    /// outputs are.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let out = OutputFile::claim("hlog", path)?.into_empty_file()?;
        Ok(Self {
            out,
            path: path.to_path_buf(),
            written: 0,
            buffer: Vec::new(),
            serializer: V2DeflateSerializer::new(),
            last_t_s: None,
        })
    }

    /// Appends the intervals of one snapshot (the header first, with the
    /// first one). On a failed write the file is cut back to its last whole
    /// tick and the error, naming the file, comes back.
    pub fn write(&mut self, snapshot: &Snapshot) -> anyhow::Result<()> {
        self.buffer.clear();
        let start = match self.last_t_s {
            Some(t_s) => t_s,
            None => {
                self.write_header(snapshot.t_s)?;
                0.0
            }
        };
        let interval = (
            Duration::from_secs_f64(start.max(0.0)),
            Duration::from_secs_f64((snapshot.t_s - start).max(0.0)),
        );
        let mut writer = IntervalLogWriterBuilder::new()
            .begin_log_with(&mut self.buffer, &mut self.serializer)?;
        let mut series = vec![(END_TO_END_TAG.to_string(), &snapshot.end_to_end_ms.recorded)];
        for stage in &snapshot.stages {
            series.push((
                stage_tag("service", &stage.name),
                &stage.service_ms.recorded,
            ));
            series.push((stage_tag("wait", &stage.name), &stage.wait_ms.recorded));
        }
        for (tag, recorded) in series {
            writer
                .write_histogram(&histogram(recorded), interval.0, interval.1, Tag::new(&tag))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if let Err(e) = self.out.write_all(&self.buffer) {
            // A device such as /dev/full has no length to cut back to.
            let _ = self.out.set_len(self.written);
            anyhow::bail!("cannot write the hlog {}: {e}", self.path.display());
        }
        self.written += self.buffer.len() as u64;
        self.last_t_s = Some(snapshot.t_s);
        Ok(())
    }

    /// The header, into the buffer: comments, BaseTime (the run's start,
    /// `t_s` seconds ago), the unit of the max column, and the legend.
    fn write_header(&mut self, t_s: f64) -> anyhow::Result<()> {
        let start = SystemTime::now() - Duration::from_secs_f64(t_s.max(0.0));
        IntervalLogWriterBuilder::new()
            .add_comment(&format!(
                "[Logged with pipetop {}: values in nanoseconds, one interval per tick; \
                 tags e2e, service.<stage>, wait.<stage>]",
                env!("CARGO_PKG_VERSION")
            ))
            .add_comment("[Histogram log format version 1.3]")
            .with_start_time(start)
            .with_base_time(start)
            .with_max_value_divisor(1e6)
            .begin_log_with(&mut self.buffer, &mut self.serializer)?;
        self.buffer.extend_from_slice(
            b"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
        );
        Ok(())
    }
}

/// The latencies of one interval as an hdrhistogram (three significant
/// digits, as pipetop records them).
fn histogram(recorded: &LatencyCounts) -> Histogram<u64> {
    let mut histogram = Histogram::new(3).expect("3 significant digits is a valid precision");
    for &(value, count) in recorded.values() {
        // Auto-resizing: record_n grows the histogram (saturating would clamp
        // to its current, tiny, range).
        if histogram.record_n(value, count).is_err() {
            histogram.saturating_record_n(value, count);
        }
    }
    histogram
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_holds_no_separator() {
        assert_eq!(stage_tag("wait", "a b,c\nd"), "wait.a_b_c_d");
        assert!(Tag::new(&stage_tag("service", "my stage, v2")).is_some());
    }
}
