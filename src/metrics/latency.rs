//! Latency histograms as the sampler keeps them: counts flushed by workers
//! (recorded by [`latency_tally`](super::latency_tally), clamped, with an
//! outlier count), a ring of one-second histograms for the recent window, and
//! a cumulative total.
//!
//! Values are nanoseconds with three significant digits (hdrhistogram's
//! layout, grown to the largest value seen: see `latency_histogram`). Everything
//! above [`CEILING_NS`] is recorded at the ceiling and counted as an outlier.

use super::bucket_window::AddedBuckets;
pub use super::latency_histogram::{LatencyHistogram, buckets_from};
use super::snapshot::Latency;

/// The largest latency recorded as itself: ten minutes.
pub const CEILING_NS: u64 = 600_000_000_000;

/// Seconds in the windowed percentiles unless a run says otherwise.
pub const DEFAULT_WINDOW_SECS: usize = 5;

/// Recorded values and their counts, and the outliers: what a worker hands
/// over at a flush, and what a snapshot carries as the latencies recorded
/// since the previous one. Small (one entry per bucket used), so flushing
/// moves no big buffers and the worker keeps its arrays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyCounts {
    counts: Vec<(u64, u64)>,
    outliers: u64,
}

impl LatencyCounts {
    /// Counts per recorded value (one value per bucket), and the outliers.
    pub fn new(counts: Vec<(u64, u64)>, outliers: u64) -> Self {
        Self { counts, outliers }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// `(nanoseconds, count)` per recorded value, ascending: the value is
    /// the lowest of its hdrhistogram bucket (three significant digits).
    pub fn values(&self) -> &[(u64, u64)] {
        &self.counts
    }

    /// How many of the counts were above [`CEILING_NS`], recorded at it.
    pub fn outliers(&self) -> u64 {
        self.outliers
    }

    /// The number of recordings.
    pub fn len(&self) -> u64 {
        self.counts.iter().map(|&(_, count)| count).sum()
    }

    /// The counts of several flushes together, one entry per value.
    fn merged(mut counts: Vec<(u64, u64)>, outliers: u64) -> Self {
        counts.sort_unstable_by_key(|&(value, _)| value);
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(counts.len());
        for (value, count) in counts {
            match merged.last_mut() {
                Some((last, total)) if *last == value => *total += count,
                _ => merged.push((value, count)),
            }
        }
        Self::new(merged, outliers)
    }
}

/// A latency metric over a sliding window of whole seconds and since the start.
///
/// Each flush goes straight into its second's histogram, the window and the
/// total: a flush holds one entry per bucket used, so that is a few dozen
/// recordings, never a pass over whole histograms. The window is a running
/// sum: a second is subtracted from it once, when it ages out, so reading it
/// merges nothing and allocates nothing, however long the window.
#[derive(Debug, Clone)]
pub struct WindowedLatency {
    /// One histogram per second, indexed by `second % len`; made on first
    /// use, so a short run does not allocate a whole window per metric.
    slots: Vec<Option<SecondSlot>>,
    /// The sum of the slots still `in_window`.
    window: LatencyHistogram,
    total: LatencyHistogram,
    /// The flushes since the last [`WindowedLatency::latency`], unmerged.
    since_sample: Vec<(u64, u64)>,
    since_sample_outliers: u64,
    /// Where each second's flushes start in `since_sample`: `(second,
    /// offset)`, ascending (seconds come in order).
    since_sample_seconds: Vec<(u64, usize)>,
}

/// What was recorded during one second.
#[derive(Debug, Clone)]
struct SecondSlot {
    second: u64,
    hist: LatencyHistogram,
    /// Whether `hist` is still counted in the window's running sum.
    in_window: bool,
}

impl SecondSlot {
    /// Takes this second out of the window's running sum, once.
    fn leave_window(&mut self, window: &mut LatencyHistogram) {
        if self.in_window {
            window.subtract(&self.hist);
            self.in_window = false;
        }
    }
}

impl WindowedLatency {
    /// A window of `seconds` one-second histograms (at least one).
    pub fn new(seconds: usize) -> Self {
        Self {
            slots: vec![None; seconds.max(1)],
            window: LatencyHistogram::new(),
            total: LatencyHistogram::new(),
            since_sample: Vec::new(),
            since_sample_outliers: 0,
            since_sample_seconds: Vec::new(),
        }
    }

    /// Adds what was recorded during second `second` since the start.
    /// Seconds come in order: a slot is reused for a later second only.
    pub fn add(&mut self, second: u64, recorded: &LatencyCounts) {
        if recorded.is_empty() {
            return;
        }
        let index = (second % self.slots.len() as u64) as usize;
        let slot = self.slots[index].get_or_insert_with(|| SecondSlot {
            second,
            hist: LatencyHistogram::new(),
            in_window: true,
        });
        if slot.second != second {
            slot.leave_window(&mut self.window);
            slot.hist.clear();
            slot.second = second;
            slot.in_window = true;
        }
        if slot.in_window {
            LatencyHistogram::add_counts_to(
                &mut [&mut slot.hist, &mut self.window, &mut self.total],
                recorded,
            );
        } else {
            LatencyHistogram::add_counts_to(&mut [&mut slot.hist, &mut self.total], recorded);
        }
        if self
            .since_sample_seconds
            .last()
            .is_none_or(|&(s, _)| s != second)
        {
            self.since_sample_seconds
                .push((second, self.since_sample.len()));
        }
        self.since_sample.extend_from_slice(&recorded.counts);
        self.since_sample_outliers += recorded.outliers;
    }

    /// The histogram of the window ending with second `now_second`: the
    /// seconds from `now_second + 1 - len` on.
    pub fn window(&mut self, now_second: u64) -> &LatencyHistogram {
        let oldest = (now_second + 1).saturating_sub(self.slots.len() as u64);
        for slot in self.slots.iter_mut().flatten() {
            if slot.second < oldest {
                slot.leave_window(&mut self.window);
            }
        }
        &self.window
    }

    /// What was recorded since the previous sample over the drawn buckets,
    /// one piece per second it was filed under.
    fn added_since_sample(&self) -> Vec<AddedBuckets> {
        let ends = self
            .since_sample_seconds
            .iter()
            .skip(1)
            .map(|&(_, start)| start)
            .chain([self.since_sample.len()]);
        self.since_sample_seconds
            .iter()
            .zip(ends)
            .map(|(&(second, start), end)| {
                AddedBuckets::of_values(second, &self.since_sample[start..end])
            })
            .collect()
    }

    /// The snapshot form: window and total percentiles, window buckets, and
    /// what was recorded since the previous call (at full resolution, and
    /// over the drawn buckets by second).
    pub fn latency(&mut self, now_second: u64) -> Latency {
        let added = self.added_since_sample();
        self.since_sample_seconds.clear();
        let window = self.window(now_second);
        let (window, buckets) = (window.percentiles(), window.buckets());
        let recorded = LatencyCounts::merged(
            std::mem::take(&mut self.since_sample),
            std::mem::take(&mut self.since_sample_outliers),
        );
        Latency {
            window,
            total: self.total.percentiles(),
            buckets,
            recorded,
            added,
            unavailable: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::latency_tally::LatencyTally;
    use rand::{RngExt, SeedableRng, rngs::StdRng};

    /// The counts of `values` as a worker would flush them.
    fn counts_of(values: &[u64]) -> LatencyCounts {
        let mut tally = LatencyTally::default();
        for &v in values {
            tally.record(v);
        }
        tally.take_counts()
    }

    /// A histogram of `values`, recorded the way the engine records them.
    fn histogram_of(values: &[u64]) -> LatencyHistogram {
        let mut hist = LatencyHistogram::new();
        hist.add_counts(&counts_of(values));
        hist
    }

    /// Exact percentile by the nearest-rank rule, as hdrhistogram reports it.
    fn exact(sorted: &[u64], q: f64) -> u64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    #[test]
    fn percentiles_match_exact_values_within_three_significant_digits() {
        let mut rng = StdRng::seed_from_u64(42);
        let mut values: Vec<u64> = (0..50_000)
            .map(|_| {
                // Log-uniform from 1 µs to 1 s: the spread latencies really have.
                let exp: f64 = rng.random_range(3.0..9.0);
                10f64.powf(exp) as u64
            })
            .collect();
        let hist = histogram_of(&values);
        values.sort_unstable();
        for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
            let want = exact(&values, q) as f64;
            let got = hist.quantile_ns(q) as f64;
            assert!(
                (got - want).abs() / want <= 0.001,
                "q={q}: histogram {got} vs exact {want}"
            );
        }
        let mean = values.iter().sum::<u64>() as f64 / values.len() as f64;
        assert!((hist.percentiles().mean * 1e6 - mean).abs() / mean < 0.001);
    }

    #[test]
    fn values_above_the_ceiling_are_clamped_and_counted() {
        let p = histogram_of(&[1_000, CEILING_NS * 2]).percentiles();
        assert_eq!(p.outliers, 1);
        assert_eq!(p.count, 2);
        assert!((p.max - CEILING_NS as f64 / 1e6).abs() / p.max < 0.001);
    }

    #[test]
    fn window_forgets_old_seconds_but_total_keeps_them() {
        let mut latency = WindowedLatency::new(5);
        latency.add(0, &counts_of(&[100_000_000]));
        latency.add(3, &counts_of(&[1_000_000]));
        assert_eq!(latency.window(4).len(), 2);
        // Second 0 leaves the window at second 5: the p99 comes back down.
        let later = latency.latency(5);
        assert_eq!(later.window.count, 1);
        assert!(later.window.p99 < 1.01);
        assert_eq!(later.total.count, 2);
        assert!(later.total.max > 99.0);
    }

    proptest::proptest! {
        /// The running window is exactly a fresh merge of the seconds in it,
        /// whatever the order of flushes, reads and seconds skipped.
        #[test]
        fn the_running_window_equals_a_merge_of_its_seconds(
            window_secs in 1usize..5,
            steps in proptest::collection::vec(
                (0u64..3, proptest::option::of(proptest::collection::vec(1u64..50_000_000, 1..20))),
                1..60,
            )
        ) {
            let mut latency = WindowedLatency::new(window_secs);
            let mut added: Vec<(u64, Vec<u64>)> = Vec::new();
            let mut now = 0;
            for (advance, flush) in steps {
                now += advance;
                match flush {
                    Some(values) => {
                        latency.add(now, &counts_of(&values));
                        added.push((now, values));
                    }
                    None => {
                        let oldest = (now + 1).saturating_sub(window_secs as u64);
                        let in_window: Vec<u64> = added
                            .iter()
                            .filter(|(second, _)| *second >= oldest)
                            .flat_map(|(_, values)| values.iter().copied())
                            .collect();
                        let all: Vec<u64> =
                            added.iter().flat_map(|(_, v)| v.iter().copied()).collect();
                        let got = latency.latency(now);
                        let want = histogram_of(&in_window);
                        proptest::prop_assert_eq!(got.window, want.percentiles());
                        proptest::prop_assert_eq!(got.buckets, want.buckets());
                        proptest::prop_assert_eq!(got.total, histogram_of(&all).percentiles());
                    }
                }
            }
        }
    }

    #[test]
    fn each_sample_carries_what_was_recorded_since_the_previous_one() {
        let mut latency = WindowedLatency::new(5);
        latency.add(0, &counts_of(&[1_000, 2_000]));
        latency.add(0, &counts_of(&[1_000, CEILING_NS * 2]));
        let first = latency.latency(0);
        assert_eq!(first.recorded.len(), 4);
        assert_eq!(first.recorded.outliers(), 1);
        assert_eq!(first.recorded.values()[0], (1_000, 2));
        assert!(first.recorded.values().windows(2).all(|w| w[0].0 < w[1].0));
        latency.add(7, &counts_of(&[5_000]));
        let second = latency.latency(7);
        assert_eq!(second.recorded.len(), 1);
        assert_eq!(
            second.total.count,
            first.recorded.len() + second.recorded.len()
        );
        assert!(latency.latency(8).recorded.is_empty());
    }

    #[test]
    fn buckets_cover_min_to_max_and_sum_to_count() {
        let buckets = histogram_of(&[1_000, 2_000, 1_000_000, 1_000_000, 3_000_000]).buckets();
        assert_eq!(buckets.iter().map(|b| b.count).sum::<u64>(), 5);
        assert!(buckets.first().unwrap().le_ms >= 0.001);
        assert!(buckets.last().unwrap().le_ms >= 3.0);
        assert!(buckets.windows(2).all(|w| w[0].le_ms < w[1].le_ms));
    }
}
