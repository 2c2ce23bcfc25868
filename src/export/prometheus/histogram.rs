//! Latency as Prometheus histograms: cumulative counts since the start over
//! fixed, log-spaced bucket bounds, accumulated from what each snapshot
//! recorded since the one before, so `histogram_quantile` and `rate` work
//! across stages, runs and instances.
//!
//! The bounds follow the Renard R5 series (1, 1.6, 2.5, 4, 6.3 per decade,
//! a factor of about 1.6 between neighbours) from 1 µs to 60 s: 40 finite
//! buckets and `+Inf`. Values come in nanoseconds at three significant
//! digits, so a value lands in the same bucket it would at full precision
//! unless it lies within 0.1% of a bound.

use std::sync::{Arc, LazyLock};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::metrics::{LatencyCounts, Snapshot};

/// The finite upper bounds, in seconds, ascending.
pub fn bucket_bounds() -> &'static [f64] {
    static BOUNDS: LazyLock<Vec<f64>> = LazyLock::new(|| {
        let mut bounds: Vec<f64> = (-6..=1)
            .flat_map(|exponent| {
                ["1", "1.6", "2.5", "4", "6.3"]
                    .map(|mantissa| format!("{mantissa}e{exponent}").parse::<f64>())
            })
            .map(|bound| bound.expect("a decimal literal parses"))
            .filter(|&bound| bound < 60.0)
            .collect();
        bounds.push(60.0);
        bounds
    });
    &BOUNDS
}

/// The finite bounds in nanoseconds, for bucketing recorded values.
fn bounds_ns() -> &'static [u64] {
    static BOUNDS_NS: LazyLock<Vec<u64>> = LazyLock::new(|| {
        bucket_bounds()
            .iter()
            .map(|seconds| (seconds * 1e9).round() as u64)
            .collect()
    });
    &BOUNDS_NS
}

/// The middle of the hdrhistogram bucket (three significant digits) whose
/// lowest value is `lowest`: what pipetop's means average, so `_sum` here
/// equals the summaries' `_sum`.
fn midpoint(lowest: u64) -> u64 {
    // 2048 sub-buckets per bucket: a value's bucket is its magnitude above 2¹¹.
    let bucket = (u64::BITS - 11).saturating_sub((lowest | 2047).leading_zeros());
    lowest + ((1u64 << bucket) >> 1)
}

/// One latency's counts since the start, per bucket (not cumulative; the
/// last slot is above the largest bound), with their sum and count.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyBuckets {
    per_bucket: Vec<u64>,
    sum_ns: u128,
    count: u64,
}

impl Default for LatencyBuckets {
    fn default() -> Self {
        Self {
            per_bucket: vec![0; bucket_bounds().len() + 1],
            sum_ns: 0,
            count: 0,
        }
    }
}

impl LatencyBuckets {
    /// Adds the latencies a snapshot recorded.
    pub fn add(&mut self, recorded: &LatencyCounts) {
        let bounds = bounds_ns();
        for &(value, count) in recorded.values() {
            let bucket = bounds.partition_point(|&bound| bound < value);
            self.per_bucket[bucket] += count;
            self.sum_ns += u128::from(midpoint(value)) * u128::from(count);
            self.count += count;
        }
    }

    /// Recordings since the start.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// `(upper bound in seconds, count in that bucket alone)`, `+Inf` last.
    fn buckets(&self) -> Vec<(f64, u64)> {
        bucket_bounds()
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(self.per_bucket.iter().copied())
            .collect()
    }
}

/// Every latency histogram of a run, accumulated snapshot by snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histograms {
    /// The pipeline's end-to-end latency.
    pub end_to_end: LatencyBuckets,
    /// True when the producer does not measure it (then it is left out).
    pub end_to_end_unavailable: bool,
    /// Per stage, in pipeline order: its name, service and wait.
    pub stages: Vec<StageHistograms>,
}

/// One stage's histograms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageHistograms {
    /// The stage's name (its `stage` label).
    pub name: String,
    /// Time a worker spent on one attempt.
    pub service: LatencyBuckets,
    /// Time an item waited in the stage's input queue.
    pub wait: LatencyBuckets,
    /// True when the producer measures neither (then both are left out).
    pub unavailable: bool,
}

impl Histograms {
    /// Adds what `snapshot` recorded since the previous snapshot.
    pub fn add(&mut self, snapshot: &Snapshot) {
        self.end_to_end.add(&snapshot.end_to_end_ms.recorded);
        self.end_to_end_unavailable = snapshot.end_to_end_ms.unavailable;
        self.stages
            .resize_with(snapshot.stages.len(), Default::default);
        for (histograms, stage) in self.stages.iter_mut().zip(&snapshot.stages) {
            if histograms.name != stage.name {
                histograms.name.clone_from(&stage.name);
            }
            histograms.service.add(&stage.service_ms.recorded);
            histograms.wait.add(&stage.wait_ms.recorded);
            histograms.unavailable = stage.service_ms.unavailable && stage.wait_ms.unavailable;
        }
    }
}

/// A histogram family for the registry: one series per label set.
#[derive(Debug)]
pub struct HistogramFamily {
    series: Vec<(Vec<(String, String)>, LatencyBuckets)>,
}

impl HistogramFamily {
    /// The pipeline's end-to-end histogram (no label).
    pub fn end_to_end(histograms: &Arc<Histograms>) -> Self {
        let series = (!histograms.end_to_end_unavailable)
            .then(|| (Vec::new(), histograms.end_to_end.clone()));
        Self {
            series: series.into_iter().collect(),
        }
    }

    /// One series per stage, labelled `stage`, read by `pick`.
    pub fn per_stage(
        histograms: &Arc<Histograms>,
        pick: fn(&StageHistograms) -> &LatencyBuckets,
    ) -> Self {
        Self {
            series: histograms
                .stages
                .iter()
                .filter(|s| !s.unavailable)
                .map(|s| (vec![("stage".to_string(), s.name.clone())], pick(s).clone()))
                .collect(),
        }
    }
}

impl EncodeMetric for HistogramFamily {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, buckets) in &self.series {
            encoder
                .encode_family(labels)?
                .encode_histogram::<NoLabelSet>(
                    buckets.sum_ns as f64 / 1e9,
                    buckets.count,
                    &buckets.buckets(),
                    None,
                )?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_midpoint_is_hdrhistograms_median_equivalent() {
        let reference = hdrhistogram::Histogram::<u64>::new(3).unwrap();
        for value in [
            1,
            7,
            2047,
            2048,
            4095,
            4096,
            123_456,
            1 << 30,
            600_000_000_000,
        ] {
            let lowest = reference.lowest_equivalent(value);
            assert_eq!(
                midpoint(lowest),
                reference.median_equivalent(value),
                "value {value}"
            );
        }
    }

    #[test]
    fn bounds_run_log_spaced_from_a_microsecond_to_a_minute() {
        let bounds = bucket_bounds();
        assert_eq!(bounds.first(), Some(&1e-6));
        assert_eq!(bounds.last(), Some(&60.0));
        assert!(bounds.windows(2).all(|w| {
            let ratio = w[1] / w[0];
            (1.4..=1.7).contains(&ratio)
        }));
        assert_eq!(bounds.len(), 40);
    }

    #[test]
    fn values_fall_in_the_first_bucket_whose_bound_holds_them() {
        let mut buckets = LatencyBuckets::default();
        // 1 µs exactly (le="1e-6"), just above it, 1 s, and beyond a minute.
        buckets.add(&LatencyCounts::new(
            vec![
                (1_000, 2),
                (1_001, 1),
                (1_000_000_000, 1),
                (90_000_000_000, 1),
            ],
            0,
        ));
        let per = buckets.buckets();
        assert_eq!(per[0], (1e-6, 2));
        assert_eq!(per[1], (1.6e-6, 1));
        let one_second = per.iter().position(|&(le, _)| le == 1.0).unwrap();
        assert_eq!(per[one_second].1, 1);
        assert_eq!(per.last(), Some(&(f64::INFINITY, 1)));
        assert_eq!(buckets.count(), 5);
        assert_eq!(per.iter().map(|&(_, c)| c).sum::<u64>(), buckets.count());
    }
}
