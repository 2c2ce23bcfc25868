//! Conservation under random operator actions: whatever is resized, burst,
//! switched, paused or crashed, every item ends exactly once and the counts
//! add up at every snapshot. The last stage does no work, so its workers take
//! items in hands; in some cases the others do none either, and the source
//! and those stages pass items on in batches (through an outbox) to a stage
//! that takes them whole: retiring, crashing, switching policies and draining
//! with items in hands, outboxes and queued batches are covered too.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pipetop::engine::{
    Arrivals, Command, IterSource, Pipeline, QueuePolicy, Rate, RunOptions, StageConfig, WorkError,
};
use pipetop::metrics::{RunState, Snapshot};
use proptest::prelude::*;

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (0usize..4, 0usize..5).prop_map(|(stage, count)| Command::Workers { stage, count }),
        (0u64..300).prop_map(|items| Command::Burst { items }),
        (0usize..4, 0usize..3).prop_map(|(stage, p)| Command::Policy {
            stage,
            policy: QueuePolicy::ALL[p]
        }),
        (500.0f64..20_000.0).prop_map(|r| Command::Rate(Rate::PerSecond(r))),
        Just(Command::Pause),
        Just(Command::Resume),
        (0usize..4, 1.0f64..4.0).prop_map(|(stage, factor)| Command::Slowdown { stage, factor }),
        (0usize..4).prop_map(|stage| Command::Crash { stage }),
        Just(Command::Stop),
    ]
}

/// How a test stage fails: every attempt at every `every`-th item.
#[derive(Debug, Clone, Copy)]
enum Fail {
    Never,
    Error(u64),
    Panic(u64),
}

/// A pass-through stage that takes `micros` per item (none at 0) and fails
/// as told.
fn work(micros: u64, fail: Fail) -> impl Fn(&u64) -> Result<u64, WorkError> + Clone + Send + Sync {
    move |x: &u64| {
        if micros > 0 {
            std::thread::sleep(Duration::from_micros(micros));
        }
        match fail {
            Fail::Error(every) if x.is_multiple_of(every) => Err(WorkError::new("nth item fails")),
            Fail::Panic(every) if x.is_multiple_of(every) => panic!("nth item panics"),
            _ => Ok(*x),
        }
    }
}

fn check_snapshot(s: &Snapshot, last_checkpoint: &mut u64) -> Result<(), TestCaseError> {
    let t = s.totals;
    prop_assert_eq!(
        t.generated,
        t.completed + t.dropped + t.dead_lettered + t.in_flight
    );
    prop_assert!(s.checkpoint >= *last_checkpoint, "watermark went backwards");
    *last_checkpoint = s.checkpoint;
    for stage in &s.stages {
        let sum = stage.busy + stage.idle + stage.blocked;
        prop_assert!(
            (sum - 1.0).abs() < 1e-9,
            "{}: busy+idle+blocked = {sum}",
            stage.name
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_item_ends_exactly_once(
        commands in prop::collection::vec(command(), 1..12),
        capacities in (1usize..16, 1usize..16, 1usize..16, 1usize..64),
        errors in prop_oneof![Just(Fail::Never), (5u64..50).prop_map(Fail::Error)],
        panics in prop_oneof![Just(Fail::Never), (20u64..200).prop_map(Fail::Panic)],
        (a_micros, b_micros, c_micros) in (
            prop_oneof![Just(0u64), Just(50)],
            prop_oneof![Just(0u64), Just(100)],
            prop_oneof![Just(0u64), Just(20)],
        ),
    ) {
        let completed = Arc::new(Mutex::new(Vec::new()));
        let sink = completed.clone();
        let pipeline = Pipeline::from_source(IterSource::new(0u64..))
            .rate(Rate::PerSecond(5_000.0))
            .arrivals(Arrivals::Poisson)
            .stage(StageConfig::new("a").workers(2).queue(capacities.0), work(a_micros, panics))
            .stage(StageConfig::new("b").workers(1).queue(capacities.1).max_attempts(2), work(b_micros, errors))
            .stage(StageConfig::new("c").workers(2).queue(capacities.2), work(c_micros, Fail::Never))
            .stage(StageConfig::new("d").workers(2).queue(capacities.3), work(0, Fail::Never))
            .sink(move |x: u64| sink.lock().unwrap().push(x));
        let running = pipeline.start(RunOptions { tick: Duration::from_millis(10), ..RunOptions::default() });
        let controller = running.controller();
        let mut last_checkpoint = 0;
        let mut snapshots = Vec::new();
        for command in commands {
            controller.send(command);
            // Let the pipeline run one tick under each command.
            if let Ok(s) = running.snapshots().recv() {
                check_snapshot(&s, &mut last_checkpoint)?;
                snapshots.push(s);
            }
        }
        controller.send(Command::Stop);
        for s in running.snapshots().iter() {
            check_snapshot(&s, &mut last_checkpoint)?;
            snapshots.push(s);
        }
        running.join().expect("the engine ran to its end");
        let last = snapshots.last().expect("a final snapshot");
        prop_assert_eq!(last.state, RunState::Done);
        prop_assert_eq!(last.totals.in_flight, 0);
        let ids = completed.lock().unwrap();
        let unique: HashSet<u64> = ids.iter().copied().collect();
        prop_assert_eq!(unique.len(), ids.len(), "an id completed twice");
        prop_assert_eq!(ids.len() as u64, last.totals.completed);
        // Every id below the watermark finished at least once, and the
        // finishes add up to what was generated: each finished exactly once.
        prop_assert_eq!(last.checkpoint, last.totals.generated);
    }
}
