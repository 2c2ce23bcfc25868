//! A worker's own latency recording between flushes: counts kept in
//! hdrhistogram's bucket layout at three significant digits, in a flat array,
//! so recording one latency is an index computation and one increment, with
//! none of a full histogram's bookkeeping (it sits on the per-item path of
//! every stage: see docs/PERFORMANCE.md). At the flush the non-zero buckets
//! become [`LatencyCounts`], which the sampler adds to real hdrhistograms:
//! the result is exactly what recording there directly would have given.
//!
//! The flat array is what a busy worker needs; a slow one (a few items per
//! flush) would keep tens of KiB of mostly zero counts for nothing, and a
//! pool of thousands of such workers would hold hundreds of MiB. So an
//! interval starts *sparse* (a few `(bucket, count)` pairs) and turns dense
//! only once it sees more distinct buckets than those hold; a flush that
//! saw few items gives the array's memory back.

use super::hdr_layout::{index_of, lowest_value_at};
use super::latency::{CEILING_NS, LatencyCounts};

/// Distinct buckets an interval records before it turns dense.
const SPARSE_MAX: usize = 16;

/// A dense interval that recorded fewer items than this gives its array back
/// at the flush.
const KEEP_DENSE_FROM: u64 = 4096;

/// Latencies in nanoseconds recorded by one thread since its last flush.
#[derive(Debug, Clone, Default)]
pub struct LatencyTally {
    /// Per bucket, grown to the largest bucket used (dense intervals only).
    counts: Vec<u32>,
    /// `(bucket, count)` pairs while the interval is sparse.
    sparse: Vec<(u32, u32)>,
    dense: bool,
    /// One bit per counter recorded into since the flush, 64 to a word
    /// (dense intervals only, sized with `counts`): the flush skips empty
    /// words and reads exactly the counters in use.
    occupied: Vec<u64>,
    /// Keep the flat array whatever the interval recorded (one tally per
    /// stage, as in virtual time: no pool of quiet workers to save for).
    keep_dense: bool,
    recorded: u64,
    outliers: u64,
}

impl LatencyTally {
    /// A tally that keeps its flat array once it has one: for a producer
    /// with one tally per stage, where giving it back at every quiet flush
    /// would only make it allocate and zero it again at the next busy one.
    pub fn keeping_its_array() -> Self {
        Self {
            keep_dense: true,
            ..Self::default()
        }
    }

    /// Records one latency, clamped to `1..=CEILING_NS` (what is above the
    /// ceiling is also counted as an outlier).
    #[inline]
    pub fn record(&mut self, nanos: u64) {
        let value = if nanos > CEILING_NS {
            self.outliers += 1;
            CEILING_NS
        } else {
            nanos.max(1)
        };
        let index = index_of(value);
        self.recorded += 1;
        if !self.dense {
            self.record_sparse(index);
            return;
        }
        match self.counts.get_mut(index) {
            // A flush comes every 100 ms at most: no bucket nears 2³² by then.
            Some(count) => {
                *count = count.wrapping_add(1);
                self.mark(index);
            }
            None => self.grow_to_record(index),
        }
    }

    /// Records into the sparse pairs, turning dense when they are full.
    #[inline]
    fn record_sparse(&mut self, index: usize) {
        let key = index as u32;
        if let Some(pair) = self.sparse.iter_mut().find(|(bucket, _)| *bucket == key) {
            pair.1 = pair.1.wrapping_add(1);
        } else if self.sparse.len() < SPARSE_MAX {
            self.sparse.push((key, 1));
        } else {
            self.turn_dense(index);
        }
    }

    /// Moves the sparse pairs into the flat array and records `index` there.
    #[cold]
    fn turn_dense(&mut self, index: usize) {
        self.dense = true;
        let pairs = std::mem::take(&mut self.sparse);
        for &(bucket, count) in &pairs {
            let bucket = bucket as usize;
            self.reach(bucket);
            self.counts[bucket] += count;
            self.mark(bucket);
        }
        self.sparse = pairs;
        self.sparse.clear();
        self.reach(index);
        self.counts[index] += 1;
        self.mark(index);
    }

    /// Records into a bucket beyond the array's end, growing it.
    #[cold]
    fn grow_to_record(&mut self, index: usize) {
        self.reach(index);
        self.counts[index] = 1;
        self.mark(index);
    }

    /// Grows the flat array (and its occupancy bits) to hold `index`.
    fn reach(&mut self, index: usize) {
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
            self.occupied.resize((index >> 6) + 1, 0);
        }
    }

    /// Notes counter `index` (in the array) as recorded into.
    #[inline]
    fn mark(&mut self, index: usize) {
        self.occupied[index >> 6] |= 1 << (index & 63);
    }

    pub fn is_empty(&self) -> bool {
        self.recorded == 0
    }

    /// Hands over what was recorded and starts afresh: a busy tally keeps
    /// its array, a quiet one gives it back and starts sparse.
    pub fn take_counts(&mut self) -> LatencyCounts {
        let mut counts = Vec::with_capacity(self.recorded.min(4096) as usize);
        if self.dense {
            for (word, bits) in self.occupied.iter_mut().enumerate() {
                if *bits == 0 {
                    continue;
                }
                let mut used = std::mem::take(bits);
                while used != 0 {
                    let index = (word << 6) + used.trailing_zeros() as usize;
                    used &= used - 1;
                    let count = std::mem::take(&mut self.counts[index]);
                    counts.push((lowest_value_at(index), u64::from(count)));
                }
            }
            if self.recorded < KEEP_DENSE_FROM && !self.keep_dense {
                self.counts = Vec::new();
                self.occupied = Vec::new();
                self.dense = false;
            }
        } else {
            self.sparse.sort_unstable_by_key(|(bucket, _)| *bucket);
            counts.extend(
                self.sparse
                    .drain(..)
                    .map(|(bucket, count)| (lowest_value_at(bucket as usize), u64::from(count))),
            );
        }
        let taken = LatencyCounts::new(counts, self.outliers);
        self.recorded = 0;
        self.outliers = 0;
        taken
    }
}

#[cfg(test)]
mod tests {
    use hdrhistogram::Histogram;
    use proptest::prelude::*;

    use super::*;
    use crate::metrics::latency::LatencyHistogram;

    fn hdr() -> Histogram<u64> {
        Histogram::new(3).expect("valid precision")
    }

    proptest! {
        #[test]
        fn a_flush_rebuilds_exactly_the_histogram_of_the_values(
            values in prop::collection::vec(
                prop_oneof![0u64..5_000, 0u64..10_000_000, 0u64..(CEILING_NS * 2)],
                1..400,
            )
        ) {
            let mut tally = LatencyTally::default();
            let mut direct = hdr();
            for &v in &values {
                tally.record(v);
                direct.record(v.clamp(1, CEILING_NS)).expect("auto-resizing");
            }
            let counts = tally.take_counts();
            prop_assert!(tally.is_empty());
            let mut rebuilt = LatencyHistogram::new();
            rebuilt.add_counts(&counts);
            let p = rebuilt.percentiles();
            let ms = |ns: u64| ns as f64 / 1e6;
            prop_assert_eq!(p.count, values.len() as u64);
            prop_assert_eq!(p.p50, ms(direct.value_at_quantile(0.5)));
            prop_assert_eq!(p.p99, ms(direct.value_at_quantile(0.99)));
            prop_assert_eq!(p.p999, ms(direct.value_at_quantile(0.999)));
            prop_assert_eq!(p.max, ms(direct.max()));
            prop_assert!((p.mean - direct.mean() / 1e6).abs() <= p.mean * 1e-9);
            prop_assert_eq!(
                p.outliers,
                values.iter().filter(|&&v| v > CEILING_NS).count() as u64
            );
        }
    }

    #[test]
    fn a_quiet_tally_stays_small_and_a_busy_one_turns_dense_and_back() {
        let mut tally = LatencyTally::default();
        for v in [5_000_000, 5_000_001, 7_000_000] {
            tally.record(v);
        }
        assert!(!tally.dense, "three buckets fit the sparse pairs");
        assert!(
            tally.counts.capacity() == 0,
            "no flat array for a quiet worker"
        );
        // Many distinct buckets in one interval: dense, and it stays dense
        // while busy.
        for v in 0..(KEEP_DENSE_FROM * 2) {
            tally.record(1_000 + v * 997);
        }
        assert!(tally.dense);
        let busy = tally.take_counts();
        let mut hist = LatencyHistogram::new();
        hist.add_counts(&busy);
        assert_eq!(hist.percentiles().count, KEEP_DENSE_FROM * 2 + 3);
        assert!(tally.dense, "a busy interval keeps its array");
        tally.record(9);
        tally.take_counts();
        assert!(!tally.dense, "a quiet interval gives it back");
        assert_eq!(tally.counts.capacity(), 0);
    }

    #[test]
    fn taking_empties_the_tally_and_keeps_nothing_for_the_next_flush() {
        let mut tally = LatencyTally::default();
        tally.record(5_000);
        tally.record(CEILING_NS + 1);
        let first = tally.take_counts();
        assert!(!first.is_empty());
        assert!(tally.is_empty());
        tally.record(7);
        let mut hist = LatencyHistogram::new();
        hist.add_counts(&tally.take_counts());
        let p = hist.percentiles();
        assert_eq!((p.count, p.outliers), (1, 0));
        assert_eq!(p.max, 7e-6);
    }
}
