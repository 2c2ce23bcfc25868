//! One crashing worker does not kill the pipeline, and nothing is lost:
//! panics restart workers, errors retry then dead-letter, and no panic text
//! reaches the terminal.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;
use pipetop::engine::{Command, IterSource, Pipeline, RunOptions, StageConfig, WorkError};
use pipetop::metrics::RunState;
use serde_json::Value;

#[test]
fn panics_and_errors_are_counted_and_contained() {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("r.json");
    let output = cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "tests/scenarios/failures.toml",
            "--headless",
            "--report",
        ])
        .arg(&report_path)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for text in [&stdout, &stderr] {
        assert!(!text.contains("panicked"), "panic text leaked:\n{text}");
        assert!(
            !text.contains("RUST_BACKTRACE"),
            "panic text leaked:\n{text}"
        );
    }
    assert!(stderr.contains("restart"), "restarts reach the event log");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let stages = report["stages"].as_array().unwrap();
    let (parse, store) = (&stages[0], &stages[1]);
    let restarts = parse["restarts"].as_u64().unwrap();
    let items = parse["processed"].as_u64().unwrap() as f64;
    assert!(restarts > 0 && parse["retried"].as_u64().unwrap() >= restarts);
    // 2% of attempts panic.
    assert!(
        (restarts as f64 / items - 0.02).abs() < 0.01,
        "{restarts} restarts of {items}"
    );
    assert!(store["retried"].as_u64().unwrap() > 0);
    // 10% fail twice in a row: 1% dead-lettered.
    let dead = store["dead_lettered"].as_u64().unwrap() as f64;
    let store_items = store["processed"].as_u64().unwrap() as f64 + dead;
    assert!(
        (dead / store_items - 0.01).abs() < 0.005,
        "{dead} dead of {store_items}"
    );
    assert_eq!(report["totals"]["in_flight"], 0);
    assert_eq!(
        report["totals"]["dead_lettered"].as_u64().unwrap() as f64,
        dead
    );
    let letters = report["dead_letters"].as_array().unwrap();
    assert!(!letters.is_empty() && letters.len() <= 100);
    assert_eq!(letters[0]["stage"], "store");
    assert_eq!(letters[0]["attempts"], 2);
}

#[test]
fn crashing_workers_loses_no_item() {
    let completed = Arc::new(Mutex::new(Vec::new()));
    let sink = completed.clone();
    let slow = |x: &u64| -> Result<u64, WorkError> {
        std::thread::sleep(Duration::from_micros(200));
        Ok(*x)
    };
    let pipeline = Pipeline::from_source(IterSource::new(0u64..6_000))
        .stage(StageConfig::new("a").workers(3).max_attempts(10), slow)
        .sink(move |x: u64| sink.lock().unwrap().push(x));
    let running = pipeline.start(RunOptions {
        tick: Duration::from_millis(10),
        ..RunOptions::default()
    });
    let controller = running.controller();
    let mut restarts = 0;
    let mut last = None;
    for snapshot in running.snapshots().iter() {
        if snapshot.tick == 0 {
            for _ in 0..10 {
                controller.send(Command::Crash { stage: 0 });
            }
        }
        restarts = snapshot.stages[0].restarts;
        last = Some(snapshot);
    }
    running.join().expect("the engine ran to its end");
    let last = last.unwrap();
    assert_eq!(last.state, RunState::Done);
    assert_eq!(restarts, 10);
    assert_eq!(last.totals.completed, 6_000);
    assert_eq!(last.totals.in_flight, 0);
    let mut ids = completed.lock().unwrap().clone();
    ids.sort_unstable();
    assert_eq!(ids, (0..6_000).collect::<Vec<_>>());
}

/// The `failures` demo twice with one seed: the same items fail, however the
/// threads are scheduled (an attempt's randomness comes from the seed, the
/// stage, the item and the attempt, not from the worker that took it).
#[test]
fn the_same_seed_fails_the_same_items() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| -> Value {
        let path = dir.path().join(name);
        cargo_bin_cmd!("pipetop")
            .args([
                "run",
                "failures",
                "--headless",
                "--duration",
                "3s",
                "--seed",
                "5",
            ])
            .arg("--report")
            .arg(&path)
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let (first, second) = (run("a.json"), run("b.json"));
    let generated = |r: &Value| r["totals"]["generated"].as_u64().unwrap();
    // The source stops on the clock, so the last item or two may differ:
    // compare the items both runs generated.
    let common = generated(&first).min(generated(&second));
    let dead = |r: &Value| -> Vec<u64> {
        let mut ids: Vec<u64> = r["dead_letters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_u64().unwrap())
            .filter(|&id| id < common)
            .collect();
        ids.sort_unstable();
        ids
    };
    assert!(!dead(&first).is_empty(), "the demo dead-letters some items");
    assert_eq!(dead(&first), dead(&second));
    if generated(&first) == generated(&second) {
        let failures = |r: &Value| -> Vec<(u64, u64)> {
            r["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["restarts"].as_u64().unwrap(),
                        s["retried"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(failures(&first), failures(&second));
    }
}
