//! Replay draws what the live dashboard drew: a short scripted run is
//! written to a series while every snapshot is kept; the dashboard fed the
//! live snapshots and the dashboard fed the series back draw the same frame
//! at every tick, whatever the terminal's size. Old (schema 1) series
//! still open, and bad files are refused with their place.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use pipetop::metrics::Snapshot;
use pipetop::session::{Session, SessionOptions};
use pipetop::tui::replay::Recording;
use pipetop::tui::{App, render};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// A run with a burst, a resize, a slowdown and crashing workers in 4 s.
const SCENARIO: &str = r#"
name = "replayed"
description = "A short run with something happening."
seed = 3
duration = "4s"
lesson = "Rewind to the burst."

[source]
rate = 400

[[stage]]
name = "parse"
workers = 2
queue = 64
service = { dist = "exp", mean = "1ms" }

[[stage]]
name = "enrich"
workers = 1
queue = 32
service = { dist = "exp", mean = "4ms" }
fail_rate = 0.02
fail_kind = "panic"
max_attempts = 2

[[timeline]]
at = "1s"
do = "burst"
items = 600
note = "the burst"

[[timeline]]
at = "2s"
do = "workers"
stage = "enrich"
count = 3

[[timeline]]
at = "2500ms"
do = "slowdown"
stage = "parse"
factor = 2.0
"#;

/// The live snapshots and the series file of one run (made once).
struct Recorded {
    live: Vec<Snapshot>,
    series: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn recorded() -> &'static Recorded {
    static RECORDED: OnceLock<Recorded> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let series = dir.path().join("run.jsonl");
        let scenario = pipetop::scenario::parse(SCENARIO, "replayed.toml").unwrap();
        let kept = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&kept);
        let session = Session::from(scenario).on_snapshot(move |s| {
            sink.lock().unwrap().push(s.clone());
            Ok(())
        });
        let options = SessionOptions {
            tick: Duration::from_millis(100),
            series: Some(series.clone()),
            ..SessionOptions::default()
        };
        pipetop::headless::run(session, &options).unwrap();
        let live = std::mem::take(&mut *kept.lock().unwrap());
        Recorded {
            live,
            series,
            _dir: dir,
        }
    })
}

fn at_noon(app: &mut App) {
    app.now = SystemTime::UNIX_EPOCH + Duration::from_secs(12 * 3600);
}

fn frame(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| render(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// The live dashboard and the replay, each fed up to tick `k`.
fn both_at(k: usize) -> (App, App) {
    let run = recorded();
    let mut recording = Recording::open(&run.series).unwrap();
    let mut live = App::new(recording.info());
    let mut replay = App::new(recording.info());
    for snapshot in &run.live[..=k] {
        live.on_snapshot(Arc::new(snapshot.clone()));
        recording.feed_one(&mut replay).unwrap();
    }
    at_noon(&mut live);
    at_noon(&mut replay);
    (live, replay)
}

#[test]
fn the_replayed_frame_equals_the_live_frame_at_every_tick() {
    let run = recorded();
    assert!(run.live.len() > 30, "{} ticks", run.live.len());
    let mut recording = Recording::open(&run.series).unwrap();
    assert!(recording.has_histograms());
    let mut live = App::new(recording.info());
    let mut replay = App::new(recording.info());
    assert_eq!(replay.info.lesson, "Rewind to the burst.");
    for (k, snapshot) in run.live.iter().enumerate() {
        live.on_snapshot(Arc::new(snapshot.clone()));
        let ended = recording.feed_one(&mut replay).unwrap();
        assert_eq!(ended, k + 1 == run.live.len(), "tick {k}");
        at_noon(&mut live);
        at_noon(&mut replay);
        assert_eq!(frame(&live, 160, 48), frame(&replay, 160, 48), "tick {k}");
    }
    // Something happened: the log has the burst with its note.
    assert!(replay.events().iter().any(|l| l.word == "burst"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_tick_any_size_any_view_draws_the_same(
        k in 0usize..40,
        width in 80u16..200,
        height in 24u16..60,
        back in 0i64..20,
        histogram in 0usize..3,
        chart in 0usize..10,
    ) {
        let k = k.min(recorded().live.len() - 1);
        let (mut live, mut replay) = both_at(k);
        for app in [&mut live, &mut replay] {
            app.step(-back);
            for _ in 0..histogram {
                app.apply(pipetop::tui::Action::CycleHistogram);
            }
            for _ in 0..chart {
                app.apply(pipetop::tui::Action::CycleChart);
            }
        }
        prop_assert_eq!(frame(&live, width, height), frame(&replay, width, height));
    }
}

#[test]
fn a_schema_1_series_opens_without_histograms() {
    let run = recorded();
    let text = std::fs::read_to_string(&run.series).unwrap();
    // Schema 1: no first line, no histograms.
    let old: String = text
        .lines()
        .skip(1)
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("hist_delta");
            v.to_string() + "\n"
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    std::fs::write(&path, old).unwrap();
    let mut recording = Recording::open(&path).unwrap();
    assert!(!recording.has_histograms());
    let mut app = App::new(recording.info());
    while !recording.feed_one(&mut app).unwrap() {}
    assert_eq!(app.live().unwrap().tick, run.live.last().unwrap().tick);
    assert!(app.live().unwrap().end_to_end_ms.buckets.is_empty());
}

/// A latency's buckets as schema 2 wrote them: `[first index, counts]`.
fn schema_2_hist(latency: &pipetop::metrics::Latency) -> serde_json::Value {
    let first = latency
        .buckets
        .first()
        .map_or(0, |b| ((b.le_ms * 1e6).log2() * 2.0).round() as i32);
    let counts: Vec<u64> = latency.buckets.iter().map(|b| b.count).collect();
    serde_json::json!([first, counts])
}

#[test]
fn a_schema_2_series_with_whole_histograms_still_draws_the_live_frames() {
    let run = recorded();
    let text = std::fs::read_to_string(&run.series).unwrap();
    let mut lines = text.lines();
    let mut header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["series"], 3);
    header["series"] = 2.into();
    let mut old = header.to_string() + "\n";
    for (line, live) in lines.zip(&run.live) {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let tick = v.as_object_mut().unwrap();
        assert!(tick.remove("hist_delta").is_some());
        let stages: Vec<serde_json::Value> = live
            .stages
            .iter()
            .map(|s| serde_json::json!({"service": schema_2_hist(&s.service_ms), "wait": schema_2_hist(&s.wait_ms)}))
            .collect();
        tick.insert(
            "hist".into(),
            serde_json::json!({"e2e": schema_2_hist(&live.end_to_end_ms), "stages": stages}),
        );
        old += &(v.to_string() + "\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema2.jsonl");
    std::fs::write(&path, old).unwrap();
    let mut recording = Recording::open(&path).unwrap();
    assert!(recording.has_histograms());
    let mut live = App::new(recording.info());
    let mut replay = App::new(recording.info());
    for (k, snapshot) in run.live.iter().enumerate() {
        live.on_snapshot(Arc::new(snapshot.clone()));
        recording.feed_one(&mut replay).unwrap();
        at_noon(&mut live);
        at_noon(&mut replay);
        assert_eq!(frame(&live, 160, 48), frame(&replay, 160, 48), "tick {k}");
    }
}

#[test]
fn a_series_line_carries_what_its_tick_added_not_the_window() {
    let run = recorded();
    let text = std::fs::read_to_string(&run.series).unwrap();
    let added = |latency: &serde_json::Value| -> u64 {
        latency
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|piece| piece[2].as_array().unwrap().iter())
            .map(|c| c.as_u64().unwrap())
            .sum()
    };
    let mut e2e_added = 0;
    for (line, live) in text.lines().skip(1).zip(&run.live) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v.get("hist").is_none());
        let delta = &v["hist_delta"];
        e2e_added += added(&delta["e2e"]);
        // What the ticks so far added is what the run has recorded so far.
        assert_eq!(
            e2e_added, live.end_to_end_ms.total.count,
            "tick {}",
            live.tick
        );
        for (stage, hist) in live.stages.iter().zip(delta["stages"].as_array().unwrap()) {
            assert_eq!(added(&hist["service"]), stage.service_ms.recorded.len());
            assert_eq!(added(&hist["wait"]), stage.wait_ms.recorded.len());
        }
    }
}

#[test]
fn a_bad_line_is_refused_with_its_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    let text = std::fs::read_to_string(&recorded().series).unwrap();
    let mut lines: Vec<&str> = text.lines().take(3).collect();
    lines.push("{\"tick\": \"soon\"}");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let mut recording = Recording::open(&path).unwrap();
    let mut app = App::new(recording.info());
    let error = loop {
        match recording.feed_one(&mut app) {
            Ok(false) => {}
            Ok(true) => panic!("the bad line was read"),
            Err(e) => break e.to_string(),
        }
    };
    assert!(error.contains("bad.jsonl:4:"), "{error}");
    assert!(error.contains("pipetop run --series"), "{error}");
}
