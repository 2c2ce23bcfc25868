//! The exposition itself: a snapshot as Prometheus metrics in the OpenMetrics
//! text format. Counters, gauges and the latency histograms go through a
//! prometheus-client registry built afresh at each scrape; the windowed
//! latency summaries are written by [`encode_summary`].

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use super::histogram::{HistogramFamily, Histograms};
use super::summary::{SummarySeries, encode_summary};
use crate::metrics::{Backpressure, Latency, Snapshot, StageSnapshot};

/// The whole exposition for `snapshot` alone, its histograms holding only
/// what it recorded since the snapshot before (only the end marker before
/// the first one). A run's exporter uses [`encode_with`] and the
/// histograms of every snapshot so far.
pub fn encode(snapshot: Option<&Snapshot>) -> String {
    let mut histograms = Histograms::default();
    if let Some(snapshot) = snapshot {
        histograms.add(snapshot);
    }
    encode_with(snapshot, &Arc::new(histograms))
}

/// The whole exposition for `snapshot`, with `histograms` accumulated over
/// the run up to it.
pub fn encode_with(snapshot: Option<&Snapshot>, histograms: &Arc<Histograms>) -> String {
    let mut text = String::new();
    if let Some(snapshot) = snapshot {
        let mut registry = registry(snapshot);
        register_histograms(&mut registry, histograms);
        encode_registry(&mut text, &registry).expect("writing to a String cannot fail");
        encode_summaries(&mut text, snapshot);
    }
    encode_eof(&mut text).expect("writing to a String cannot fail");
    text
}

/// The latency histograms, in seconds (the encoder adds the unit to the name).
fn register_histograms(registry: &mut Registry, histograms: &Arc<Histograms>) {
    registry.register_with_unit(
        "pipetop_end_to_end",
        "Time from when the arrival process scheduled an item to when it left the last stage",
        Unit::Seconds,
        HistogramFamily::end_to_end(histograms),
    );
    registry.register_with_unit(
        "pipetop_stage_service",
        "Time a worker spent on one attempt at one item",
        Unit::Seconds,
        HistogramFamily::per_stage(histograms, |s| &s.service),
    );
    registry.register_with_unit(
        "pipetop_stage_wait",
        "Time an item waited in the stage's input queue",
        Unit::Seconds,
        HistogramFamily::per_stage(histograms, |s| &s.wait),
    );
}

pub(super) type Labels = Vec<(String, String)>;

/// A per-stage metric: name, help, and how to read it from a stage.
type StageMetric<T> = (&'static str, &'static str, fn(&StageSnapshot) -> T);

pub(super) fn stage_label(stage: &StageSnapshot) -> Labels {
    vec![("stage".to_string(), stage.name.clone())]
}

/// Counters and gauges of one snapshot.
fn registry(snapshot: &Snapshot) -> Registry {
    let mut registry = Registry::default();
    register_pipeline(&mut registry, snapshot);
    register_stages(&mut registry, snapshot);
    super::stream_time::register(&mut registry, snapshot);
    registry
}

/// The pipeline-wide counters and gauges, and the process's CPU and memory.
/// Counter names lack `_total`, and names registered with a unit lack it: the
/// encoder adds both.
fn register_pipeline(registry: &mut Registry, snapshot: &Snapshot) {
    let totals = snapshot.totals;
    for (name, help, value) in [
        (
            "pipetop_generated",
            "Items the source produced",
            totals.generated,
        ),
        (
            "pipetop_completed",
            "Items that reached the sink",
            totals.completed,
        ),
        (
            "pipetop_dropped",
            "Items dropped by a full queue's policy",
            totals.dropped,
        ),
        (
            "pipetop_dead_lettered",
            "Items that failed every attempt",
            totals.dead_lettered,
        ),
    ] {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        registry.register(name, help, counter);
    }
    registry.register(
        "pipetop_in_flight",
        "Items generated and not yet completed, dropped or dead-lettered",
        int_gauge(totals.in_flight),
    );
    registry.register(
        "pipetop_source_pending",
        "Items due from the source but not yet admitted into the first queue",
        int_gauge(snapshot.source.source_pending),
    );
    registry.register_with_unit(
        "pipetop_source_lag",
        "How late the oldest item due from the source is",
        Unit::Seconds,
        float_gauge(snapshot.source.source_lag_ms / 1e3),
    );
    registry.register(
        "pipetop_source_blocked_ratio",
        "Fraction of the source's time spent blocked on a full first queue over the last tick",
        float_gauge(snapshot.source.blocked),
    );
    registry.register(
        "pipetop_source_backpressure",
        "1 for the source's backpressure level over the last tick, 0 for the others \
         (OK: blocked ratio <= 0.1, LOW: <= 0.5, HIGH: above)",
        level_set(snapshot.source.backpressure),
    );
    registry.register(
        "pipetop_checkpoint_watermark",
        "Checkpoint watermark: every item id below it is finished (completed, dropped or dead-lettered)",
        int_gauge(snapshot.checkpoint),
    );
    registry.register(
        "pipetop_process_cpu_ratio",
        "CPU time this process used per second of wall time (1 = one core busy; can exceed 1)",
        float_gauge(snapshot.process.cpu_percent / 100.0),
    );
    registry.register_with_unit(
        "pipetop_process_resident_memory",
        "Resident set size of this process",
        Unit::Bytes,
        int_gauge(snapshot.process.rss_bytes),
    );
}

/// The per-stage counters and gauges, labelled `stage`.
fn register_stages(registry: &mut Registry, snapshot: &Snapshot) {
    let stages = &snapshot.stages;
    // `None` leaves the stage out of the family (an unbounded queue has no bound).
    let int_gauges: [StageMetric<Option<u64>>; 5] = [
        (
            "pipetop_stage_queue_len",
            "Items waiting in the stage's input queue",
            |s| Some(s.queue_len as u64),
        ),
        (
            "pipetop_stage_queue_capacity",
            "Bound of the stage's input queue (absent when unbounded)",
            |s| s.queue_capacity.map(|c| c as u64),
        ),
        (
            "pipetop_stage_queue_max",
            "Highest length of the stage's input queue since the start (sampled each tick)",
            |s| Some(s.queue_max as u64),
        ),
        ("pipetop_stage_workers", "Live workers of the stage", |s| {
            Some(s.workers as u64)
        }),
        (
            "pipetop_stage_workers_target",
            "Pool size requested for the stage; the live workers converge to it",
            |s| Some(s.workers_target as u64),
        ),
    ];
    for (name, help, value) in int_gauges {
        let family = Family::<Labels, Gauge<i64>>::default();
        for stage in stages {
            if let Some(value) = value(stage) {
                family
                    .get_or_create(&stage_label(stage))
                    .set(clamp_i64(value));
            }
        }
        registry.register(name, help, family);
    }

    let counters: [StageMetric<u64>; 5] = [
        (
            "pipetop_stage_processed",
            "Items the stage finished and passed on",
            |s| s.processed,
        ),
        (
            "pipetop_stage_dropped",
            "Items dropped at the stage's input queue",
            |s| s.dropped,
        ),
        (
            "pipetop_stage_retried",
            "Failed attempts the stage retried",
            |s| s.retried,
        ),
        (
            "pipetop_stage_dead_lettered",
            "Items the stage gave up on after their last attempt",
            |s| s.dead_lettered,
        ),
        (
            "pipetop_stage_restarts",
            "Workers of the stage restarted after a crash",
            |s| s.restarts,
        ),
    ];
    for (name, help, value) in counters {
        let family = Family::<Labels, Counter<u64>>::default();
        for stage in stages {
            family
                .get_or_create(&stage_label(stage))
                .inc_by(value(stage));
        }
        registry.register(name, help, family);
    }

    let floats: [StageMetric<f64>; 4] = [
        (
            "pipetop_stage_queue_len_mean",
            "Items in the stage's input queue averaged over time since the start (Little's law's L)",
            |s| s.queue_len_mean,
        ),
        (
            "pipetop_stage_busy_ratio",
            "Fraction of worker time spent processing over the last tick",
            |s| s.busy,
        ),
        (
            "pipetop_stage_idle_ratio",
            "Fraction of worker time spent waiting for input over the last tick",
            |s| s.idle,
        ),
        (
            "pipetop_stage_blocked_ratio",
            "Fraction of worker time spent blocked handing items downstream over the last tick",
            |s| s.blocked,
        ),
    ];
    for (name, help, value) in floats {
        let family = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        // A figure the producer does not measure (NaN) is left out, not exported.
        for stage in stages.iter().filter(|s| value(s).is_finite()) {
            family.get_or_create(&stage_label(stage)).set(value(stage));
        }
        registry.register(name, help, family);
    }

    let backpressure = Family::<Labels, Gauge<i64>>::default();
    for stage in stages {
        level_series(&backpressure, stage_label(stage), stage.backpressure);
    }
    registry.register(
        "pipetop_stage_backpressure",
        "1 for the stage's backpressure level over the last tick, 0 for the others \
         (OK: blocked ratio <= 0.1, LOW: <= 0.5, HIGH: above)",
        backpressure,
    );

    let bottleneck = Family::<Labels, Gauge<i64>>::default();
    for (index, stage) in stages.iter().enumerate() {
        bottleneck
            .get_or_create(&stage_label(stage))
            .set(i64::from(snapshot.bottleneck == Some(index)));
    }
    registry.register(
        "pipetop_stage_bottleneck",
        "1 for the stage that limits the pipeline now (the first busy, unblocked stage \
         downstream of the last backpressured one), 0 for the others; all 0 when there is none",
        bottleneck,
    );
}

/// A state set of backpressure levels: one series per level (label
/// `level`, after `labels`), 1 for `current` and 0 for the others.
fn level_series(family: &Family<Labels, Gauge<i64>>, labels: Labels, current: Backpressure) {
    for level in [Backpressure::Ok, Backpressure::Low, Backpressure::High] {
        let mut series = labels.clone();
        series.push(("level".to_string(), level.as_str().to_string()));
        family
            .get_or_create(&series)
            .set(i64::from(current == level));
    }
}

/// [`level_series`] as a family of its own, with no other label (the source's).
fn level_set(current: Backpressure) -> Family<Labels, Gauge<i64>> {
    let family = Family::default();
    level_series(&family, Labels::new(), current);
    family
}

/// The latency summaries: pipetop's own quantiles over the recent window
/// (exact to three significant digits), end to end, then per stage.
fn encode_summaries(text: &mut String, snapshot: &Snapshot) {
    // A latency the producer does not measure (a Flink job's) is left out.
    let e2e = (!snapshot.end_to_end_ms.unavailable).then_some(SummarySeries {
        stage: None,
        window: snapshot.end_to_end_ms.window,
        total: snapshot.end_to_end_ms.total,
    });
    encode_summary(
        text,
        "pipetop_end_to_end_window_seconds",
        "Time from when the arrival process scheduled an item to when it left the last stage \
         (pipetop's quantiles over the recent window)",
        e2e,
    );
    type PickLatency = (&'static str, &'static str, fn(&StageSnapshot) -> &Latency);
    let per_stage: [PickLatency; 2] = [
        (
            "pipetop_stage_service_window_seconds",
            "Time a worker spent on one attempt at one item (pipetop's quantiles over the recent window)",
            |s| &s.service_ms,
        ),
        (
            "pipetop_stage_wait_window_seconds",
            "Time an item waited in the stage's input queue (pipetop's quantiles over the recent window)",
            |s| &s.wait_ms,
        ),
    ];
    for (name, help, latency) in per_stage {
        let series = snapshot.stages.iter().filter_map(|s| {
            let latency = latency(s);
            (!latency.unavailable).then_some(SummarySeries {
                stage: Some(s.name.as_str()),
                window: latency.window,
                total: latency.total,
            })
        });
        encode_summary(text, name, help, series);
    }
}

pub(super) fn int_gauge(value: u64) -> Gauge<i64> {
    let gauge = Gauge::<i64>::default();
    gauge.set(clamp_i64(value));
    gauge
}

pub(super) fn float_gauge(value: f64) -> Gauge<f64, AtomicU64> {
    let gauge = Gauge::<f64, AtomicU64>::default();
    gauge.set(value);
    gauge
}

fn clamp_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_the_first_snapshot_only_the_end_marker_is_served() {
        assert_eq!(encode(None), "# EOF\n");
    }
}
