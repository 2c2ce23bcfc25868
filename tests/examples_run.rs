//! The library examples run headless to completion on their default input:
//! exit 0, the run's summary and the example's own report on stdout.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `target/debug/examples/NAME`, built by `cargo test` with the tests.
fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let dir = deps.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "build the examples first: {}",
        path.display()
    );
    path
}

/// Runs an example with `args`; returns its stdout once it exits 0 within a minute.
fn run_to_completion(name: &str, args: &[&str]) -> String {
    let mut child = Command::new(example(name))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (out.join().unwrap().unwrap(), err.join().unwrap().unwrap());
    assert!(
        status.success(),
        "{name} {args:?} failed ({status}):\n{stderr}"
    );
    stdout
}

#[test]
fn logs_runs_headless_and_prints_its_top_keys() {
    let stdout = run_to_completion("logs", &["--headless"]);
    assert!(stdout.contains("pipetop: logs — "), "{stdout}");
    assert!(stdout.contains(", done\n"), "{stdout}");
    assert!(
        stdout
            .contains("generated 60000  completed 59929  dropped 0  dead-lettered 71  in flight 0"),
        "the seeded input has 71 malformed lines:\n{stdout}"
    );
    assert!(stdout.contains("top 10 of "), "{stdout}");
    assert!(stdout.contains("GET /api/orders/:id"), "{stdout}");
}

#[test]
fn checksum_runs_headless_and_reports_the_tree() {
    let stdout = run_to_completion("checksum", &["--headless"]);
    assert!(stdout.contains("pipetop: checksum — "), "{stdout}");
    assert!(stdout.contains(", done\n"), "{stdout}");
    assert!(
        stdout.contains("checksum: 400 files, 31.9 MB, 4 passes; 0 unreadable; tree digest "),
        "{stdout}"
    );
}

#[test]
fn checksum_of_a_given_directory_is_the_same_every_run() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("a.txt", "alpha"), ("b/c.txt", "gamma"), ("b/d.bin", "")] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let dir = dir.path().to_str().unwrap();
    let digest = |stdout: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with("checksum: 3 files"))
            .unwrap_or_else(|| panic!("no report line in\n{stdout}"))
            .to_string()
    };
    let first = run_to_completion("checksum", &["--headless", "--rate", "max", dir]);
    let second = run_to_completion("checksum", &["--headless", "--rate", "max", dir]);
    assert_eq!(digest(&first), digest(&second));
}

#[test]
fn an_example_takes_pipetop_runs_output_flags() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("a.txt"), "alpha").unwrap();
    let report = dir.path().join("report.json");
    let series = dir.path().join("series.jsonl");
    let args = [
        "--headless",
        "--rate",
        "max",
        "--tick",
        "50ms",
        "--report",
        report.to_str().unwrap(),
        "--series",
        series.to_str().unwrap(),
        tree.to_str().unwrap(),
    ];
    run_to_completion("checksum", &args);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let stages: Vec<&str> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["read", "hash"]);
    assert_eq!(report["totals"]["completed"], 1);
    let lines = std::fs::read_to_string(&series).unwrap();
    assert!(
        lines.lines().count() >= 1,
        "one snapshot per tick:\n{lines}"
    );
}

#[test]
fn an_example_refuses_a_rate_of_zero_instead_of_never_ending() {
    let output = Command::new(example("logs"))
        .args(["--rate", "0", "--headless"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a rate of 0 sends nothing and never ends"),
        "{stderr}"
    );
}

#[test]
fn logs_refuses_a_directory_and_stops_at_a_file_with_no_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(example("logs"))
        .args(["--headless", "--input"])
        .arg(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a directory: give a log file"));
    // /dev/zero is one endless line: read at most 64 KiB of it, then stop.
    let stdout = run_to_completion("logs", &["--input", "/dev/zero"]);
    assert!(stdout.contains("generated 0"), "{stdout}");
}
