//! The source emits what its rate says.

mod simulated;

use std::time::Duration;

use pipetop::engine::{QueueCapacity, ServiceDist, StageSpec};
use simulated::{one_stage, run};

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
    let last = run(&one_stage(2_000.0, stage), 10);
    let generated = last.totals.generated as f64;
    assert!(
        (generated - 20_000.0).abs() <= 200.0,
        "2,000/s for 10 s generated {generated}"
    );
    assert_eq!(last.totals.in_flight, 0);
}
