//! `pipetop run` from the command line: the burst demo shows its burst in the
//! report and series, output files are written, and bad input exits 2.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

#[test]
fn the_burst_demo_fills_enrich_backs_up_the_source_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("r.json");
    let series_path = dir.path().join("s.jsonl");
    cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "burst",
            "--headless",
            "--duration",
            "20s",
            "--report",
        ])
        .arg(&report_path)
        .arg("--series")
        .arg(&series_path)
        .assert()
        .success()
        .stdout(predicate::str::contains("enrich"));

    let report = read_json(&report_path);
    assert_eq!(report["schema"], 1);
    assert_eq!(report["scenario"], "burst");
    let enrich = stage(&report, "enrich");
    assert_eq!(
        enrich["queue_max"], enrich["queue_capacity"],
        "enrich's queue filled"
    );
    let totals = &report["totals"];
    assert_eq!(totals["in_flight"], 0);
    assert_eq!(
        totals["generated"].as_u64(),
        totals["completed"].as_u64().map(|c| c
            + totals["dropped"].as_u64().unwrap()
            + totals["dead_lettered"].as_u64().unwrap())
    );
    let events = report["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "burst" && e["items"] == 8000)
    );
    let times: Vec<f64> = events.iter().map(|e| e["t_s"].as_f64().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "the report's events are in time order: {times:?}"
    );

    let mut series: Vec<Value> = std::fs::read_to_string(&series_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Schema 3: the first line says what the run is; a snapshot per tick
    // follows, with what it added to each histogram.
    let header = series.remove(0);
    assert_eq!(header["series"], 3);
    assert_eq!(header["scenario"], "burst");
    assert!(
        series[0]["hist_delta"]["stages"].is_array(),
        "histogram deltas per tick"
    );
    let at = |s: &Value| s["t_s"].as_f64().unwrap();
    let p99 = |s: &Value| s["end_to_end_ms"]["window"]["p99"].as_f64().unwrap();
    assert!(
        series
            .iter()
            .any(|s| s["source"]["source_pending"].as_u64().unwrap() > 0),
        "the source backed up"
    );
    let before = series
        .iter()
        .filter(|s| at(s) < 10.0)
        .map(p99)
        .fold(0.0, f64::max);
    let peak = series
        .iter()
        .filter(|s| at(s) >= 10.0)
        .map(p99)
        .fold(0.0, f64::max);
    let last = p99(series.last().unwrap());
    assert!(
        peak > 10.0 * before,
        "p99 climbs: {before} ms before, {peak} ms peak"
    );
    assert!(
        last < peak / 10.0,
        "p99 recovers: {last} ms at the end, {peak} ms peak"
    );
    // Bottleneck: enrich (index 2) while the burst backs up.
    assert!(series.iter().any(|s| s["bottleneck"] == 2));
}

#[test]
fn without_a_terminal_run_falls_back_to_headless_and_says_so() {
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--duration", "1s"])
        .assert()
        .success()
        .stderr(predicate::str::contains("not a terminal, running headless"))
        .stdout(predicate::str::contains("generated"));
}

#[test]
fn a_screenshot_is_an_svg_of_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("frame.svg");
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--at", "1s", "--screenshot"])
        .arg(&svg)
        .assert()
        .success()
        .stderr(predicate::str::contains("(the frame at 1."));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") || text.starts_with("<?xml"));
    for name in ["ingest", "normalize", "enrich", "score", "store"] {
        assert!(text.contains(name), "the frame shows {name}");
    }
}

#[test]
fn a_screenshot_after_the_end_is_the_last_frame_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("late.svg");
    cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "steady",
            "--headless",
            "--duration",
            "1s",
            "--at",
            "5s",
        ])
        .arg("--screenshot")
        .arg(&svg)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "before --at 5.0s, so this is its last frame",
        ));
    assert!(svg.exists());
}

#[test]
fn an_unknown_scenario_exits_2_and_lists_the_demos() {
    cargo_bin_cmd!("pipetop")
        .args(["run", "brust", "--headless"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("burst"));
}

#[test]
fn a_bad_tick_or_duration_exits_2() {
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--tick", "1ms"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("10ms and 10s"));
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--duration", "soon"])
        .assert()
        .code(2);
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--duration", "0s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more than 0"));
}

#[test]
fn demos_lists_each_built_in_demo_on_one_line() {
    cargo_bin_cmd!("pipetop")
        .arg("demos")
        .assert()
        .success()
        .stdout(predicate::str::contains("steady").and(predicate::str::contains("bottleneck")));
}

#[test]
fn ctrl_c_in_a_headless_run_drains_and_still_prints_the_summary() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("r.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--report"])
        .arg(&report_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    // Wait for the first progress line: the run is under way.
    while !line.starts_with("t=") || !line.contains("running") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the run ended early"
        );
    }
    // SAFETY: kill sends a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("interrupted: stopping the source and draining"),
        "{rest}"
    );
    assert!(stdout.contains("in flight 0"), "the summary:\n{stdout}");
    let report = read_json(&report_path);
    assert_eq!(report["state"], "done");
    assert_eq!(report["totals"]["in_flight"], 0);
}

#[test]
fn an_output_path_that_cannot_be_written_exits_2_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--report", "--record", "--series"] {
        let path = dir.path().join("no-such-dir").join("out");
        // A minute-long run: the error must come before it, not after.
        cargo_bin_cmd!("pipetop")
            .args(["run", "steady", "--headless", "--duration", "60s", flag])
            .arg(&path)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains("cannot write the "))
            .stderr(predicate::str::contains("its directory does not exist"));
    }
}

#[test]
fn the_recording_keeps_the_duration_the_run_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("rec.toml");
    cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "steady",
            "--headless",
            "--duration",
            "1s",
            "--record",
        ])
        .arg(&recording)
        .assert()
        .success();
    let toml = std::fs::read_to_string(&recording).unwrap();
    assert!(toml.contains("duration = \"1000ms\""), "{toml}");
}

#[test]
fn a_second_sigterm_in_a_headless_drain_exits_at_once() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    // A queue of thousands behind a 400/s stage: its drain takes minutes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "unbounded-memory", "--headless"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut wait_for_line = |what: &str, ready: &dyn Fn(&str) -> bool| {
        let mut line = String::new();
        while !ready(&line) {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "ended before {what}"
            );
        }
    };
    wait_for_line("a progress line", &|l| {
        l.starts_with("t=") && l.contains("running")
    });
    let term = || {
        // SAFETY: kill sends a signal to our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    };
    term();
    wait_for_line("the drain", &|l| {
        l.contains("interrupted: stopping the source")
    });
    term();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status}");
}

#[test]
fn a_full_or_closed_stderr_still_gives_the_report_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("Linux has /dev/full");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args([
            "run",
            "steady",
            "--headless",
            "--duration",
            "1s",
            "--report",
        ])
        .arg(&report)
        .stdin(std::process::Stdio::null())
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(summary.contains("pipetop: steady"), "{summary}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["state"], "done");
}

#[test]
fn outputs_that_would_overwrite_each_other_or_the_scenario_are_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("mine.toml");
    std::fs::copy("demos/steady.toml", &scenario).unwrap();
    let same = dir.path().join("out.json");
    let cases = [
        (
            vec![
                "--report",
                same.to_str().unwrap(),
                "--series",
                same.to_str().unwrap(),
            ],
            "also the report",
        ),
        (
            vec!["--report", scenario.to_str().unwrap()],
            "the scenario file this run reads",
        ),
    ];
    for (flags, reason) in cases {
        cargo_bin_cmd!("pipetop")
            .args([
                "run",
                scenario.to_str().unwrap(),
                "--headless",
                "--duration",
                "1s",
            ])
            .args(flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(reason));
    }
    let kept = std::fs::read_to_string(&scenario).unwrap();
    assert_eq!(kept, std::fs::read_to_string("demos/steady.toml").unwrap());
    assert!(!same.exists(), "nothing was written");
}

#[test]
fn a_report_at_a_fifo_with_no_reader_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    cargo_bin_cmd!("pipetop")
        .args([
            "run",
            "steady",
            "--headless",
            "--duration",
            "1s",
            "--report",
        ])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a FIFO with no reader"));
}

#[test]
fn a_series_on_a_full_disk_stops_and_the_run_and_its_report_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--duration", "1s"])
        .args(["--series", "/dev/full", "--report"])
        .arg(&report)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "cannot write the series file /dev/full: No space left on device",
        ));
    let json = read_json(&report);
    assert_eq!(json["state"], "done");
    let failed: Vec<&Value> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "output-failed")
        .collect();
    assert_eq!(failed.len(), 1, "one event when the series stops");
    assert!(
        failed[0]["message"].as_str().unwrap().contains("/dev/full"),
        "{failed:?}"
    );
}
