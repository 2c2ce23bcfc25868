//! Fixed snapshots for the dashboard's tests and bench: a pipeline
//! `ingest → normalize → enrich → score → store`, healthy or in a burst, and
//! an [`App`] fed a minute of them with a fixed clock.
// Each test binary uses a different part of the fixture.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use pipetop::engine::{Event, QueuePolicy, Rate};
use pipetop::metrics::{
    Backpressure, Bucket, Latency, Percentiles, ProcessSnapshot, RunState, Snapshot,
    SourceSnapshot, StageSnapshot, Totals,
};
use pipetop::tui::{App, ScenarioMeta};

/// The five stage names, in pipeline order.
pub const STAGES: [&str; 5] = ["ingest", "normalize", "enrich", "score", "store"];

/// Which picture of the pipeline to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// Everything keeps up.
    Normal,
    /// A burst: enrich's queue is full, it is the bottleneck, upstream is blocked.
    Burst,
}

/// A latency around `mean_ms`: log buckets two per doubling, a right-skewed shape.
pub fn latency(mean_ms: f64, samples: u64) -> Latency {
    let weights = [1, 3, 8, 14, 18, 15, 10, 6, 4, 2, 1, 1];
    let first = mean_ms / 4.0;
    let buckets: Vec<Bucket> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| Bucket {
            le_ms: first * 2f64.powf(i as f64 / 2.0),
            count: samples * w / 83,
        })
        .collect();
    let p = Percentiles {
        count: samples,
        p50: mean_ms * 0.9,
        p90: mean_ms * 2.1,
        p99: mean_ms * 4.2,
        p999: mean_ms * 5.5,
        max: mean_ms * 6.3,
        mean: mean_ms,
        outliers: 0,
    };
    Latency {
        window: p,
        total: Percentiles {
            count: samples * 8,
            ..p
        },
        buckets,
    }
}

/// One stage: name, workers, queue length, out rate, mean service ms, busy and blocked fractions.
pub fn stage(
    name: &str,
    workers: usize,
    queue_len: usize,
    out_rate: f64,
    service_ms: f64,
    busy: f64,
    blocked: f64,
) -> StageSnapshot {
    StageSnapshot {
        name: name.to_string(),
        workers,
        workers_target: workers,
        queue_len,
        queue_capacity: Some(256),
        queue_max: queue_len.max(12),
        policy: QueuePolicy::Block,
        in_service: workers as u64,
        in_rate: out_rate,
        out_rate,
        accepted: (out_rate * 40.0) as u64,
        processed: (out_rate * 40.0) as u64,
        dropped: 0,
        retried: 0,
        dead_lettered: 0,
        restarts: 0,
        service_ms: latency(service_ms, (out_rate * 5.0) as u64),
        wait_ms: latency(
            service_ms * queue_len as f64 / 64.0 + 0.05,
            (out_rate * 5.0) as u64,
        ),
        busy,
        idle: (1.0 - busy - blocked).max(0.0),
        blocked,
        backpressure: Backpressure::from_blocked(blocked),
        slowdown: 1.0,
    }
}

/// The pipeline at `t_s` in the given scene; `progress` in 0..=1 ramps the burst in.
pub fn snapshot(scene: Scene, tick: u64, progress: f64) -> Snapshot {
    let t_s = tick as f64 * 0.25;
    let stages = match scene {
        Scene::Normal => vec![
            stage(STAGES[0], 2, 3, 1000.0, 0.4, 0.20, 0.0),
            stage(STAGES[1], 2, 5, 1000.0, 0.8, 0.40, 0.0),
            stage(STAGES[2], 4, 9, 1000.0, 2.0, 0.50, 0.0),
            stage(STAGES[3], 2, 2, 1000.0, 0.6, 0.30, 0.0),
            stage(STAGES[4], 1, 1, 1000.0, 0.3, 0.30, 0.0),
        ],
        Scene::Burst => {
            let full = |n: f64| (n * progress).round() as usize;
            let mut enrich = stage(STAGES[2], 4, full(256.0), 1990.0, 2.0, 0.99, 0.0);
            enrich.in_rate = 2000.0;
            enrich.slowdown = 2.0;
            vec![
                stage(STAGES[0], 2, full(250.0), 1990.0, 0.4, 0.08, 0.90),
                stage(STAGES[1], 2, full(254.0), 1990.0, 0.8, 0.20, 0.78),
                enrich,
                stage(STAGES[3], 2, 4, 1990.0, 0.6, 0.60, 0.0),
                stage(STAGES[4], 1, 2, 1990.0, 0.3, 0.60, 0.0),
            ]
        }
    };
    let burst = scene == Scene::Burst;
    let generated = 40_000 + tick * 250;
    let in_flight = stages
        .iter()
        .map(|s| s.queue_len as u64 + s.in_service)
        .sum();
    Snapshot {
        tick,
        t_s,
        state: RunState::Running,
        source: SourceSnapshot {
            rate: Rate::PerSecond(1000.0),
            paused: false,
            source_pending: if burst { (8000.0 * progress) as u64 } else { 0 },
            source_lag_ms: if burst { 3400.0 * progress } else { 0.0 },
            out_rate: if burst { 1990.0 } else { 1000.0 },
            blocked: if burst { 0.95 } else { 0.0 },
            backpressure: if burst {
                Backpressure::High
            } else {
                Backpressure::Ok
            },
        },
        totals: Totals {
            generated,
            completed: generated - in_flight,
            dropped: 0,
            dead_lettered: 0,
            in_flight,
        },
        checkpoint: generated - in_flight - 40,
        end_to_end_ms: latency(if burst { 900.0 } else { 6.0 }, 5000),
        stages,
        bottleneck: burst.then_some(2),
        bottleneck_reason: burst
            .then(|| "busy 99%, not blocked; ingest, normalize blocked upstream".to_string()),
        process: ProcessSnapshot {
            cpu_percent: if burst { 61.0 } else { 23.0 },
            rss_bytes: 48 * 1024 * 1024,
        },
        events: Vec::new(),
    }
}

/// An event with the given kind, stage and message.
pub fn event(t_s: f64, kind: &str, stage: Option<&str>, message: &str) -> Event {
    Event {
        stage: stage.map(str::to_string),
        ..Event::new(t_s, kind, message)
    }
}

/// An app at 12:34:56 UTC fed 60 s of the scene, with a few events on the way.
pub fn app(scene: Scene) -> App {
    let mut app = App::new(ScenarioMeta {
        name: match scene {
            Scene::Normal => "steady".to_string(),
            Scene::Burst => "burst".to_string(),
        },
        lesson: "Watch enrich's queue fill during the burst.\nPress + on enrich and watch the pressure move.".to_string(),
        burst: 10_000,
    });
    app.now = SystemTime::UNIX_EPOCH + Duration::from_secs(12 * 3600 + 34 * 60 + 56);
    let ticks = 240;
    for tick in 0..=ticks {
        let progress = if tick < 160 {
            0.0
        } else {
            (tick - 160) as f64 / 40.0
        };
        let (scene_now, progress) = match scene {
            Scene::Burst if tick >= 160 => (Scene::Burst, progress.min(1.0)),
            _ => (Scene::Normal, 0.0),
        };
        let mut s = snapshot(scene_now, tick, progress);
        s.events = match tick {
            20 => vec![event(5.0, "rate", None, "source rate 1000/s")],
            80 => vec![event(
                20.0,
                "workers",
                Some("enrich"),
                "enrich: 2 → 4 workers",
            )],
            160 if scene == Scene::Burst => vec![
                Event {
                    note: Some("the burst arrives".to_string()),
                    items: Some(10_000),
                    ..event(40.0, "burst", None, "burst of 10000 items")
                },
                event(40.0, "slowdown", Some("enrich"), "enrich slowed ×2"),
            ],
            200 if scene == Scene::Burst => {
                vec![event(
                    50.0,
                    "restart",
                    Some("enrich"),
                    "enrich: worker 3 panicked, restarted",
                )]
            }
            _ => Vec::new(),
        };
        app.on_snapshot(Arc::new(s));
    }
    app
}
