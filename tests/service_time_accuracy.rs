//! A known service time is measured as itself. (Alone in its own test
//! binary, so no other test competes for the two cores while it measures.)

use std::time::Duration;

use pipetop::engine::{
    Arrivals, PipelineSpec, Rate, RunOptions, ServiceDist, SourceSpec, StageSpec, simulate,
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
fn a_fixed_sleep_service_is_measured_as_itself() {
    let stage = StageSpec {
        workers: 4,
        ..StageSpec::new(
            "sleep",
            ServiceDist::Fixed {
                mean: Duration::from_millis(2),
            },
        )
    };
    let last = run(&spec(500.0, stage), 4);
    let service = last.stages[0].service_ms.total;
    assert!(service.count >= 1_900, "{} samples", service.count);
    assert!(
        (service.p50 - 2.0).abs() / 2.0 <= 0.03,
        "p50 {} ms",
        service.p50
    );
    assert!(service.p99 < 2.3, "p99 {} ms", service.p99);
}
