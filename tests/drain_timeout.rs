//! `--drain-timeout`: a drain that outlasts it is cut short. The run aborts
//! as Ctrl-C twice does, still writes its summary and report, counts what
//! was left in flight (so conservation holds), logs a `drain-timeout`
//! event, and exits 1 like every run cut short by a declared limit.

use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// 2000 items/s into one worker that serves 100/s: after the source stops,
/// the backlog would take many seconds to drain.
const SLOW_DRAIN: &str = r#"
name = "slow-drain"
seed = 5
[source]
rate = 2000
arrivals = "uniform"
[[stage]]
name = "slow"
workers = 1
queue = "unbounded"
service = { dist = "fixed", mean = "10ms" }
"#;

/// Asserts `generated = completed + dropped + dead_lettered + in_flight`;
/// returns `in_flight`.
fn conserved(t: &Value) -> u64 {
    let n = |k: &str| t[k].as_u64().unwrap();
    assert_eq!(
        n("generated"),
        n("completed") + n("dropped") + n("dead_lettered") + n("in_flight"),
        "{t}"
    );
    n("in_flight")
}

/// Conservation holds and items were left in flight; returns how many.
fn left_in_flight(t: &Value) -> u64 {
    let in_flight = conserved(t);
    assert!(in_flight > 0, "items were left: {t}");
    in_flight
}

/// The report's `drain-timeout` event.
fn drain_timeout_event(report: &Value) -> &Value {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "drain-timeout")
        .expect("a drain-timeout event")
}

#[test]
fn a_drain_past_its_timeout_aborts_and_reports_what_was_left() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("slow.toml");
    std::fs::write(&scenario, SLOW_DRAIN).unwrap();
    let report = dir.path().join("r.json");
    let output = cargo_bin_cmd!("pipetop")
        .arg("run")
        .arg(&scenario)
        .args(["--headless", "--duration", "1s", "--drain-timeout", "500ms"])
        .arg("--report")
        .arg(&report)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("ended by a limit: the drain outlasted its 0.5s limit"),
        "{stdout}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["state"], "aborted");
    left_in_flight(&report["totals"]);
    let timeout = drain_timeout_event(&report);
    assert!(timeout["items"].as_u64().unwrap() > 0, "{timeout}");
}

#[test]
fn the_drain_timeout_takes_a_duration_or_none() {
    for bad in [
        "--drain-timeout=0s",
        "--drain-timeout=soon",
        "--drain-timeout=-1s",
    ] {
        cargo_bin_cmd!("pipetop")
            .args(["run", "steady", "--headless", bad])
            .timeout(Duration::from_secs(30))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("drain-timeout"));
    }
    let parsed = <pipetop::cli::Cli as clap::Parser>::try_parse_from([
        "pipetop",
        "run",
        "--drain-timeout",
        "none",
    ])
    .expect("none is a valid limit");
    let Some(pipetop::cli::Cmd::Run(args)) = parsed.command else {
        panic!("a run");
    };
    assert_eq!(args.session_options().drain_timeout, None);
}

/// In virtual time the limit is virtual seconds: a backlog that would take
/// minutes to drain is cut short exactly `--drain-timeout` after the
/// source stopped, with every item accounted for.
#[test]
fn a_virtual_drain_is_cut_short_at_duration_plus_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("slow.toml");
    std::fs::write(&scenario, SLOW_DRAIN).unwrap();
    let report = dir.path().join("r.json");
    let series = dir.path().join("s.jsonl");
    let (duration_s, timeout_s) = (2.0, 3.0);
    let output = cargo_bin_cmd!("pipetop")
        .arg("run")
        .arg(&scenario)
        .args(["--virtual", "--headless", "--duration", "2s"])
        .args(["--drain-timeout", "3s", "--report"])
        .arg(&report)
        .arg("--series")
        .arg(&series)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["clock"], "virtual");
    assert_eq!(report["state"], "aborted");
    let in_flight = left_in_flight(&report["totals"]);
    let timeout = drain_timeout_event(&report);
    assert_eq!(timeout["t_s"].as_f64(), Some(duration_s + timeout_s));
    assert_eq!(timeout["items"].as_u64(), Some(in_flight), "{timeout}");
    // Conservation at every snapshot, and none after the cut.
    let mut last_t = 0.0;
    // The first line says what the run is; snapshots follow.
    for line in std::fs::read_to_string(&series).unwrap().lines().skip(1) {
        let s: Value = serde_json::from_str(line).unwrap();
        conserved(&s["totals"]);
        last_t = s["t_s"].as_f64().unwrap();
    }
    assert_eq!(last_t, duration_s + timeout_s);
}
