//! `pipetop run --virtual` from the command line: the same seed gives a
//! byte-identical report (nothing of the wall clock or the host leaks in),
//! every output works through the one driver, and what cannot be simulated
//! is refused.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use pipetop::session::{Pace, Session};
use serde_json::Value;

fn run_virtual(dir: &Path, name: &str, extra: &[&str]) -> Vec<u8> {
    let report = dir.join(format!("{name}.json"));
    cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "drop-policies",
            "--virtual",
            "--headless",
            "--seed",
            "5",
        ])
        .args(["--duration", "20s", "--report"])
        .arg(&report)
        .args(extra)
        .assert()
        .success();
    std::fs::read(&report).unwrap()
}

#[test]
fn the_same_seed_gives_a_byte_identical_report() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_virtual(dir.path(), "a", &[]);
    let second = run_virtual(dir.path(), "b", &[]);
    assert!(first == second, "two virtual runs with seed 5 differ");
    let report: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(report["clock"], "virtual");
    assert_eq!(report["state"], "done");
    let t = &report["totals"];
    let n = |k: &str| t[k].as_u64().unwrap();
    assert_eq!(n("in_flight"), 0);
    assert_eq!(
        n("generated"),
        n("completed") + n("dropped") + n("dead_lettered")
    );
    // The drop-policies demo drops: the run did something worth comparing.
    assert!(n("dropped") > 0, "{t}");
}

#[test]
fn a_virtual_run_writes_series_and_screenshot_in_virtual_time() {
    let dir = tempfile::tempdir().unwrap();
    let series = dir.path().join("s.jsonl");
    let svg = dir.path().join("f.svg");
    let report = dir.path().join("r.json");
    cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "burst",
            "--virtual",
            "--headless",
            "--duration",
            "30s",
        ])
        .arg("--series")
        .arg(&series)
        .arg("--report")
        .arg(&report)
        .arg("--screenshot")
        .arg(&svg)
        .args(["--at", "12s"])
        .assert()
        .success();
    let lines: Vec<Value> = std::fs::read_to_string(&series)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        // The first line says what the run is (series schema 2 on).
        .filter(|l| l.get("tick").is_some())
        .collect();
    // One snapshot per 250 ms of virtual time, however fast it ran.
    assert!(lines.len() >= 30 * 4, "{}", lines.len());
    for (i, s) in lines.iter().enumerate().take(100) {
        assert_eq!(s["tick"], i as u64);
        let t = s["t_s"].as_f64().unwrap();
        assert!(
            (t - 0.25 * (i as f64 + 1.0)).abs() < 1e-9,
            "tick {i} at {t}"
        );
        assert_eq!(s["process"]["cpu_percent"], 0.0, "no wall-clock CPU");
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["clock"], "virtual");
}

#[test]
fn a_real_run_says_its_clock_is_real() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--duration", "300ms"])
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["clock"], "real");
}

#[test]
fn a_library_pipeline_with_user_code_cannot_be_simulated() {
    use pipetop::engine::{IterSource, Pipeline, StageConfig, WorkError};
    let pipeline = Pipeline::from_source(IterSource::new(0u32..10))
        .stage(StageConfig::new("double"), |n: &u32| {
            Ok::<_, WorkError>(n * 2)
        })
        .sink(|_| {});
    let session = Session::new("mine", pipeline);
    let refused = pipetop::simulator::virtualize(session, 2, Pace::new(1.0))
        .err()
        .expect("user code is refused");
    let message = refused.to_string();
    assert!(
        message.contains("`mine` is a library pipeline"),
        "{message}"
    );
    assert!(
        message.contains("--virtual applies to scenarios"),
        "{message}"
    );
}
