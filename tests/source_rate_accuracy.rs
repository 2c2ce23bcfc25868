//! The source emits what its rate says.

use std::time::Duration;

use pipetop::engine::{
    Arrivals, PipelineSpec, QueueCapacity, Rate, RunOptions, ServiceDist, SourceSpec, StageSpec,
    simulate,
};
use pipetop::metrics::{RunState, Snapshot};

fn run(spec: &PipelineSpec, seconds: u64) -> Snapshot {
    let running = simulate::build(spec).start(RunOptions {
        stop_after: Some(Duration::from_secs(seconds)),
        ..RunOptions::default()
    });
    let last = running.snapshots().iter().last().expect("a final snapshot");
    running.join();
    assert_eq!(last.state, RunState::Done);
    (*last).clone()
}

fn spec(rate: f64, stage: StageSpec) -> PipelineSpec {
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

#[test]
fn a_uniform_source_generates_its_rate() {
    let stage = StageSpec {
        workers: 2,
        queue: QueueCapacity::Bounded(10_000),
        ..StageSpec::new(
            "count",
            ServiceDist::Fixed {
                mean: Duration::from_micros(50),
            },
        )
    };
    let last = run(&spec(2_000.0, stage), 10);
    let generated = last.totals.generated as f64;
    assert!(
        (generated - 20_000.0).abs() <= 200.0,
        "2,000/s for 10 s generated {generated}"
    );
    assert_eq!(last.totals.in_flight, 0);
}
