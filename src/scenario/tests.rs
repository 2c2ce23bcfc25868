//! Happy-path parsing: every field, every default and every timeline `do`.

use std::time::Duration;

use super::*;
use crate::model::{
    Arrivals, Command, FailKind, QueueCapacity, QueuePolicy, Rate, ServiceDist, StageSpec, WorkMode,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// The smallest valid scenario: one stage, no timeline.
pub(super) const MIN: &str = r#"
[source]
rate = 100

[[stage]]
name = "only"
service = { dist = "fixed", mean = "1ms" }
"#;

#[test]
fn minimal_scenario_gets_every_default() {
    let s = parse(MIN, "dir/minimal.toml").unwrap();
    assert_eq!(s.name, "minimal");
    assert_eq!(s.description, "");
    assert_eq!(s.lesson, "");
    assert_eq!(s.duration, None);
    assert_eq!(s.origin, "dir/minimal.toml");
    assert_eq!(s.pipeline.seed, DEFAULT_SEED);
    assert_eq!(s.pipeline.source.rate, Rate::PerSecond(100.0));
    assert_eq!(s.pipeline.source.arrivals, Arrivals::Poisson);
    assert_eq!(s.pipeline.source.burst, 1000, "10 s of traffic");
    assert_eq!(
        s.pipeline.stages,
        vec![StageSpec::new("only", ServiceDist::Fixed { mean: ms(1) })]
    );
    let st = &s.pipeline.stages[0];
    assert_eq!(st.workers, 1);
    assert_eq!(st.queue, QueueCapacity::Bounded(256));
    assert_eq!(st.policy, QueuePolicy::Block);
    assert_eq!(st.mode, WorkMode::Sleep);
    assert_eq!(st.fail_rate, 0.0);
    assert_eq!(st.fail_kind, FailKind::Error);
    assert_eq!(st.max_attempts, 3);
    assert!(s.timeline.is_empty());
}

#[test]
fn every_field_is_read() {
    let text = r#"
name = "full"
description = "all the fields"
seed = 42
duration = "2m"
lesson = """
line one
line two"""

[source]
rate = 250.5
arrivals = "uniform"
burst = 77

[[stage]]
name = "a"
workers = 8
queue = 1000
policy = "drop-newest"
service = { dist = "uniform", min = "250us", max = "1ms" }
mode = "spin"
fail_rate = 0.25
fail_kind = "panic"
max_attempts = 5

[[stage]]
name = "b"
queue = "unbounded"
policy = "drop-oldest"
service = { dist = "exp", mean = "2ms" }

[[stage]]
name = "c"
service = { dist = "normal", mean = "3ms", stddev = "1ms" }
fail_rate = 1

[[stage]]
name = "d"
service = { dist = "lognormal", mean = "1s", stddev = "500ms" }
"#;
    let s = parse(text, "full.toml").unwrap();
    assert_eq!(s.name, "full");
    assert_eq!(s.description, "all the fields");
    assert_eq!(s.lesson, "line one\nline two");
    assert_eq!(s.duration, Some(Duration::from_secs(120)));
    assert_eq!(s.pipeline.seed, 42);
    let src = &s.pipeline.source;
    assert_eq!(src.rate, Rate::PerSecond(250.5));
    assert_eq!(src.arrivals, Arrivals::Uniform);
    assert_eq!(src.burst, 77);
    let st = &s.pipeline.stages;
    assert_eq!(
        st[0],
        StageSpec {
            name: "a".into(),
            workers: 8,
            queue: QueueCapacity::Bounded(1000),
            policy: QueuePolicy::DropNewest,
            service: ServiceDist::Uniform {
                min: us(250),
                max: ms(1)
            },
            mode: WorkMode::Spin,
            fail_rate: 0.25,
            fail_kind: FailKind::Panic,
            max_attempts: 5,
        }
    );
    assert_eq!(st[1].queue, QueueCapacity::Unbounded);
    assert_eq!(st[1].policy, QueuePolicy::DropOldest);
    assert_eq!(st[1].service, ServiceDist::Exp { mean: ms(2) });
    assert_eq!(
        st[2].service,
        ServiceDist::Normal {
            mean: ms(3),
            stddev: ms(1)
        }
    );
    assert_eq!(st[2].fail_rate, 1.0);
    assert_eq!(
        st[3].service,
        ServiceDist::LogNormal {
            mean: ms(1000),
            stddev: ms(500)
        }
    );
}

#[test]
fn max_rate_gets_a_fixed_default_burst() {
    let text = MIN.replace("rate = 100", "rate = \"max\"");
    let s = parse(&text, "x.toml").unwrap();
    assert_eq!(s.pipeline.source.rate, Rate::Max);
    assert_eq!(s.pipeline.source.burst, 10_000);
}

#[test]
fn every_timeline_do_becomes_its_command_sorted_by_time() {
    let text = format!(
        "{MIN}{}",
        r#"
[[stage]]
name = "second"
service = { dist = "exp", mean = "1ms" }

[[timeline]]
at = "9s"
do = "stop"

[[timeline]]
at = "1s"
do = "burst"
items = 500
note = "here it comes"

[[timeline]]
at = "2s"
do = "rate"
rate = 300

[[timeline]]
at = "2500ms"
do = "rate"
rate = "max"

[[timeline]]
at = "3s"
do = "pause"

[[timeline]]
at = "4s"
do = "resume"

[[timeline]]
at = "5s"
do = "workers"
stage = "second"
count = 0

[[timeline]]
at = "6s"
do = "policy"
stage = "only"
policy = "drop-oldest"

[[timeline]]
at = "7s"
do = "slowdown"
stage = "second"
factor = 2.5

[[timeline]]
at = "7s"
do = "slowdown"
stage = "second"
factor = 1

[[timeline]]
at = "8s"
do = "crash"
stage = "only"
"#
    );
    let s = parse(&text, "t.toml").unwrap();
    let got: Vec<(Duration, Command)> = s.timeline.iter().map(|c| (c.at, c.command)).collect();
    let secs = Duration::from_secs;
    assert_eq!(
        got,
        vec![
            (secs(1), Command::Burst { items: 500 }),
            (secs(2), Command::Rate(Rate::PerSecond(300.0))),
            (ms(2500), Command::Rate(Rate::Max)),
            (secs(3), Command::Pause),
            (secs(4), Command::Resume),
            (secs(5), Command::Workers { stage: 1, count: 0 }),
            (
                secs(6),
                Command::Policy {
                    stage: 0,
                    policy: QueuePolicy::DropOldest
                }
            ),
            (
                secs(7),
                Command::Slowdown {
                    stage: 1,
                    factor: 2.5
                }
            ),
            (
                secs(7),
                Command::Slowdown {
                    stage: 1,
                    factor: 1.0
                }
            ),
            (secs(8), Command::Crash { stage: 0 }),
            (secs(9), Command::Stop),
        ]
    );
    assert_eq!(s.timeline[0].note.as_deref(), Some("here it comes"));
    assert!(s.timeline[1].note.is_none());
}

#[test]
fn every_demo_parses_and_matches_its_listing() {
    for demo in demos::all() {
        let s = load(demo.name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, demo.name);
        assert!(
            !s.description.is_empty(),
            "{} has no description",
            demo.name
        );
        assert_eq!(s.description, demo.description());
        assert_eq!(s.origin, format!("demos/{}.toml", demo.name));
        assert!(
            s.lesson.lines().count() >= 5,
            "{} lesson too short",
            demo.name
        );
        assert!(!s.pipeline.stages.is_empty());
        assert!(s.duration.is_some(), "{} has no duration", demo.name);
        assert!(
            s.timeline.is_empty() || s.timeline.iter().any(|c| c.note.is_some()),
            "{} narrates nothing",
            demo.name
        );
    }
    assert!(demos::all().len() >= 8);
    assert_eq!(demos::all()[0].name, demos::DEFAULT);
    assert!(demos::find("nope").is_none());
}

fn rhos(s: &Scenario) -> Vec<f64> {
    let rate = s.pipeline.source.rate.per_second().unwrap();
    s.pipeline
        .stages
        .iter()
        .map(|st| summary::utilization(rate, st))
        .collect()
}

#[test]
fn steady_has_headroom_everywhere_and_enrich_has_the_least() {
    let s = load("steady").unwrap();
    let r = rhos(&s);
    assert!(r.iter().all(|&x| (0.05..0.7).contains(&x)), "{r:?}");
    let enrich = s
        .pipeline
        .stages
        .iter()
        .position(|st| st.name == "enrich")
        .unwrap();
    let max = r.iter().cloned().fold(0.0, f64::max);
    assert_eq!(r[enrich], max);
}

#[test]
fn burst_demo_is_the_steady_pipeline_with_a_burst_timeline() {
    let steady = load("steady").unwrap();
    let burst = load("burst").unwrap();
    assert_eq!(steady.pipeline.stages, burst.pipeline.stages);
    assert!(matches!(burst.timeline[0].command, Command::Burst { items } if items >= 8000));
    assert!(burst.timeline.iter().all(|c| c.note.is_some()));
}

#[test]
fn bottleneck_demo_overloads_enrich_then_fixes_it_at_20s() {
    let s = load("bottleneck").unwrap();
    let r = rhos(&s);
    assert!(r[2] > 1.0, "{r:?}");
    let fix = &s.timeline[0];
    assert_eq!(fix.at, Duration::from_secs(20));
    let Command::Workers { stage: 2, count } = fix.command else {
        panic!("{:?}", fix.command);
    };
    let mut fixed = s.pipeline.stages[2].clone();
    fixed.workers = count;
    assert!(summary::utilization(800.0, &fixed) < 0.7);
}

#[test]
fn check_summary_names_stages_and_timeline() {
    let s = load("burst").unwrap();
    let footprint = capacity::estimate(&s, 0, machine_limits::DEFAULT_STACK_BYTES);
    let text = check_summary(&s, &footprint);
    assert!(
        text.contains(&capacity::summary_line(&footprint)),
        "the estimate is shown: {text}"
    );
    assert!(
        text.contains("demos/burst.toml: ok, scenario `burst`"),
        "{text}"
    );
    for st in &s.pipeline.stages {
        assert!(text.contains(&st.name), "{text}");
    }
    assert!(text.contains("lognormal mean 4ms sd 2ms"), "{text}");
    assert!(text.contains("0.27"), "{text}");
    assert!(text.contains("timeline: 1 command"), "{text}");
}

#[test]
fn cores_for_virtual_spin_stages_is_optional_and_bounded() {
    let base = "[source]\nrate = 10\n[[stage]]\nname = \"a\"\nservice = { dist = \"fixed\", mean = \"1ms\" }\n";
    assert_eq!(parse(base, "t.toml").unwrap().cores, None);
    let two = parse(&format!("cores = 2\n{base}"), "t.toml").unwrap();
    assert_eq!(two.cores, Some(2));
    for bad in ["0", "-1", "100000", "\"many\""] {
        let err = parse(&format!("cores = {bad}\n{base}"), "t.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("t.toml:1:"), "{bad}: {text}");
        assert!(text.contains("cores"), "{bad}: {text}");
    }
}
