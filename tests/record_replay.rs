//! Record and replay: keys pressed in the dashboard are written by
//! `--record` as a scenario; replaying it headless repeats the same actions
//! at the same times and ends with the same pool sizes.

mod tmux;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use tmux::{Tmux, quoted, quoted_path, wait_for_file};

/// The default sampling period: recorded times must match within one tick.
const TICK_S: f64 = 0.25;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(kind, t_s)` of the events that came from actions (operator or timeline).
fn actions(report: &Value) -> Vec<(String, f64)> {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["origin"] != "engine" && e["note"] != "duration reached")
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["t_s"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn pool_sizes(report: &Value) -> Vec<(String, u64)> {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["workers"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_recorded_session_replays_headless_with_the_same_actions() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("rec.toml");
    let live_report = dir.path().join("live.json");
    let exit = dir.path().join("exit");
    let command = format!(
        "{bin} run steady --record {rec} --report {report}; echo EXIT=$? > {exit}; read wait",
        bin = quoted(env!("CARGO_BIN_EXE_pipetop")),
        rec = quoted_path(&recording),
        report = quoted_path(&live_report),
        exit = quoted_path(&exit),
    );
    let tmux = Tmux::start(dir.path(), 160, 48, &format!("sh -c {}", quoted(&command)));
    tmux.wait_for("the dashboard running", |s| {
        s.contains("running") && s.contains("enrich")
    });
    // Select the first stage by hand (until then the selection follows
    // the bottleneck), then add it a worker.
    tmux.send(&["Up", "Up", "Up", "Up", "Up"]);
    tmux.send(&["+"]);
    tmux.wait_for("a worker added", |s| s.contains("ingest: workers 4 → 5"));
    tmux.send(&["b"]);
    tmux.wait_for("the burst", |s| s.contains("burst of "));
    tmux.send(&["]"]);
    tmux.wait_for("the new rate", |s| s.contains("source rate"));
    tmux.send(&["q"]);
    assert_eq!(wait_for_file(&exit, &tmux).trim(), "EXIT=0");

    let replay_report = dir.path().join("replay.json");
    cargo_bin_cmd!("pipetop")
        .arg("run")
        .arg(&recording)
        .args(["--headless", "--report"])
        .arg(&replay_report)
        .assert()
        .success();

    let live = read_json(&live_report);
    let replay = read_json(&replay_report);
    let (done, redone) = (actions(&live), actions(&replay));
    let kinds = |a: &[(String, f64)]| a.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(kinds(&done), ["workers", "burst", "rate", "stop"]);
    assert_eq!(
        kinds(&done),
        kinds(&redone),
        "the same actions in the same order"
    );
    // A replayed action is never early (the recording keeps its time to the
    // nanosecond); how late a busy machine lets the control thread carry it
    // out is no property of the recording.
    for ((kind, at), (_, again)) in done.iter().zip(&redone) {
        assert!(
            *again >= at - TICK_S,
            "{kind} at {at}s live, {again}s replayed: early"
        );
    }
    assert_eq!(pool_sizes(&live), pool_sizes(&replay));
    assert_eq!(replay["totals"]["in_flight"], 0);
}
