//! `--hlog FILE` writes a standard HdrHistogram interval log: read back with
//! the hdrhistogram crate's own reader, every latency of the run is there
//! under its tag (`e2e`, `service.<stage>`, `wait.<stage>`), one interval per
//! tick, and the counts add up to the report's. The file follows the rules
//! of every output: claimed before the run, never the same path as another.

use std::collections::BTreeMap;
use std::process::Command;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
use serde_json::Value;

/// Per tag: the intervals' (start, length) in seconds and their merged histogram.
type Intervals = BTreeMap<String, (Vec<(f64, f64)>, Histogram<u64>)>;

fn read_log(bytes: &[u8]) -> (Intervals, usize) {
    let mut deserializer = Deserializer::new();
    let mut tags = Intervals::new();
    let mut base_times = 0;
    for entry in IntervalLogIterator::new(bytes) {
        match entry.expect("every line of the log parses") {
            LogEntry::Interval(interval) => {
                let tag = interval.tag().expect("every interval is tagged").as_str();
                let decoded = base64_decode(interval.encoded_histogram());
                let histogram: Histogram<u64> = deserializer
                    .deserialize(&mut decoded.as_slice())
                    .expect("a V2 compressed histogram");
                let (spans, merged) = tags
                    .entry(tag.to_string())
                    .or_insert_with(|| (Vec::new(), Histogram::new(3).expect("valid precision")));
                spans.push((
                    interval.start_timestamp().as_secs_f64(),
                    interval.duration().as_secs_f64(),
                ));
                merged.add(&histogram).expect("auto-resizing");
            }
            LogEntry::BaseTime(_) => base_times += 1,
            LogEntry::StartTime(_) => {}
        }
    }
    (tags, base_times)
}

/// Standard base64 (what the log's histograms are encoded in).
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET.iter().position(|&a| a == byte).expect("base64") as u32;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn the_interval_log_holds_every_latency_of_the_run_under_its_tag() {
    let dir = tempfile::tempdir().unwrap();
    let (hlog, report) = (dir.path().join("run.hlog"), dir.path().join("r.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--duration", "2s"])
        .arg("--hlog")
        .arg(&hlog)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let bytes = std::fs::read(&hlog).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("#[Histogram log format version 1.3]"),
        "{text:.300}"
    );
    assert!(
        text.contains("\"StartTimestamp\",\"Interval_Length\""),
        "{text:.300}"
    );
    let (tags, base_times) = read_log(&bytes);
    assert_eq!(base_times, 1);

    let mut expected = vec![("e2e".to_string(), &report["end_to_end_ms"])];
    for stage in report["stages"].as_array().unwrap() {
        let name = stage["name"].as_str().unwrap();
        expected.push((format!("service.{name}"), &stage["service_ms"]));
        expected.push((format!("wait.{name}"), &stage["wait_ms"]));
    }
    assert_eq!(
        tags.keys().cloned().collect::<Vec<_>>(),
        {
            let mut names: Vec<String> = expected.iter().map(|(tag, _)| tag.clone()).collect();
            names.sort();
            names
        },
        "one tag per latency"
    );
    let ticks = tags["e2e"].0.len();
    for (tag, percentiles) in expected {
        let (spans, merged) = &tags[&tag];
        assert_eq!(
            merged.len(),
            percentiles["count"].as_u64().unwrap(),
            "{tag}: the log's counts add up to the report's"
        );
        assert!(!merged.is_empty(), "{tag}: items were measured");
        // The largest value is the report's max (both to three digits).
        let max_ms = merged.max() as f64 / 1e6;
        let report_max = percentiles["max"].as_f64().unwrap();
        assert!(
            (max_ms - report_max).abs() <= report_max * 0.002,
            "{tag}: max {max_ms} ms vs {report_max} ms"
        );
        // One interval per tick, each starting where the one before ended.
        assert_eq!(spans.len(), ticks, "{tag}");
        for pair in spans.windows(2) {
            let ((start, length), (next, _)) = (pair[0], pair[1]);
            assert!(((start + length) - next).abs() < 0.002, "{tag}: {pair:?}");
        }
    }
    // The run lasted 2 s at a 250 ms tick, plus the drain.
    assert!(ticks >= 8, "{ticks} ticks");
}

#[test]
fn the_hlog_may_not_be_another_outputs_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("same");
    let out = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--duration", "1s"])
        .arg("--series")
        .arg(&path)
        .arg("--hlog")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write the hlog"), "{stderr}");
    assert!(stderr.contains("also the series"), "{stderr}");
}

#[test]
fn an_hlog_in_a_missing_directory_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--duration", "30s"])
        .arg("--hlog")
        .arg(dir.path().join("nowhere").join("run.hlog"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("its directory does not exist"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn a_full_disk_stops_the_hlog_and_not_the_run() {
    let out = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--duration", "1s"])
        .args(["--hlog", "/dev/full"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot write the hlog /dev/full"),
        "{stderr}"
    );
    assert!(stderr.contains("the run goes on without it"), "{stderr}");
}
