//! Every numeric and word limit of a scenario is enforced, and each error
//! points at the offending value.

mod common;
use common::{assert_error, break_good};

#[test]
fn every_limit_is_enforced_and_located() {
    // (replace in GOOD, with, line, col, field, message)
    let cases = [
        (
            "rate = 800",
            "rate = 1e-300",
            5,
            8,
            "source.rate",
            "must be at least 0.000001/s, got 1e-300",
        ),
        (
            "duration = \"30s\"",
            "duration = \"18446744074s\"",
            2,
            12,
            "duration",
            "longer than the most a run can represent",
        ),
        (
            "rate = 800",
            "rate = 20000000",
            5,
            8,
            "source.rate",
            "must be at most",
        ),
        (
            "rate = 800",
            "rate = 0",
            5,
            8,
            "source.rate",
            "greater than 0",
        ),
        (
            "rate = 800",
            "rate = 800\nburst = 0",
            6,
            9,
            "source.burst",
            "must be 1..=10000000, got 0",
        ),
        (
            "rate = 800",
            "rate = 800\nburst = 10000001",
            6,
            9,
            "source.burst",
            "must be 1..=10000000",
        ),
        (
            "rate = 800",
            "rate = 800\narrivals = \"poison\"",
            6,
            12,
            "source.arrivals",
            "did you mean `poisson`?",
        ),
        (
            "workers = 2",
            "workers = 2\nqueue = 0",
            10,
            9,
            "stage[0].queue",
            "must be 1..=10000000, got 0",
        ),
        (
            "workers = 2",
            "workers = 2\nqueue = \"infinite\"",
            10,
            9,
            "stage[0].queue",
            "\"unbounded\"",
        ),
        (
            "workers = 2",
            "workers = 2\nfail_rate = -0.1",
            10,
            13,
            "stage[0].fail_rate",
            "0..=1, got -0.1",
        ),
        (
            "workers = 2",
            "workers = 2\nmax_attempts = 0",
            10,
            16,
            "stage[0].max_attempts",
            "must be 1..=100, got 0",
        ),
        (
            "workers = 2",
            "workers = 2\nmode = \"busy\"",
            10,
            8,
            "stage[0].mode",
            "sleep | spin",
        ),
        (
            "workers = 2",
            "workers = 2\nfail_kind = \"crash\"",
            10,
            13,
            "stage[0].fail_kind",
            "error | panic",
        ),
        (
            "name = \"ingest\"",
            "name = \"  \"",
            8,
            8,
            "stage[0].name",
            "must not be empty",
        ),
        (
            "duration = \"30s\"",
            "duration = 30",
            2,
            12,
            "duration",
            "must be a duration string, got the integer 30",
        ),
        (
            "duration = \"30s\"",
            "duration = \"0s\"",
            2,
            12,
            "duration",
            "must be greater than 0",
        ),
        (
            "mean = \"1ms\"",
            "mean = \"0ms\"",
            10,
            34,
            "stage[0].service.mean",
            "must be greater than 0",
        ),
        (
            "mean = \"1ms\"",
            "mean = \"2h\"",
            10,
            34,
            "stage[0].service.mean",
            "must be at most 1m",
        ),
        (
            "count = 8",
            "count = 1025",
            22,
            9,
            "timeline[0].count",
            "must be 0..=1024, got 1025",
        ),
        (
            "count = 8",
            "count = -1",
            22,
            9,
            "timeline[0].count",
            "must be 0..=1024, got -1",
        ),
        (
            "do = \"workers\"",
            "do = \"wrokers\"",
            20,
            6,
            "timeline[0].do",
            "did you mean `workers`?",
        ),
    ];
    for (from, to, line, col, field, says) in cases {
        let e = break_good(from, to);
        assert_error(&e, line, col, field, says);
    }
    let e = break_good(
        "service = { dist = \"exp\", mean = \"1ms\" }",
        "service = { dist = \"uniform\", min = \"2ms\", max = \"1ms\" }",
    );
    assert_error(&e, 10, 37, "stage[0].service.min", "must not exceed `max`");
    // A profile is one command per step: the timeline has a bound.
    let e = break_good(
        "do = \"workers\"\nstage = \"enrich\"\ncount = 8",
        "do = \"ramp\"\nfrom = 1\nto = 2\nover = \"1h\"\nevery = \"10ms\"",
    );
    assert_error(
        &e,
        23,
        8,
        "timeline[0].over",
        "makes the timeline longer than 10000 commands",
    );
    assert!(e.to_string().contains("lengthen `every`"), "{e}");
    let e = break_good(
        "do = \"workers\"\nstage = \"enrich\"\ncount = 8",
        "do = \"square\"\nlow = 1\nhigh = 2\nperiod = \"10ms\"\nover = \"1s\"",
    );
    assert_error(
        &e,
        23,
        10,
        "timeline[0].period",
        "leaves a phase shorter than 10ms",
    );
    let e = break_good(
        "do = \"workers\"\nstage = \"enrich\"\ncount = 8",
        "do = \"sine\"\nmean = 10\namplitude = 1\nperiod = \"5ms\"\nover = \"1s\"",
    );
    assert_error(
        &e,
        23,
        10,
        "timeline[0].period",
        "must be at least 10ms, got 5ms",
    );
}

#[test]
fn a_stage_with_no_work_is_valid_and_other_zero_means_point_to_it() {
    let zero = common::GOOD.replacen(
        "service = { dist = \"exp\", mean = \"1ms\" }",
        "service = { dist = \"fixed\", mean = \"0ms\" }",
        1,
    );
    let s =
        pipetop::scenario::parse(&zero, "demos/t.toml").expect("fixed 0 is a stage with no work");
    assert_eq!(
        s.pipeline.stages[0].service,
        pipetop::engine::ServiceDist::Fixed {
            mean: std::time::Duration::ZERO
        }
    );
    let e = common::break_good("mean = \"1ms\"", "mean = \"0ms\"");
    assert!(
        e.to_string().contains("dist = \"fixed\", mean = \"0ms\""),
        "the error suggests fixed: {e}"
    );
}
