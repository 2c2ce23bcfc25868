//! The engine end to end through the library API: items flow, every one is
//! accounted for, and the run ends cleanly.

use std::sync::{Arc, Mutex};

use pipetop::engine::{
    Command, IterSource, Pipeline, Rate, RunOptions, RunningPipeline, StageConfig, WorkError,
};
use pipetop::metrics::{RunState, Snapshot};
use pipetop::model::EventKind;

fn collect(running: &pipetop::engine::RunningPipeline) -> Vec<Arc<Snapshot>> {
    running.snapshots().iter().collect()
}

/// The kinds of every event in `snapshots`, in order.
fn event_kinds(snapshots: &[Arc<Snapshot>]) -> Vec<&str> {
    snapshots
        .iter()
        .flat_map(|s| s.events.iter())
        .map(|e| e.word())
        .collect()
}

#[test]
fn an_exhausted_source_drains_and_completes_every_item() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink_seen = seen.clone();
    let pipeline = Pipeline::from_source(IterSource::new(0u64..20_000))
        .stage(
            StageConfig::new("double").workers(2).queue(64),
            |x: &u64| Ok(x * 2),
        )
        .stage(
            StageConfig::new("to-string").workers(3).queue(16),
            |x: &u64| Ok(x.to_string()),
        )
        .sink(move |s: String| sink_seen.lock().unwrap().push(s));
    let running = pipeline.start(RunOptions::default());
    let snapshots = collect(&running);
    running.join().expect("the engine ran to its end");
    let last = snapshots.last().expect("at least the final snapshot");
    assert_eq!(last.state, RunState::Done);
    assert_eq!(last.bottleneck, None, "a finished run limits nothing");
    assert_eq!(last.totals.generated, 20_000);
    assert_eq!(last.totals.completed, 20_000);
    assert_eq!(last.totals.in_flight, 0);
    assert_eq!(last.checkpoint, 20_000);
    let mut got: Vec<u64> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, (0..20_000).map(|x| x * 2).collect::<Vec<_>>());
    for s in &snapshots {
        let t = s.totals;
        assert_eq!(
            t.generated,
            t.completed + t.dropped + t.dead_lettered + t.in_flight
        );
    }
    let events = event_kinds(&snapshots);
    assert!(events.contains(&"source-done"), "{events:?}");
    assert!(
        !events.contains(&"unadmitted"),
        "a source that ran out left nothing behind: {events:?}"
    );
}

/// The first snapshot that passes `until`, giving up after 500 (5 s of 10 ms
/// ticks) rather than hang.
fn wait_for(
    snapshots: &mut impl Iterator<Item = Arc<Snapshot>>,
    what: &str,
    until: impl Fn(&Snapshot) -> bool,
) -> Arc<Snapshot> {
    snapshots
        .take(500)
        .find(|s| until(s))
        .unwrap_or_else(|| panic!("never saw: {what}"))
}

/// Starts `pipeline` with a tick of 10 ms, so tests see changes quickly.
fn start_ticking_fast(pipeline: Pipeline) -> RunningPipeline {
    pipeline.start(RunOptions {
        tick: std::time::Duration::from_millis(10),
        ..RunOptions::default()
    })
}

/// A quick stage (`quick`, no workers yet, queue 100) in front of `gate`
/// (one worker, queue 16), whose work waits while the test holds `gate`;
/// the sink collects ids into `seen`. Ticks every 10 ms.
fn start_gated(gate: &Arc<Mutex<()>>, seen: &Arc<Mutex<Vec<u64>>>) -> RunningPipeline {
    let gate = gate.clone();
    let seen = seen.clone();
    let pipeline = Pipeline::from_source(IterSource::new(0u64..2_000))
        .stage(
            StageConfig::new("quick").workers(0).queue(100),
            |x: &u64| Ok(*x),
        )
        .stage(
            StageConfig::new("gate").workers(1).queue(16),
            move |x: &u64| {
                drop(gate.lock().unwrap());
                Ok(*x)
            },
        )
        .sink(move |x: u64| seen.lock().unwrap().push(x));
    start_ticking_fast(pipeline)
}

/// A quick stage's worker takes queued items in a hand. Blocked downstream
/// with a full hand, it is told to retire: it must serve the hand first, and
/// while it holds the hand those items count as in service.
#[test]
fn a_retired_worker_serves_its_hand_before_leaving() {
    let gate = Arc::new(Mutex::new(()));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let running = start_gated(&gate, &seen);
    // Nothing reaches the gate before `quick` has a worker. Locked after
    // `running` is made, so a failing assertion unlocks it before the
    // pipeline's drop joins the worker behind it (instead of hanging).
    let closed = gate.lock().unwrap();
    let controller = running.controller();
    let mut snapshots = running.snapshots().iter();
    // With no worker yet, `quick`'s queue fills up first.
    wait_for(&mut snapshots, "the queue full, nobody serving", |s| {
        s.stages[0].queue_len == 100
    });
    controller.send(Command::Workers { stage: 0, count: 1 });
    // The gate holds one item and its queue fills; the worker blocks on the
    // next push, with the rest of its hand behind it. (Usually: an item
    // that measured over 20 µs, say because the thread was preempted on a
    // busy machine, makes the worker take one item at a time, and it may
    // block holding just that one. The rest of the test holds either way.)
    let holding = wait_for(&mut snapshots, "the worker blocks holding items", |s| {
        s.stages[0].in_service >= 1 && s.stages[0].blocked > 0.0
    });
    // A hand is filled up to a batch's worth (64 for zero-work items), so
    // it holds less than two batches: at most 127, plus the one being pushed.
    assert!(
        holding.stages[0].in_service <= 128,
        "a hand holds less than two batches: {}",
        holding.stages[0].in_service
    );
    controller.send(Command::Workers { stage: 0, count: 0 });
    wait_for(
        &mut snapshots,
        "the retirement applied while it waits",
        |s| s.stages[0].workers_target == 0,
    );
    drop(closed);
    controller.send(Command::Stop);
    let rest: Vec<Arc<Snapshot>> = snapshots.collect();
    running.join().expect("the engine ran to its end");
    let last = rest.last().expect("a final snapshot");
    assert_eq!(last.state, RunState::Done);
    assert_eq!(last.totals.in_flight, 0, "nothing held in a hand is lost");
    assert_eq!(last.totals.completed, last.totals.generated);
    let mut ids = seen.lock().unwrap().clone();
    let completed = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), completed, "an id completed twice");
    assert_eq!(completed as u64, last.totals.generated);
}

/// Two quick workers block holding hands and the pool goes to zero: each
/// takes one retirement, serves its hand and leaves (a retiring worker must
/// not take its colleague's retirement too).
#[test]
fn every_retired_worker_leaves_after_serving_its_hand() {
    let gate = Arc::new(Mutex::new(()));
    let running = start_gated(&gate, &Arc::default());
    let closed = gate.lock().unwrap(); // after `running`: see above
    let controller = running.controller();
    let mut snapshots = running.snapshots().iter();
    wait_for(&mut snapshots, "the queue full, nobody serving", |s| {
        s.stages[0].queue_len == 100
    });
    controller.send(Command::Workers { stage: 0, count: 2 });
    // Each holds a hand, or a single item if its last one measured slow
    // (see the test above).
    wait_for(&mut snapshots, "both workers blocked holding items", |s| {
        s.stages[0].workers == 2 && s.stages[0].in_service >= 2 && s.stages[0].blocked > 0.9
    });
    controller.send(Command::Workers { stage: 0, count: 0 });
    wait_for(&mut snapshots, "both retirements applied", |s| {
        s.stages[0].workers_target == 0
    });
    drop(closed);
    // With a worker left, it would serve everything and the run would end.
    wait_for(&mut snapshots, "no worker left, the run still going", |s| {
        s.stages[0].workers == 0 && s.state == RunState::Running
    });
    controller.send(Command::Stop);
    let rest: Vec<Arc<Snapshot>> = snapshots.collect();
    running.join().expect("the engine ran to its end");
    let last = rest.last().expect("a final snapshot");
    assert_eq!(last.totals.in_flight, 0, "nothing held in a hand is lost");
}

#[test]
fn an_aborted_run_keeps_each_pools_size_in_its_final_snapshot() {
    let pipeline = Pipeline::from_source(IterSource::new(0u64..))
        .stage(StageConfig::new("a").workers(3).queue(64), |x: &u64| Ok(*x))
        .stage(StageConfig::new("b").workers(2).queue(64), |x: &u64| Ok(*x))
        .sink(|_: u64| {});
    let running = start_ticking_fast(pipeline);
    let mut snapshots = running.snapshots().iter();
    wait_for(&mut snapshots, "items flowing", |s| s.totals.completed > 0);
    running.controller().send(Command::Abort);
    let last = snapshots.last().expect("the final snapshot");
    running.join().expect("the engine ran to its end");
    assert_eq!(last.state, RunState::Aborted);
    let pools: Vec<(usize, usize)> = last
        .stages
        .iter()
        .map(|s| (s.workers_target, s.workers))
        .collect();
    // Every worker has left, but the pools are what the run had: the
    // report's `workers` comes from here.
    assert_eq!(pools, [(3, 0), (2, 0)]);
}

/// Stop while a burst is backed up into the source: the arrivals it never
/// admitted are told in an event. At `max` the burst is due at once and
/// taken before regular arrivals, so it is generated or left over.
#[test]
fn arrivals_left_at_the_source_by_a_stop_are_reported() {
    let gate = Arc::new(Mutex::new(()));
    let worker_gate = gate.clone();
    let pipeline = Pipeline::from_source(IterSource::new(0u64..))
        .stage(
            StageConfig::new("gate").workers(1).queue(16),
            move |x: &u64| {
                drop(worker_gate.lock().unwrap());
                Ok(*x)
            },
        )
        .sink(|_: u64| {});
    let running = start_ticking_fast(pipeline);
    // Declared after `running`, so a failing assertion releases the gate
    // before the pipeline's drop joins the worker behind it.
    let closed = gate.lock().unwrap();
    let controller = running.controller();
    let mut snapshots = running.snapshots().iter();
    wait_for(&mut snapshots, "the queue full", |s| {
        s.stages[0].queue_len == 16
    });
    controller.send(Command::Burst { items: 500 });
    wait_for(&mut snapshots, "the burst backed up", |s| {
        s.source.source_pending > 0
    });
    controller.send(Command::Stop);
    drop(closed);
    let rest: Vec<Arc<Snapshot>> = snapshots.collect();
    running.join().expect("the engine ran to its end");
    let last = rest.last().expect("a final snapshot");
    assert_eq!(last.state, RunState::Done);
    let unadmitted: Vec<u64> = rest
        .iter()
        .flat_map(|s| &s.events)
        .filter_map(|e| match e.kind {
            EventKind::Unadmitted { items } => Some(items),
            _ => None,
        })
        .collect();
    assert_eq!(unadmitted.len(), 1, "one event, with a count");
    assert!((1..=500).contains(&unadmitted[0]), "{unadmitted:?}");
    assert!(unadmitted[0] + last.totals.generated >= 500);
}

/// A quick first stage takes batches, so the source gathers everything due
/// into one. When that batch does not fit, the items still waiting to go in
/// are due and not admitted: they count in `source_pending`, as items in the
/// arrival backlog do.
#[test]
fn a_batch_the_source_holds_while_blocked_counts_as_pending() {
    let pipeline = Pipeline::from_source(IterSource::new(0u64..))
        .rate(Rate::PerSecond(1_000.0))
        .stage(StageConfig::new("quick").workers(1).queue(4), |x: &u64| {
            Ok(*x)
        })
        .sink(|_: u64| {});
    let running = start_ticking_fast(pipeline);
    let controller = running.controller();
    let mut snapshots = running.snapshots().iter();
    // Served items tell the queue its consumers are quick.
    wait_for(&mut snapshots, "items served", |s| s.totals.completed >= 5);
    // No regular arrivals, and a burst at `max` arrives all at once.
    controller.send(Command::Pause);
    controller.send(Command::Rate(Rate::Max));
    controller.send(Command::Workers { stage: 0, count: 0 });
    let before = wait_for(&mut snapshots, "no worker left", |s| {
        s.stages[0].workers == 0
    });
    controller.send(Command::Burst { items: 40 });
    // Nothing is served now: each burst item is in the queue, in the
    // source's batch, or still in the arrival backlog, and only the queued
    // ones are admitted. (The source's batch is as large as the stage last
    // asked for: usually many items, one if its last item measured slow.)
    let blocked = wait_for(&mut snapshots, "every burst item queued or pending", |s| {
        let queued = s.stages[0].queue_len as u64;
        queued == 4 && s.source.source_pending + queued == 40 + before.totals.in_flight
    });
    assert!(blocked.source.source_lag_ms > 0.0, "the oldest waits");
    controller.send(Command::Abort);
    let _ = collect(&running);
    running.join().expect("the engine ran to its end");
}

/// A rate-limited source that runs out of items leaves no arrival behind:
/// the slot that found no item was never one.
#[test]
fn a_paced_source_that_runs_out_reports_nothing_unadmitted() {
    let pipeline = Pipeline::from_source(IterSource::new(0u64..200))
        .rate(pipetop::engine::Rate::PerSecond(4_000.0))
        .stage(StageConfig::new("a").workers(1).queue(16), |x: &u64| Ok(*x))
        .sink(|_: u64| {});
    let running = pipeline.start(RunOptions::default());
    let snapshots = collect(&running);
    running.join().expect("the engine ran to its end");
    let last = snapshots.last().expect("the final snapshot");
    assert_eq!(last.totals.completed, 200);
    let kinds = event_kinds(&snapshots);
    assert!(kinds.contains(&"source-done"), "{kinds:?}");
    assert!(!kinds.contains(&"unadmitted"), "{kinds:?}");
}

#[test]
fn a_library_stage_is_held_to_the_limits_a_scenario_has() {
    use pipetop::engine::{MAX_QUEUE, MAX_WORKERS, QueueCapacity};
    let config = StageConfig::new("big").workers(100_000).queue(usize::MAX);
    assert_eq!(config.workers, MAX_WORKERS);
    assert_eq!(config.queue, QueueCapacity::Bounded(MAX_QUEUE));
    assert_eq!(
        StageConfig::new("none").queue(0).queue,
        QueueCapacity::Bounded(1)
    );
}

#[test]
fn a_rate_that_is_not_a_positive_number_is_refused_not_a_panic() {
    // Started at 0/s: no arrivals, and the run still stops cleanly.
    let pipeline = Pipeline::from_source(IterSource::new(0u64..))
        .rate(Rate::PerSecond(0.0))
        .stage(StageConfig::new("a"), |x: &u64| Ok(*x))
        .sink(|_: u64| {});
    let running = start_ticking_fast(pipeline);
    let controller = running.controller();
    let mut snapshots = running.snapshots().iter();
    wait_for(&mut snapshots, "a first snapshot", |_| true);
    for bad in [-5.0, f64::NAN, f64::INFINITY] {
        controller.send(Command::Rate(Rate::PerSecond(bad)));
    }
    controller.send(Command::Stop);
    let rest: Vec<Arc<Snapshot>> = snapshots.collect();
    running.join().expect("the engine ran to its end");
    let last = rest.last().expect("a final snapshot");
    assert_eq!(last.state, RunState::Done);
    assert_eq!(last.totals.generated, 0);
    let refused = rest
        .iter()
        .flat_map(|s| &s.events)
        .filter(|e| e.word() == "rate" && e.message().contains("ignored"))
        .count();
    assert_eq!(refused, 3, "each bad rate is refused with an event");
}

/// A queue's memory follows what it holds, not its bound: ten stages
/// bounded at ten million items each start with the RSS of small ones
/// (a bounded channel would reserve ~380 MiB per stage before the start).
#[test]
fn a_huge_bound_reserves_no_memory_up_front() {
    fn rss_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
    let before = rss_kib();
    let builder = Pipeline::from_source(IterSource::new(0u64..100));
    let mut stages = Vec::new();
    for i in 0..10 {
        stages.push(StageConfig::new(format!("s{i}")).queue(10_000_000));
    }
    let mut pipeline = builder.stage(stages.remove(0), |x: &u64| Ok::<u64, WorkError>(*x));
    for stage in stages {
        pipeline = pipeline.stage(stage, |x: &u64| Ok::<u64, WorkError>(*x));
    }
    let running = pipeline.sink(|_| {}).start(RunOptions::default());
    let grown_kib = rss_kib().saturating_sub(before);
    let last = running.snapshots().iter().last().expect("a final snapshot");
    running.join().expect("the engine ran to its end");
    assert_eq!(last.totals.completed, 100);
    assert!(
        grown_kib < 64 * 1024,
        "ten queues of 10M bound grew RSS by {grown_kib} KiB at the start"
    );
}

#[test]
fn a_command_past_what_64_bit_nanoseconds_hold_never_fires() {
    use std::time::Duration;
    // 2^64 ns: as a wrapped u64 this would be 0, the start of the run.
    let far = Duration::from_nanos(u64::MAX) + Duration::from_nanos(1);
    let pipeline = Pipeline::from_source(IterSource::new(0u64..))
        .rate(Rate::PerSecond(100.0))
        .stage(StageConfig::new("pass").workers(1).queue(16), |x: &u64| {
            Ok(*x)
        })
        .sink(|_: u64| {});
    let options = RunOptions {
        tick: Duration::from_millis(20),
        timeline: vec![pipetop::engine::TimedCommand {
            at: far,
            command: Command::Rate(Rate::PerSecond(777.0)),
            note: None,
        }],
        stop_after: Some(Duration::from_millis(200)),
        ..RunOptions::default()
    };
    let running = pipeline.start(options);
    let snapshots = collect(&running);
    running.join().expect("the run ends");
    let kinds = event_kinds(&snapshots);
    assert!(kinds.contains(&"stop"), "the time limit fired: {kinds:?}");
    assert!(!kinds.contains(&"rate"), "the far command fired: {kinds:?}");
}
