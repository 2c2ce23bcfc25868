use std::sync::Arc;

use super::*;
use crate::metrics::{Backpressure, Snapshot, Totals};

/// A snapshot at `tick` (a quarter second each) with in-flight `value`.
fn at(tick: u64, value: u64) -> Arc<Snapshot> {
    Arc::new(Snapshot {
        totals: Totals {
            generated: value,
            in_flight: value,
            ..Totals::default()
        },
        ..Snapshot::quiet(tick, tick as f64 * 0.25, 100.0)
    })
}

const IN_FLIGHT: Metric = Metric::Pipeline(PipelineMetric::InFlight);

#[test]
fn a_long_run_keeps_a_bounded_number_of_rows_and_moments() {
    let mut history = History::default();
    let ticks = (RECENT_TICKS + WHOLE_ROWS * 8) as u64;
    for tick in 0..ticks {
        history.push(at(tick, 1), []);
    }
    let all = history.points(IN_FLIGHT, 0.0, f64::INFINITY);
    assert!(
        all.len() <= RECENT_TICKS + WHOLE_ROWS,
        "{} points",
        all.len()
    );
    assert!(history.moments_kept() <= RECENT_TICKS + store::OLDER_MOMENTS);
    assert!(history.stride() > 1, "older ticks were downsampled");
    assert_eq!(history.ticks(), ticks);
    // The points cover the run from its start, in time order.
    assert_eq!(all.first().map(|p| p.t_s), Some(0.0));
    assert!(all.windows(2).all(|w| w[0].t_s < w[1].t_s));
    // Any past tick finds the kept moment at or before it, in either tier.
    let last = ticks - 1;
    assert_eq!(history.moment(last).unwrap().tick, last);
    assert_eq!(history.moment(u64::MAX).unwrap().tick, last);
    assert_eq!(history.moment(0).unwrap().tick, 0);
    for tick in [1, 1_000, 5_000, last - RECENT_TICKS as u64 - 1] {
        let found = history.moment(tick).unwrap().tick;
        assert!(found <= tick, "{found} for {tick}");
        assert_eq!(history.step(found, 0).unwrap().tick, found);
    }
}

#[test]
fn a_one_tick_spike_survives_downsampling_as_the_max_of_its_row() {
    let mut history = History::default();
    let ticks = (RECENT_TICKS + WHOLE_ROWS * 4) as u64;
    for tick in 0..ticks {
        history.push(at(tick, if tick == 1001 { 5_000 } else { 10 }), []);
    }
    let old = history.points(IN_FLIGHT, 0.0, 1001.0 * 0.25 + 60.0);
    assert!(
        old.iter().any(|p| p.max == 5_000.0),
        "the spike's max is kept"
    );
    assert!(old.iter().all(|p| p.min == 10.0), "the floor is kept");
    let spiked = old.iter().find(|p| p.max == 5_000.0).unwrap();
    assert!(
        spiked.mean > 10.0 && spiked.mean < 5_000.0,
        "the mean blends"
    );
}

#[test]
fn moments_step_by_one_tick_and_clamp_at_the_ends() {
    let mut history = History::default();
    for tick in 0..100 {
        history.push(at(tick, tick), []);
    }
    assert_eq!(history.moment(40).unwrap().tick, 40);
    assert_eq!(history.step(40, -1).unwrap().tick, 39);
    assert_eq!(history.step(40, 1).unwrap().tick, 41);
    assert_eq!(history.step(0, -5).unwrap().tick, 0);
    assert_eq!(history.step(99, 5).unwrap().tick, 99);
    assert_eq!(history.moment_near(10.0).unwrap().tick, 40);
}

#[test]
fn events_are_found_before_and_after_a_moment() {
    let mut history = History::default();
    for tick in 0..100 {
        let marks = [5u64, 50].contains(&tick).then(|| EventMark {
            t_s: tick as f64 * 0.25,
            word: "burst".into(),
        });
        history.push(at(tick, 0), marks);
    }
    assert_eq!(history.event_after(2.0), Some(12.5));
    assert_eq!(history.event_before(12.5), Some(1.25));
    assert_eq!(history.event_after(12.5), None);
    assert_eq!(history.events(0.0, 100.0).len(), 2);
}

#[test]
fn counters_become_rates_per_second() {
    let mut history = History::default();
    let stage = |restarts: u64, tick: u64| {
        let mut s = (*at(tick, 0)).clone();
        s.stages = vec![crate::metrics::StageSnapshot {
            restarts,
            ..test_stage()
        }];
        Arc::new(s)
    };
    history.push(stage(0, 0), []);
    history.push(stage(3, 4), []); // one second later, three restarts
    let restarts = Metric::Stage(0, StageMetric::Restarts);
    let points = history.points(restarts, 0.0, 10.0);
    assert_eq!(points.last().map(|p| p.mean), Some(3.0));
}

fn test_stage() -> crate::metrics::StageSnapshot {
    crate::metrics::StageSnapshot {
        name: "s".into(),
        workers: 1,
        workers_target: 1,
        queue_len: 0,
        queue_capacity: Some(8),
        queue_max: 0,
        queue_len_mean: 0.0,
        window: Default::default(),
        policy: crate::model::QueuePolicy::Block,
        in_service: 0,
        in_rate: 0.0,
        out_rate: 0.0,
        accepted: 0,
        processed: 0,
        dropped: 0,
        retried: 0,
        dead_lettered: 0,
        restarts: 0,
        service_ms: Default::default(),
        wait_ms: Default::default(),
        busy: 0.0,
        idle: 1.0,
        blocked: 0.0,
        backpressure: Backpressure::Ok,
        utilization_total: Default::default(),
        slowdown: 1.0,
        watermark: None,
        failures: Default::default(),
    }
}

#[test]
fn an_event_between_ticks_is_shown_by_the_moment_after_it() {
    let mut history = History::default();
    for tick in 0..100 {
        let marks = [10u64, 60].contains(&tick).then(|| EventMark {
            t_s: tick as f64 * 0.25 - 0.1,
            word: "burst".into(),
        });
        history.push(at(tick, 0), marks);
    }
    assert_eq!(history.moment_at_or_after(2.4).unwrap().tick, 10);
    assert_eq!(history.moment_at_or_after(99.0).unwrap().tick, 99);
}

#[test]
fn a_kept_moment_drops_what_only_exporters_read_and_keeps_what_panels_draw() {
    let mut history = History::default();
    let mut snapshot = (*at(0, 1)).clone();
    snapshot.end_to_end_ms.buckets = vec![crate::metrics::Bucket {
        le_ms: 1.0,
        count: 3,
    }];
    snapshot.end_to_end_ms.recorded = crate::metrics::LatencyCounts::new(vec![(900_000, 3)], 0);
    snapshot.end_to_end_ms.added = vec![crate::metrics::AddedBuckets {
        second: 0,
        first: 40,
        counts: vec![3],
    }];
    history.push(Arc::new(snapshot.clone()), []);
    let kept = history.moment(0).unwrap();
    assert!(kept.end_to_end_ms.recorded.is_empty());
    assert!(kept.end_to_end_ms.added.is_empty());
    assert_eq!(kept.end_to_end_ms.buckets, snapshot.end_to_end_ms.buckets);
    assert_eq!(kept.end_to_end_ms.window, snapshot.end_to_end_ms.window);
}
