//! Every built-in demo is a valid scenario (by the library and by `pipetop
//! check`), and runs headless for a few seconds with conservation holding at
//! every snapshot and nothing left in flight at the end (unless the run ends
//! at its memory cap, which aborts).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use pipetop::scenario::{self, demos};
use serde_json::Value;

/// Every `.toml` file in `demos/`.
fn demo_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("demos")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_demo_file_is_listed_and_passes_check() {
    let files = demo_files();
    assert!(files.len() >= 8, "{files:?}");
    for path in &files {
        let s = scenario::load_path(path).unwrap_or_else(|e| panic!("{e}"));
        let demo = demos::find(&s.name)
            .unwrap_or_else(|| panic!("{} is not listed in demos.rs", path.display()));
        assert_eq!(Path::new(&format!("demos/{}.toml", demo.name)), path);
        assert!(!s.lesson.trim().is_empty(), "{}: no lesson", s.name);
        cargo_bin_cmd!("pipetop")
            .arg("check")
            .arg(path)
            .assert()
            .success();
    }
    assert_eq!(files.len(), demos::all().len(), "a listed demo has no file");
}

/// Asserts conservation on every line of a `--series` file; returns the last
/// snapshot.
fn check_series(name: &str, series: &str) -> Value {
    let mut last = Value::Null;
    // The first line (schema 2 on) says what the run is.
    for (i, line) in series.lines().skip(1).enumerate() {
        let snap: Value = serde_json::from_str(line).unwrap();
        let t = &snap["totals"];
        let n = |k: &str| t[k].as_u64().unwrap();
        assert_eq!(
            n("generated"),
            n("completed") + n("dropped") + n("dead_lettered") + n("in_flight"),
            "{name}: conservation broken at snapshot {i}: {t}"
        );
        last = snap;
    }
    assert!(!last.is_null(), "{name}: empty series");
    last
}

/// Runs one demo headless and checks its series and report. A demo with a
/// `memory_cap` runs with the smallest cap allowed, so that it ends there.
fn run_demo(name: &str, dir: &Path) -> Duration {
    let start = Instant::now();
    let text = std::fs::read_to_string(format!("demos/{name}.toml")).unwrap();
    let capped = text.lines().any(|l| l.starts_with("memory_cap"));
    let file = dir.join(format!("{name}.toml"));
    let text = if capped {
        text.lines()
            .map(|l| {
                if l.starts_with("memory_cap") {
                    "memory_cap = \"16MiB\""
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text
    };
    std::fs::write(&file, text).unwrap();
    let report = dir.join(format!("{name}.json"));
    let series = dir.join(format!("{name}.jsonl"));
    let output = cargo_bin_cmd!("pipetop")
        .arg("run")
        .arg(&file)
        .args([
            "--headless",
            "--duration",
            if capped { "20s" } else { "3s" },
        ])
        .arg("--report")
        .arg(&report)
        .arg("--series")
        .arg(&series)
        .timeout(Duration::from_secs(45))
        .output()
        .unwrap();
    let last = check_series(name, &std::fs::read_to_string(&series).unwrap());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap())
        .unwrap_or_else(|e| panic!("{name}: no report ({e}); {output:?}"));
    let events = report["events"].as_array().unwrap();
    let hit_cap = events.iter().any(|e| e["kind"] == "memory-cap");
    if capped {
        assert!(
            hit_cap,
            "{name}: did not stop at its memory cap: {events:?}"
        );
        // A declared limit that cuts the run short exits 1, with the
        // reason in the summary.
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("ended by a limit: memory cap reached"),
            "{name}: {stdout}"
        );
    } else {
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(last["totals"]["in_flight"], 0, "{name}: {}", last["totals"]);
        assert_eq!(report["totals"]["in_flight"], 0, "{name}");
    }
    let t = &report["totals"];
    let n = |k: &str| t[k].as_u64().unwrap();
    assert_eq!(
        n("generated"),
        n("completed") + n("dropped") + n("dead_lettered") + n("in_flight"),
        "{name}: report totals {t}"
    );
    assert!(n("generated") > 0, "{name}: nothing generated");
    start.elapsed()
}

#[test]
fn every_demo_runs_headless_with_conservation_at_every_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Mutex::new(demos::all().iter().map(|d| d.name).collect::<Vec<_>>());
    let times = Mutex::new(Vec::new());
    // Three at a time: the demos are cheap, and 2 cores are enough for three.
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                while let Some(name) = queue.lock().unwrap().pop() {
                    let took = run_demo(name, dir.path());
                    times.lock().unwrap().push((name, took));
                }
            });
        }
    });
    let times = times.into_inner().unwrap();
    assert_eq!(times.len(), demos::all().len());
    for (name, took) in times {
        eprintln!("{name}: {:.1}s", took.as_secs_f64());
    }
}
