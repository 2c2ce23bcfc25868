//! The last minute of each stage's queue depth and throughput, fed from
//! snapshots, for the history charts.

use std::collections::VecDeque;

use crate::metrics::Snapshot;

/// How far back the charts look, in seconds.
pub const HISTORY_SECONDS: f64 = 60.0;

/// Which series of a stage to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Items waiting in the stage's input queue.
    QueueLen,
    /// Items per second completed by the stage.
    OutRate,
}

/// One tick: its time and, per stage, `(queue_len, out_rate)`.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    t_s: f64,
    stages: Vec<(f64, f64)>,
}

/// A ring of samples covering the last [`HISTORY_SECONDS`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecentHistory {
    samples: VecDeque<Sample>,
}

impl RecentHistory {
    /// Appends one snapshot and forgets samples older than a minute before it.
    pub fn push(&mut self, snapshot: &Snapshot) {
        let stages = snapshot
            .stages
            .iter()
            .map(|s| (s.queue_len as f64, s.out_rate))
            .collect();
        self.samples.push_back(Sample {
            t_s: snapshot.t_s,
            stages,
        });
        while self
            .samples
            .front()
            .is_some_and(|s| s.t_s < snapshot.t_s - HISTORY_SECONDS)
        {
            self.samples.pop_front();
        }
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True if no sample is held yet.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// `(seconds before the newest sample (≤ 0), value)` points of one stage's series.
    pub fn points(&self, stage: usize, series: Series) -> Vec<(f64, f64)> {
        let Some(newest) = self.samples.back() else {
            return Vec::new();
        };
        self.samples
            .iter()
            .filter_map(|s| {
                let &(queue, out) = s.stages.get(stage)?;
                let value = match series {
                    Series::QueueLen => queue,
                    Series::OutRate => out,
                };
                Some((s.t_s - newest.t_s, value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Backpressure, ProcessSnapshot, RunState, SourceSnapshot, Totals};
    use crate::model::Rate;

    fn at(t_s: f64) -> Snapshot {
        Snapshot {
            tick: 0,
            t_s,
            state: RunState::Running,
            source: SourceSnapshot {
                rate: Rate::PerSecond(1.0),
                paused: false,
                source_pending: 0,
                source_lag_ms: 0.0,
                out_rate: 0.0,
                blocked: 0.0,
                backpressure: Backpressure::Ok,
            },
            totals: Totals::default(),
            checkpoint: 0,
            end_to_end_ms: Default::default(),
            stages: Vec::new(),
            bottleneck: None,
            bottleneck_reason: None,
            process: ProcessSnapshot::default(),
            drain_left_s: None,
            events: Vec::new(),
        }
    }

    #[test]
    fn samples_older_than_a_minute_are_forgotten() {
        let mut history = RecentHistory::default();
        for second in 0..=90 {
            history.push(&at(f64::from(second)));
        }
        assert_eq!(history.len(), 61);
        assert!(
            history.points(0, Series::QueueLen).is_empty(),
            "no stage 0 here"
        );
    }
}
