//! Running a one-stage simulated pipeline for a fixed time, for the
//! accuracy tests.

use std::time::Duration;

use pipetop::engine::{Arrivals, PipelineSpec, Rate, RunOptions, SourceSpec, StageSpec, simulate};
use pipetop::metrics::{RunState, Snapshot};

/// Runs `spec` for `seconds`, drains, and returns the final snapshot.
pub fn run(spec: &PipelineSpec, seconds: u64) -> Snapshot {
    let running = simulate::build(spec).start(RunOptions {
        stop_after: Some(Duration::from_secs(seconds)),
        ..RunOptions::default()
    });
    let last = running.snapshots().iter().last().expect("a final snapshot");
    running.join().expect("the engine ran to its end");
    assert_eq!(last.state, RunState::Done);
    (*last).clone()
}

/// `stage` behind an evenly spaced source at `rate` items/s.
pub fn one_stage(rate: f64, stage: StageSpec) -> PipelineSpec {
    PipelineSpec {
        seed: 1,
        source: SourceSpec {
            rate: Rate::PerSecond(rate),
            arrivals: Arrivals::Uniform,
            burst: 0,
        },
        stages: vec![stage],
    }
}
