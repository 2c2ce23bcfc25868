//! What a stream processor reports beyond pipetop's own measures, as text:
//! a stage's watermark lag and the checkpoint figures, written once for the
//! summary table and the dashboard. What is not measured reads
//! [`NOT_AVAILABLE`], never a zero.

use crate::format;
use crate::metrics::{CheckpointStats, Percentiles, Watermark};

/// What a figure the producer does not measure reads.
pub const NOT_AVAILABLE: &str = "n/a";

/// A latency figure in milliseconds, or `n/a` when not measured.
pub fn millis_or_na(latency: Option<&Percentiles>, pick: fn(&Percentiles) -> f64) -> String {
    latency.map_or_else(|| NOT_AVAILABLE.to_string(), |p| format::millis(pick(p)))
}

/// A watermark's lag (`3.10s`), or `n/a` without a watermark.
pub fn watermark_lag(watermark: Option<&Watermark>) -> String {
    watermark.map_or_else(
        || NOT_AVAILABLE.to_string(),
        |w| format::millis(w.lag_ms.max(0.0)),
    )
}

/// Bytes as B, KiB or MiB: checkpoints are often small.
fn size(b: u64) -> String {
    if b < 1024 {
        format!("{b} B")
    } else if b < 1024 * 1024 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format::bytes(b)
    }
}

/// The checkpoint figures in a few short lines: counts, the last completed
/// (its duration end to end, its size, how long ago), the last failure
/// (how long ago, and why).
pub fn checkpoint_lines(c: &CheckpointStats) -> Vec<String> {
    let mut lines = vec![format!(
        "{} completed  {} failed  {} in progress",
        c.completed, c.failed, c.in_progress
    )];
    lines.push(match &c.last_completed {
        Some(done) => format!(
            "last #{}: took {}, {}, {} ago",
            done.id,
            format::millis(done.duration_ms as f64),
            size(done.size_bytes),
            format::millis(done.age_s * 1e3)
        ),
        None => "none completed yet".to_string(),
    });
    lines.push(match &c.last_failure {
        Some(failed) => format!(
            "failed #{} {} ago: {}",
            failed.id,
            format::millis(failed.age_s * 1e3),
            failed.reason
        ),
        None => "no failure".to_string(),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{CompletedCheckpoint, FailedCheckpoint};

    #[test]
    fn checkpoint_lines_say_counts_last_completed_and_last_failure() {
        let mut c = CheckpointStats {
            completed: 9,
            failed: 1,
            in_progress: 1,
            ..CheckpointStats::default()
        };
        assert_eq!(
            checkpoint_lines(&c),
            [
                "9 completed  1 failed  1 in progress",
                "none completed yet",
                "no failure"
            ]
        );
        c.last_completed = Some(CompletedCheckpoint {
            id: 9,
            duration_ms: 4_800,
            size_bytes: 2_048,
            checkpointed_bytes: 2_048,
            completed_at_ms: 0,
            age_s: 1.5,
        });
        c.last_failure = Some(FailedCheckpoint {
            id: 4,
            reason: "Checkpoint expired before completing.".into(),
            failed_at_ms: 0,
            age_s: 30.0,
        });
        let lines = checkpoint_lines(&c);
        assert_eq!(lines[1], "last #9: took 4.80s, 2.0 KiB, 1.50s ago");
        assert_eq!(
            lines[2],
            "failed #4 30.00s ago: Checkpoint expired before completing."
        );
    }

    #[test]
    fn what_is_not_measured_reads_na() {
        assert_eq!(watermark_lag(None), "n/a");
        assert_eq!(millis_or_na(None, |p| p.p99), "n/a");
        let w = Watermark {
            at_ms: 1,
            lag_ms: 3_100.0,
        };
        assert_eq!(watermark_lag(Some(&w)), "3.10s");
    }
}
