//! The resume example survives being killed: restarted, it continues from
//! its checkpoint, every line is processed at least once, and only lines in
//! the in-flight window (queues, workers, and the checkpoint's lag of at most
//! a tick and a half) are processed twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use rand::{RngExt, SeedableRng, rngs::StdRng};

const LINES: u64 = 20_000;
const RATE: u64 = 4_000;

fn example() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let dir = deps.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join("resume");
    assert!(
        path.exists(),
        "build the examples first: {}",
        path.display()
    );
    path
}

fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(example());
    cmd.arg("--headless")
        .arg("--input")
        .arg(dir.join("input.txt"))
        .arg("--output")
        .arg(dir.join("output.tsv"))
        .arg("--checkpoint")
        .arg(dir.join("checkpoint"))
        .args(["--rate", &RATE.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn output_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("output.tsv"))
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[test]
fn killed_and_restarted_it_skips_no_line() {
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let kill_after = StdRng::seed_from_u64(seed).random_range(1_000..(LINES as usize - 4_000));
    eprintln!("seed {seed}: killing after {kill_after} lines");
    let dir = tempfile::tempdir().unwrap();

    let mut first = command(dir.path()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while output_lines(dir.path()) < kill_after {
        assert!(Instant::now() < deadline, "the first run made no progress");
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended early"
        );
        std::thread::yield_now();
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let resumed_at: u64 = std::fs::read_to_string(dir.path().join("checkpoint"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(0);
    assert!(resumed_at < LINES, "killed before the end");

    let status = command(dir.path()).status().unwrap();
    assert!(status.success());

    let mut seen: HashMap<u64, usize> = HashMap::new();
    for line in std::fs::read_to_string(dir.path().join("output.tsv"))
        .unwrap()
        .lines()
    {
        let (id, _) = line.split_once('\t').unwrap();
        *seen.entry(id.parse().unwrap()).or_default() += 1;
    }
    let missing: Vec<u64> = (0..LINES).filter(|id| !seen.contains_key(id)).collect();
    assert!(
        missing.is_empty(),
        "{} lines never processed, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    // Queues 2 × 64, 4 workers, and 1.5 ticks of 250 ms at 4 000 lines/s.
    let window = 2 * 64 + 4 + (RATE as usize * 375 / 1_000);
    assert!(
        duplicates <= window,
        "{duplicates} duplicates, more than the in-flight window {window}"
    );
    // Every duplicate is from the window after the checkpoint.
    assert!(
        seen.iter()
            .filter(|(_, n)| **n > 1)
            .all(|(id, _)| *id >= resumed_at)
    );
}

#[test]
fn a_write_error_stops_it_and_the_checkpoint_never_passes_the_output() {
    let dir = tempfile::tempdir().unwrap();
    // The input is made on the first run.
    let output = Command::new(example())
        .arg("--headless")
        .arg("--input")
        .arg(dir.path().join("input.txt"))
        .args(["--output", "/dev/full"])
        .arg("--checkpoint")
        .arg(dir.path().join("checkpoint"))
        .args(["--rate", &RATE.to_string(), "--duration", "5s"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a lost line is a failure: {stderr}"
    );
    assert!(
        stderr.contains("cannot write line") && stderr.contains("/dev/full"),
        "{stderr}"
    );
    // Nothing was written, so no watermark past line 0 was saved.
    let saved = std::fs::read_to_string(dir.path().join("checkpoint"))
        .map(|t| t.trim().parse::<u64>().unwrap())
        .unwrap_or(0);
    assert_eq!(saved, 0, "the checkpoint ran ahead of the output");
}
