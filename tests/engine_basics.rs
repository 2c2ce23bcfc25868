//! The engine end to end through the library API: items flow, every one is
//! accounted for, and the run ends cleanly.

use std::sync::{Arc, Mutex};

use pipetop::engine::{IterSource, Pipeline, RunOptions, StageConfig};
use pipetop::metrics::{RunState, Snapshot};

fn collect(running: &pipetop::engine::RunningPipeline) -> Vec<Arc<Snapshot>> {
    running.snapshots().iter().collect()
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
    running.join();
    let last = snapshots.last().expect("at least the final snapshot");
    assert_eq!(last.state, RunState::Done);
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
    assert!(
        last.events
            .iter()
            .chain(snapshots.iter().flat_map(|s| s.events.iter()))
            .any(|e| e.kind == "source-done")
    );
}
