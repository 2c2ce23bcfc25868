//! Latency histograms as the sampler keeps them: counts flushed by workers
//! (recorded by [`latency_tally`](super::latency_tally), clamped, with an
//! outlier count), a ring of one-second histograms for the recent window, and
//! a cumulative total.
//!
//! Values are nanoseconds with three significant digits (hdrhistogram,
//! auto-resizing, so memory follows the largest value seen). Everything
//! above [`CEILING_NS`] is recorded at the ceiling and counted as an outlier.

use hdrhistogram::Histogram;

use super::snapshot::{Bucket, Latency, Percentiles};

/// The largest latency recorded as itself: ten minutes.
pub const CEILING_NS: u64 = 600_000_000_000;

/// Log buckets per doubling in [`LatencyHistogram::buckets`].
const BUCKETS_PER_OCTAVE: f64 = 2.0;

/// Recorded values and their counts, and the outliers: what a worker hands
/// over at a flush. Small (one entry per bucket used), so flushing moves no
/// big buffers and the worker keeps its arrays.
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

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// One histogram of latencies in nanoseconds, with its outlier count.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    hist: Histogram<u64>,
    outliers: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        Self {
            hist: Histogram::new(3).expect("3 significant digits is a valid precision"),
            outliers: 0,
        }
    }

    pub fn add(&mut self, other: &LatencyHistogram) {
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms always accept each other");
        self.outliers += other.outliers;
    }

    /// Adds counts a worker flushed.
    pub fn add_counts(&mut self, taken: &LatencyCounts) {
        for &(value, count) in &taken.counts {
            if self.hist.record_n(value, count).is_err() {
                self.hist.saturating_record_n(value, count);
            }
        }
        self.outliers += taken.outliers;
    }

    pub fn clear(&mut self) {
        self.hist.reset();
        self.outliers = 0;
    }

    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.hist.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hist.is_empty()
    }

    /// The value at quantile `q` (0..=1) in nanoseconds.
    #[cfg(test)]
    pub fn quantile_ns(&self, q: f64) -> u64 {
        self.hist.value_at_quantile(q)
    }

    /// p50, p90, p99, p99.9, max and mean in milliseconds.
    pub fn percentiles(&self) -> Percentiles {
        if self.hist.is_empty() {
            return Percentiles::default();
        }
        let ms = |ns: u64| ns as f64 / 1e6;
        Percentiles {
            count: self.hist.len(),
            p50: ms(self.hist.value_at_quantile(0.50)),
            p90: ms(self.hist.value_at_quantile(0.90)),
            p99: ms(self.hist.value_at_quantile(0.99)),
            p999: ms(self.hist.value_at_quantile(0.999)),
            max: ms(self.hist.max()),
            mean: self.hist.mean() / 1e6,
            outliers: self.outliers,
        }
    }

    /// The distribution over log-spaced buckets (two per doubling), from the
    /// bucket holding the smallest value to the one holding the largest.
    pub fn buckets(&self) -> Vec<Bucket> {
        let mut counts: Vec<(i32, u64)> = Vec::new();
        for v in self.hist.iter_recorded() {
            let index =
                ((v.value_iterated_to().max(1) as f64).log2() * BUCKETS_PER_OCTAVE).ceil() as i32;
            match counts.last_mut() {
                Some((last, count)) if *last == index => *count += v.count_at_value(),
                _ => counts.push((index, v.count_at_value())),
            }
        }
        let (Some(&(first, _)), Some(&(last, _))) = (counts.first(), counts.last()) else {
            return Vec::new();
        };
        let mut recorded = counts.into_iter().peekable();
        (first..=last)
            .map(|index| {
                let count = match recorded.peek() {
                    Some(&(i, c)) if i == index => {
                        recorded.next();
                        c
                    }
                    _ => 0,
                };
                Bucket {
                    le_ms: 2f64.powf(index as f64 / BUCKETS_PER_OCTAVE) / 1e6,
                    count,
                }
            })
            .collect()
    }
}

/// A latency metric over a sliding window of whole seconds and since the start.
///
/// Recordings of the current second gather in one histogram and join the
/// window and the total when the second changes or the metric is read: one
/// merge per flush, two per second, however many flushes arrive.
#[derive(Debug, Clone)]
pub struct WindowedLatency {
    /// `(second, histogram)`, indexed by `second % len`; made on first use,
    /// so a short run does not allocate a whole window per metric.
    slots: Vec<Option<(u64, LatencyHistogram)>>,
    total: LatencyHistogram,
    /// What arrived during `pending_second`, not yet in a slot or the total.
    pending: LatencyHistogram,
    pending_second: u64,
}

impl WindowedLatency {
    /// A window of `seconds` one-second histograms (at least one).
    pub fn new(seconds: usize) -> Self {
        Self {
            slots: vec![None; seconds.max(1)],
            total: LatencyHistogram::new(),
            pending: LatencyHistogram::new(),
            pending_second: 0,
        }
    }

    /// Adds what was recorded during second `second` since the start.
    pub fn add(&mut self, second: u64, recorded: &LatencyCounts) {
        if recorded.is_empty() {
            return;
        }
        if second != self.pending_second {
            self.commit();
            self.pending_second = second;
        }
        self.pending.add_counts(recorded);
    }

    fn commit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let second = self.pending_second;
        let len = self.slots.len() as u64;
        match &mut self.slots[(second % len) as usize] {
            Some((slot_second, hist)) => {
                if *slot_second != second {
                    *slot_second = second;
                    hist.clear();
                }
                hist.add(&self.pending);
            }
            empty => *empty = Some((second, self.pending.clone())),
        }
        self.total.add(&self.pending);
        self.pending.clear();
    }

    /// The histogram of the window ending with second `now_second`.
    pub fn window(&mut self, now_second: u64) -> LatencyHistogram {
        self.commit();
        let len = self.slots.len() as u64;
        let oldest = (now_second + 1).saturating_sub(len);
        let mut merged = LatencyHistogram::new();
        for (second, hist) in self.slots.iter().flatten() {
            if (oldest..=now_second).contains(second) {
                merged.add(hist);
            }
        }
        merged
    }

    /// The snapshot form: window and total percentiles, and window buckets.
    pub fn latency(&mut self, now_second: u64) -> Latency {
        let window = self.window(now_second);
        Latency {
            window: window.percentiles(),
            total: self.total.percentiles(),
            buckets: window.buckets(),
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

    #[test]
    fn buckets_cover_min_to_max_and_sum_to_count() {
        let buckets = histogram_of(&[1_000, 2_000, 1_000_000, 1_000_000, 3_000_000]).buckets();
        assert_eq!(buckets.iter().map(|b| b.count).sum::<u64>(), 5);
        assert!(buckets.first().unwrap().le_ms >= 0.001);
        assert!(buckets.last().unwrap().le_ms >= 3.0);
        assert!(buckets.windows(2).all(|w| w[0].le_ms < w[1].le_ms));
    }
}
