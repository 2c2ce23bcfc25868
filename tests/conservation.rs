//! Conservation under random operator actions: whatever is resized, burst,
//! switched, paused or crashed, every item ends exactly once and the counts
//! add up at every snapshot.

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
        (0usize..3, 0usize..5).prop_map(|(stage, count)| Command::Workers { stage, count }),
        (0u64..300).prop_map(|items| Command::Burst { items }),
        (0usize..3, 0usize..3).prop_map(|(stage, p)| Command::Policy {
            stage,
            policy: QueuePolicy::ALL[p]
        }),
        (500.0f64..20_000.0).prop_map(|r| Command::Rate(Rate::PerSecond(r))),
        Just(Command::Pause),
        Just(Command::Resume),
        (0usize..3, 1.0f64..4.0).prop_map(|(stage, factor)| Command::Slowdown { stage, factor }),
        (0usize..3).prop_map(|stage| Command::Crash { stage }),
        Just(Command::Stop),
    ]
}

/// A pass-through stage that takes `micros` per item and fails one attempt in `fail_every`.
fn work(
    micros: u64,
    fail_every: u64,
) -> impl Fn(&u64) -> Result<u64, WorkError> + Clone + Send + Sync {
    move |x: &u64| {
        std::thread::sleep(Duration::from_micros(micros));
        if fail_every > 0 && x.is_multiple_of(fail_every) {
            return Err(WorkError::new("every nth item fails"));
        }
        Ok(*x)
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
        capacities in (1usize..16, 1usize..16, 1usize..16),
        fail_every in prop_oneof![Just(0u64), 5u64..50],
    ) {
        let completed = Arc::new(Mutex::new(Vec::new()));
        let sink = completed.clone();
        let pipeline = Pipeline::from_source(IterSource::new(0u64..))
            .rate(Rate::PerSecond(5_000.0))
            .arrivals(Arrivals::Poisson)
            .stage(StageConfig::new("a").workers(2).queue(capacities.0), work(50, 0))
            .stage(StageConfig::new("b").workers(1).queue(capacities.1).max_attempts(2), work(100, fail_every))
            .stage(StageConfig::new("c").workers(2).queue(capacities.2), work(20, 0))
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
        running.join();
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
