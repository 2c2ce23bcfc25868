//! A latency window rebuilt from per-tick deltas: what each snapshot added
//! to each second, over the drawn buckets ([`AddedBuckets`]), summed over
//! the seconds the window covers. The windowed histogram is exactly such a
//! sum (a ring of one-second histograms, see [`latency`](super::latency)),
//! so a series that carries only the deltas draws, at every tick, the
//! buckets the live run drew.

use std::collections::VecDeque;

use super::latency_histogram::{buckets_from, dense_counts, log_bucket_of};
use super::snapshot::Bucket;

/// What one snapshot recorded during one second, over the drawn buckets:
/// the index of the first bucket used and the counts from there on
/// (bucket `i` holds latencies up to 2^(i/2) ns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedBuckets {
    /// The second since the start that these counts were filed under.
    pub second: u64,
    /// The index of the first bucket in `counts`.
    pub first: i32,
    /// Counts per bucket from `first` on, the last one not zero.
    pub counts: Vec<u64>,
}

impl AddedBuckets {
    /// The piece of `second` holding the latencies `values` (`(ns, count)`,
    /// in any order).
    pub fn of_values(second: u64, values: &[(u64, u64)]) -> Self {
        let by_index: Vec<(i32, u64)> = values
            .iter()
            .map(|&(value, count)| (log_bucket_of(value), count))
            .collect();
        Self::new(second, &by_index)
    }

    /// The piece of `second` holding `by_index` (`(index, count)`, in any
    /// order).
    pub fn new(second: u64, by_index: &[(i32, u64)]) -> Self {
        let (first, counts) = dense_counts(by_index).unwrap_or_default();
        Self {
            second,
            first,
            counts,
        }
    }
}

/// The drawn buckets of a window of whole seconds, rebuilt piece by piece.
#[derive(Debug, Clone)]
pub struct BucketWindow {
    seconds: u64,
    /// The pieces still in the window, oldest first.
    pieces: VecDeque<AddedBuckets>,
}

impl BucketWindow {
    /// A window of `seconds` seconds (at least one), as the sampler's.
    pub fn new(seconds: usize) -> Self {
        Self {
            seconds: seconds.max(1) as u64,
            pieces: VecDeque::new(),
        }
    }

    /// Adds what one snapshot recorded (its seconds come in order).
    pub fn add(&mut self, pieces: impl IntoIterator<Item = AddedBuckets>) {
        self.pieces
            .extend(pieces.into_iter().filter(|p| !p.counts.is_empty()));
    }

    /// The buckets of the window ending with second `now_second`, from the
    /// first bucket used to the last, as the sampler draws them.
    pub fn buckets(&mut self, now_second: u64) -> Vec<Bucket> {
        let oldest = (now_second + 1).saturating_sub(self.seconds);
        while self.pieces.front().is_some_and(|p| p.second < oldest) {
            self.pieces.pop_front();
        }
        let used = self.pieces.iter().filter(|p| !p.counts.is_empty());
        let Some(first) = used.clone().map(|p| p.first).min() else {
            return Vec::new();
        };
        let last = used
            .map(|p| p.first + p.counts.len() as i32 - 1)
            .max()
            .unwrap_or(first);
        let mut counts = vec![0u64; (last - first + 1) as usize];
        for piece in &self.pieces {
            for (i, &count) in piece.counts.iter().enumerate() {
                counts[(piece.first - first) as usize + i] += count;
            }
        }
        buckets_from(first, counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::latency::WindowedLatency;
    use crate::metrics::latency_tally::LatencyTally;

    fn counts_of(values: &[u64]) -> crate::metrics::LatencyCounts {
        let mut tally = LatencyTally::default();
        for &v in values {
            tally.record(v);
        }
        tally.take_counts()
    }

    #[test]
    fn pieces_keep_their_second_and_skip_nothing_between_first_and_last() {
        let piece = AddedBuckets::new(4, &[(3, 2), (6, 1)]);
        assert_eq!(piece.second, 4);
        assert_eq!(piece.first, 3);
        assert_eq!(piece.counts, vec![2, 0, 0, 1]);
        assert!(AddedBuckets::new(1, &[]).counts.is_empty());
    }

    proptest::proptest! {
        /// The window rebuilt from what each sample added draws exactly the
        /// buckets the sampler's window drew, at every sample, whatever the
        /// flushes, the seconds skipped and where the samples fall.
        #[test]
        fn the_rebuilt_window_draws_the_samplers_buckets(
            window_secs in 1usize..6,
            steps in proptest::collection::vec(
                (0u64..3, proptest::option::of(proptest::collection::vec(1u64..50_000_000, 1..20))),
                1..80,
            )
        ) {
            let mut latency = WindowedLatency::new(window_secs);
            let mut rebuilt = BucketWindow::new(window_secs);
            let mut now = 0;
            let mut added_total = 0u64;
            let mut recorded_total = 0u64;
            for (advance, flush) in steps {
                now += advance;
                match flush {
                    Some(values) => latency.add(now, &counts_of(&values)),
                    None => {
                        let sample = latency.latency(now);
                        recorded_total += sample.recorded.len();
                        added_total += sample
                            .added
                            .iter()
                            .flat_map(|p| p.counts.iter())
                            .sum::<u64>();
                        proptest::prop_assert!(sample.added.windows(2).all(|w| w[0].second < w[1].second));
                        rebuilt.add(sample.added);
                        proptest::prop_assert_eq!(rebuilt.buckets(now), sample.buckets);
                    }
                }
            }
            proptest::prop_assert_eq!(added_total, recorded_total);
        }
    }
}
