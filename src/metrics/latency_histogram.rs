//! One latency histogram as the sampler keeps it: counts in hdrhistogram's
//! layout at three significant digits (see [`hdr_layout`](super::hdr_layout)),
//! with a running sum per block of [`BLOCK`] counters beside them. Reading
//! percentiles or the log buckets walks the block sums and opens only the
//! blocks it must, so a snapshot's cost follows the blocks in use, not the
//! tens of thousands of counters a wide histogram holds: that read happens
//! for eleven histograms at every tick, which in virtual time is most of
//! the work (docs/PERFORMANCE.md). The results are hdrhistogram's exactly;
//! the tests compare against the crate.

use std::sync::LazyLock;

use super::hdr_layout::{highest_value_at, index_of, median_value_at};
use super::latency::LatencyCounts;
use super::snapshot::{Bucket, Percentiles};

/// The quantiles a [`Percentiles`] reports, ascending: p50, p90, p99, p99.9.
const QUANTILES: [f64; 4] = [0.50, 0.90, 0.99, 0.999];

/// Log buckets per doubling in [`LatencyHistogram::buckets`].
const BUCKETS_PER_OCTAVE: f64 = 2.0;

/// log2 of the counters summed in one block.
const BLOCK_BITS: u32 = 6;
/// Counters summed in one block.
const BLOCK: usize = 1 << BLOCK_BITS;

/// The log bucket of the values counted at `index`: two per doubling, a
/// value's bucket the first whose bound is at or above its counter's
/// highest value. Read from [`LOG_BUCKETS`], computed once.
#[inline]
fn log_bucket_at(index: usize) -> i32 {
    i32::from(LOG_BUCKETS[index])
}

/// The log bucket of every counter a `u64` value can reach (at most 128,
/// so a byte each, about 55 KB): a snapshot places thousands of counters
/// in their buckets at every tick, and a logarithm each was a tenth of a
/// virtual-time run.
static LOG_BUCKETS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    (0..=index_of(u64::MAX))
        .map(|index| {
            let bucket =
                ((highest_value_at(index).max(1) as f64).log2() * BUCKETS_PER_OCTAVE).ceil();
            bucket as u8
        })
        .collect()
});

/// The log bucket of `value` (see [`log_bucket_at`]).
#[inline]
pub fn log_bucket_of(value: u64) -> i32 {
    log_bucket_at(index_of(value))
}

/// The log buckets of each block's first and last counter, for every block
/// a `u64` value can reach: a block whose two agree is counted whole.
static BLOCK_LOG_BUCKETS: LazyLock<Vec<(i32, i32)>> = LazyLock::new(|| {
    let blocks = index_of(u64::MAX) / BLOCK + 1;
    (0..blocks)
        .map(|b| {
            (
                log_bucket_at(b * BLOCK),
                log_bucket_at(b * BLOCK + BLOCK - 1),
            )
        })
        .collect()
});

/// One histogram of latencies in nanoseconds, with its outlier count.
#[derive(Debug, Clone, Default)]
pub struct LatencyHistogram {
    /// Per counter index, grown a block at a time to the largest in use.
    counts: Vec<u64>,
    /// The sum of each block of [`BLOCK`] counters.
    blocks: Vec<u64>,
    total: u64,
    outliers: u64,
    /// The sum of every recording's counter midpoint (hdrhistogram's median
    /// equivalent, what its `mean` averages), so the mean costs no pass
    /// over the counts.
    midpoint_sum: u128,
}

impl LatencyHistogram {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds counts a worker flushed.
    #[cfg(test)]
    pub fn add_counts(&mut self, taken: &LatencyCounts) {
        Self::add_counts_to(&mut [self], taken);
    }

    /// Adds counts a worker flushed to each of `hists` (a second, its
    /// window and the total take the same flush), finding each value's
    /// counter once.
    pub fn add_counts_to(hists: &mut [&mut Self], taken: &LatencyCounts) {
        let Some(highest) = taken.values().iter().map(|&(value, _)| value).max() else {
            return;
        };
        let last_block = index_of(highest) >> BLOCK_BITS;
        for hist in hists.iter_mut() {
            hist.reach_block(last_block);
            hist.outliers += taken.outliers();
        }
        for &(value, count) in taken.values() {
            let index = index_of(value);
            let block = index >> BLOCK_BITS;
            let midpoints = u128::from(median_value_at(index)) * u128::from(count);
            for hist in hists.iter_mut() {
                hist.counts[index] += count;
                hist.blocks[block] += count;
                hist.total += count;
                hist.midpoint_sum += midpoints;
            }
        }
    }

    /// Grows the arrays to hold block `block`.
    fn reach_block(&mut self, block: usize) {
        if block >= self.blocks.len() {
            self.blocks.resize(block + 1, 0);
            self.counts.resize((block + 1) * BLOCK, 0);
        }
    }

    /// The blocks holding any count, with their index and sum.
    fn used_blocks(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        (self.blocks.iter().enumerate())
            .filter(|&(_, &sum)| sum > 0)
            .map(|(b, &sum)| (b, sum))
    }

    /// The counters of block `b` holding any count, with their index.
    fn used_in_block(&self, b: usize) -> impl Iterator<Item = (usize, u64)> + '_ {
        let start = b * BLOCK;
        (self.counts[start..start + BLOCK].iter().enumerate())
            .filter(|&(_, &count)| count > 0)
            .map(move |(i, &count)| (start + i, count))
    }

    /// Takes `other` back out of this histogram; `other` must be part of
    /// what was added here (as a second is part of its window).
    pub fn subtract(&mut self, other: &LatencyHistogram) {
        for (b, sum) in other.used_blocks() {
            let range = b * BLOCK..(b + 1) * BLOCK;
            // The whole block at once: the compiler makes it a few vector
            // operations, cheaper than testing each counter.
            for (mine, theirs) in self.counts[range.clone()]
                .iter_mut()
                .zip(&other.counts[range])
            {
                *mine -= theirs;
            }
            self.blocks[b] -= sum;
        }
        self.total -= other.total;
        self.outliers -= other.outliers;
        self.midpoint_sum -= other.midpoint_sum;
    }

    /// Forgets every count, keeping the arrays.
    pub fn clear(&mut self) {
        for b in 0..self.blocks.len() {
            if self.blocks[b] > 0 {
                self.counts[b * BLOCK..(b + 1) * BLOCK].fill(0);
                self.blocks[b] = 0;
            }
        }
        self.total = 0;
        self.outliers = 0;
        self.midpoint_sum = 0;
    }

    /// The number of recordings.
    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The counter indexes at which the running count first reaches each
    /// of `targets` (ascending, each at most the total), in one pass.
    fn indexes_at_counts<const N: usize>(&self, targets: [u64; N]) -> [usize; N] {
        let mut at = [0; N];
        let mut next = 0;
        let mut running = 0;
        for (b, sum) in self.used_blocks() {
            if next == N {
                break;
            }
            if running + sum < targets[next] {
                running += sum;
                continue;
            }
            for (i, count) in self.used_in_block(b) {
                running += count;
                while next < N && running >= targets[next] {
                    at[next] = i;
                    next += 1;
                }
            }
        }
        at
    }

    /// The recording count at quantile `q`, as hdrhistogram rounds it.
    fn count_at_quantile(&self, q: f64) -> u64 {
        ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1)
    }

    /// The value at quantile `q` (0 < q ≤ 1) in nanoseconds.
    #[cfg(test)]
    pub fn quantile_ns(&self, q: f64) -> u64 {
        let [at] = self.indexes_at_counts([self.count_at_quantile(q)]);
        highest_value_at(at)
    }

    /// The highest value recorded, as its counter's highest value.
    fn max_ns(&self) -> u64 {
        let last = self.blocks.iter().rposition(|&sum| sum > 0);
        let last = last.and_then(|b| self.used_in_block(b).last().map(|(i, _)| i));
        last.map_or(0, highest_value_at)
    }

    /// p50, p90, p99, p99.9, max and mean in milliseconds.
    pub fn percentiles(&self) -> Percentiles {
        if self.is_empty() {
            return Percentiles::default();
        }
        let ms = |ns: u64| ns as f64 / 1e6;
        let at = self.indexes_at_counts(QUANTILES.map(|q| self.count_at_quantile(q)));
        let [p50, p90, p99, p999] = at.map(|i| ms(highest_value_at(i)));
        Percentiles {
            count: self.total,
            p50,
            p90,
            p99,
            p999,
            max: ms(self.max_ns()),
            mean: self.midpoint_sum as f64 / self.total as f64 / 1e6,
            outliers: self.outliers,
        }
    }

    /// The distribution over log-spaced buckets (two per doubling), from the
    /// bucket holding the smallest value to the one holding the largest.
    pub fn buckets(&self) -> Vec<Bucket> {
        let mut counts: Vec<(i32, u64)> = Vec::new();
        let mut add = |index: i32, count: u64| match counts.last_mut() {
            Some((last, total)) if *last == index => *total += count,
            _ => counts.push((index, count)),
        };
        for (b, sum) in self.used_blocks() {
            match BLOCK_LOG_BUCKETS[b] {
                (first, last) if first == last => add(first, sum),
                _ => {
                    for (i, count) in self.used_in_block(b) {
                        add(log_bucket_at(i), count);
                    }
                }
            }
        }
        match dense_counts(&counts) {
            Some((first, counts)) => buckets_from(first, counts),
            None => Vec::new(),
        }
    }
}

/// Counts by drawn bucket index (`(index, count)`, in any order) as one
/// run from the first index used to the last, zeros between; `None` for
/// no counts.
pub fn dense_counts(by_index: &[(i32, u64)]) -> Option<(i32, Vec<u64>)> {
    let indexes = by_index.iter().map(|&(index, _)| index);
    let (first, last) = (indexes.clone().min()?, indexes.max()?);
    let mut counts = vec![0; (last - first + 1) as usize];
    for &(index, count) in by_index {
        counts[(index - first) as usize] += count;
    }
    Some((first, counts))
}

/// The drawn buckets holding `counts`, the first of them bucket `first`.
pub fn buckets_from(first: i32, counts: impl IntoIterator<Item = u64>) -> Vec<Bucket> {
    counts
        .into_iter()
        .zip(first..)
        .map(|(count, index)| Bucket {
            le_ms: bucket_le_ms(index),
            count,
        })
        .collect()
}

/// The upper bound of drawn bucket `index`, in milliseconds.
fn bucket_le_ms(index: i32) -> f64 {
    2f64.powf(index as f64 / BUCKETS_PER_OCTAVE) / 1e6
}

#[cfg(test)]
mod tests {
    use hdrhistogram::Histogram;
    use proptest::prelude::*;

    use super::*;

    /// The counts of `values` as one flush (value, count), ascending.
    fn counts_of(values: &[u64]) -> LatencyCounts {
        let mut by_index = std::collections::BTreeMap::new();
        for &v in values {
            *by_index.entry(index_of(v)).or_insert(0u64) += 1;
        }
        let counts = by_index
            .into_iter()
            .map(|(i, c)| (crate::metrics::hdr_layout::lowest_value_at(i), c))
            .collect();
        LatencyCounts::new(counts, 0)
    }

    /// hdrhistogram's own percentiles and buckets for `values`.
    fn reference(values: &[u64]) -> (Percentiles, Vec<Bucket>) {
        let mut h: Histogram<u64> = Histogram::new(3).expect("valid precision");
        let mut midpoints = 0u128;
        for &v in values {
            h.record(v).expect("auto-resizing");
            midpoints += u128::from(h.median_equivalent(v));
        }
        let ms = |ns: u64| ns as f64 / 1e6;
        let q: Vec<u64> = h.value_at_quantiles(QUANTILES).collect();
        let percentiles = Percentiles {
            count: h.len(),
            p50: ms(q[0]),
            p90: ms(q[1]),
            p99: ms(q[2]),
            p999: ms(q[3]),
            max: ms(h.max()),
            mean: midpoints as f64 / h.len() as f64 / 1e6,
            outliers: 0,
        };
        let mut counts: Vec<(i32, u64)> = Vec::new();
        for v in h.iter_recorded() {
            let index =
                ((v.value_iterated_to().max(1) as f64).log2() * BUCKETS_PER_OCTAVE).ceil() as i32;
            match counts.last_mut() {
                Some((last, count)) if *last == index => *count += v.count_at_value(),
                _ => counts.push((index, v.count_at_value())),
            }
        }
        let buckets = match (counts.first(), counts.last()) {
            (Some(&(first, _)), Some(&(last, _))) => (first..=last)
                .map(|index| Bucket {
                    le_ms: 2f64.powf(index as f64 / BUCKETS_PER_OCTAVE) / 1e6,
                    count: counts
                        .iter()
                        .find(|(i, _)| *i == index)
                        .map_or(0, |&(_, c)| c),
                })
                .collect(),
            _ => Vec::new(),
        };
        (percentiles, buckets)
    }

    proptest! {
        /// Percentiles and buckets are hdrhistogram's, also after a part
        /// was taken out again (as a second leaves its window).
        #[test]
        fn reads_equal_hdrhistograms(
            kept in prop::collection::vec(
                prop_oneof![1u64..5_000, 1u64..50_000_000, 1u64..700_000_000_000],
                1..300,
            ),
            taken_out in prop::collection::vec(1u64..50_000_000, 0..100),
        ) {
            let mut hist = LatencyHistogram::new();
            hist.add_counts(&counts_of(&taken_out));
            hist.add_counts(&counts_of(&kept));
            let mut part = LatencyHistogram::new();
            part.add_counts(&counts_of(&taken_out));
            hist.subtract(&part);
            let (percentiles, buckets) = reference(&kept);
            prop_assert_eq!(hist.percentiles(), percentiles);
            prop_assert_eq!(hist.buckets(), buckets);
            part.clear();
            prop_assert!(part.is_empty());
            prop_assert_eq!(part.percentiles(), Percentiles::default());
            prop_assert!(part.buckets().is_empty());
        }
    }
}
