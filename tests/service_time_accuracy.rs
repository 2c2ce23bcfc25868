//! A known service time is measured as itself. (Alone in its own test
//! binary, so no other test competes for the two cores while it measures.)

mod simulated;

use std::time::Duration;

use pipetop::engine::{ServiceDist, StageSpec};
use simulated::{one_stage, run};

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
    let last = run(&one_stage(500.0, stage), 4);
    let service = last.stages[0].service_ms.total;
    assert!(service.count >= 1_900, "{} samples", service.count);
    assert!(
        (service.p50 - 2.0).abs() / 2.0 <= 0.03,
        "p50 {} ms",
        service.p50
    );
    // The mean too: overshoots are a few µs of a 2 ms wait. (The tail, a
    // p99, is the machine's wake-up delay under whatever load it carries:
    // a benchmark's figure, docs/PERFORMANCE.md, not a test's.)
    assert!(
        (service.mean - 2.0).abs() / 2.0 <= 0.05,
        "mean {} ms",
        service.mean
    );
}
