//! Bottleneck analysis names the cause, not its victims, and queueing theory
//! predicts what the engine measures: a deterministic library pipeline, the
//! `bottleneck` and `backpressure-chain` demos, and (ignored by default, one
//! minute each) M/M/1 and M/M/4 runs against Erlang C.

use std::path::Path;
use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;
use pipetop::engine::{
    Arrivals, PipelineSpec, QueueCapacity, QueuePolicy, Rate, RunOptions, ServiceDist, SourceSpec,
    StageSpec, simulate,
};
use pipetop::metrics::{Backpressure, RunState, Snapshot};
use serde_json::Value;

fn fixed(name: &str, workers: usize, micros: u64) -> StageSpec {
    StageSpec {
        workers,
        queue: QueueCapacity::Bounded(32),
        policy: QueuePolicy::Block,
        ..StageSpec::new(
            name,
            ServiceDist::Fixed {
                mean: Duration::from_micros(micros),
            },
        )
    }
}

/// Every snapshot of a run of `spec` for `seconds`.
fn snapshots(spec: &PipelineSpec, seconds: u64) -> Vec<Snapshot> {
    let running = simulate::build(spec).start(RunOptions {
        stop_after: Some(Duration::from_secs(seconds)),
        ..RunOptions::default()
    });
    let all: Vec<Snapshot> = running.snapshots().iter().map(|s| (*s).clone()).collect();
    running.join().expect("the engine ran to its end");
    all
}

#[test]
fn a_slow_middle_stage_is_the_bottleneck_and_never_its_starved_downstream() {
    // 400/s, evenly spaced, into: parse (2 × 0.2 ms, ρ 0.04) → slow (1 × 4 ms:
    // capacity 250/s, ρ 1.6) → store (2 × 0.5 ms, starved at 250/s: ρ 0.06).
    // slow's queue (32) fills in a fraction of a second; parse then blocks.
    let spec = PipelineSpec {
        seed: 1,
        source: SourceSpec {
            rate: Rate::PerSecond(400.0),
            arrivals: Arrivals::Uniform,
            burst: 0,
        },
        stages: vec![
            fixed("parse", 2, 200),
            fixed("slow", 1, 4_000),
            fixed("store", 2, 500),
        ],
    };
    let all = snapshots(&spec, 4);
    let settled: Vec<&Snapshot> = all
        .iter()
        .filter(|s| s.state == RunState::Running && s.t_s >= 1.0)
        .collect();
    assert!(settled.len() >= 8, "{} settled ticks", settled.len());
    for s in &settled {
        assert_ne!(s.bottleneck, Some(2), "the starved store at {} s", s.t_s);
        assert_ne!(s.bottleneck, Some(0), "the blocked parse at {} s", s.t_s);
        if s.stages[0].backpressure != Backpressure::Ok {
            assert_eq!(
                s.bottleneck,
                Some(1),
                "parse is blocked at {} s, so slow limits the pipeline",
                s.t_s
            );
            let reason = s.bottleneck_reason.as_deref().unwrap_or_default();
            assert!(reason.starts_with("slow: busy"), "{reason}");
        }
    }
    let named = settled.iter().filter(|s| s.bottleneck == Some(1)).count();
    assert!(
        named * 10 >= settled.len() * 9,
        "slow named in {named} of {} ticks",
        settled.len()
    );
    // The derived event says so once, with the reason.
    let events: Vec<_> = all
        .iter()
        .flat_map(|s| &s.events)
        .filter(|e| e.word() == "bottleneck" && e.stage_name() == Some("slow"))
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].message().contains("slow: busy"), "{events:?}");
}

fn read_series(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs `scenario` headless for `duration`; returns its series and report.
fn run(scenario: &str, duration: &str) -> (Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let series = dir.path().join("s.jsonl");
    let report = dir.path().join("r.json");
    cargo_bin_cmd!("pipetop")
        .args(["run", scenario, "--headless", "--duration", duration])
        .arg("--series")
        .arg(&series)
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    (read_series(&series), read_json(&report))
}

/// Share of the running ticks in `from_s..to_s` that name `index`.
fn share_named(series: &[Value], from_s: f64, to_s: f64, index: u64) -> (usize, usize) {
    let ticks: Vec<&Value> = series
        .iter()
        .filter(|s| s["state"] == "running")
        .filter(|s| (from_s..to_s).contains(&s["t_s"].as_f64().unwrap()))
        .collect();
    let named = ticks.iter().filter(|s| s["bottleneck"] == index).count();
    (named, ticks.len())
}

#[test]
fn the_bottleneck_demo_names_enrich() {
    let (series, report) = run("bottleneck", "8s");
    let (named, ticks) = share_named(&series, 2.0, 8.0, 2);
    assert!(ticks >= 16, "{ticks} ticks");
    assert!(named * 4 >= ticks * 3, "enrich named in {named} of {ticks}");
    // The starved stages downstream are never blamed.
    assert!(
        series
            .iter()
            .all(|s| s["bottleneck"] != 3 && s["bottleneck"] != 4)
    );
    assert_eq!(report["bottleneck"]["stage"], "enrich");
    let enrich = &report["stages"][2]["theory"];
    assert_eq!(enrich["saturated"], true, "{enrich}");
    // Held at capacity: the measured λ is capped at c·μ, the demand is 800/s,
    // the backlog grows at 800 − 500 = 300/s, and 5 workers give ρ < 0.8.
    assert!(enrich["utilization"].as_f64().unwrap() >= 0.98, "{enrich}");
    assert_eq!(enrich["offered_rate"], 800.0, "{enrich}");
    let growth = enrich["queue_growth_per_s"].as_f64().unwrap();
    assert!((200.0..400.0).contains(&growth), "{enrich}");
    assert!(enrich["workers_needed"].as_u64().unwrap() >= 4, "{enrich}");
    // lognormal service: no Erlang C, and the report says why.
    assert!(enrich["wait_ms_predicted"].is_null());
    assert!(enrich["model_note"].is_string(), "{enrich}");
}

#[test]
fn the_backpressure_chain_demo_names_the_slowed_stage_not_its_victims() {
    // write slows ×5 at 5 s; its queue fills within about a second.
    let (series, report) = run("backpressure-chain", "12s");
    let before = share_named(&series, 0.0, 5.0, 3);
    assert_eq!(before.0, 0, "no bottleneck before the slowdown");
    let (named, ticks) = share_named(&series, 7.0, 12.0, 3);
    assert!(ticks >= 16, "{ticks} ticks");
    assert!(named * 10 >= ticks * 9, "write named in {named} of {ticks}");
    assert!(
        series
            .iter()
            .all(|s| s["bottleneck"].is_null() || s["bottleneck"] == 3)
    );
    // Pressure reached the source.
    assert!(series.iter().any(|s| s["source"]["backpressure"] == "HIGH"));
    let summary = &report["bottleneck"];
    assert_eq!(summary["stage"], "write", "{summary}");
    let seconds = summary["stages"][0]["seconds"].as_f64().unwrap();
    assert!(seconds >= 5.0, "{summary}");
    assert!(
        summary["stages"][0]["last_reason"]
            .as_str()
            .unwrap()
            .starts_with("write: busy"),
        "{summary}"
    );
}

/// Measured mean wait and Erlang C's prediction (from the measured λ and μ)
/// of the single stage of a one-minute scenario run.
fn measured_and_predicted_wait(scenario: &str) -> (f64, f64) {
    let (_, report) = run(scenario, "60s");
    let stage = &report["stages"][0];
    let measured = stage["wait_ms"]["mean"].as_f64().unwrap();
    let predicted = stage["theory"]["wait_ms_predicted"]
        .as_f64()
        .unwrap_or_else(|| panic!("no prediction: {}", stage["theory"]));
    eprintln!(
        "{scenario}: rho {:.3}, measured Wq {measured:.3} ms, Erlang C {predicted:.3} ms",
        stage["theory"]["utilization"].as_f64().unwrap()
    );
    (measured, predicted)
}

#[test]
#[ignore = "two one-minute runs: cargo test --release --test theory -- --ignored"]
fn one_minute_mm1_and_mm4_waits_match_erlang_c_within_15_percent() {
    let root = env!("CARGO_MANIFEST_DIR");
    for name in ["mm1-80", "mm4-80"] {
        let path = format!("{root}/tests/scenarios/{name}.toml");
        let (measured, predicted) = measured_and_predicted_wait(&path);
        let error = (measured - predicted).abs() / predicted;
        assert!(
            error <= 0.15,
            "{name}: measured {measured:.3} ms vs Erlang C {predicted:.3} ms ({:.0}% off)",
            error * 100.0
        );
    }
}
