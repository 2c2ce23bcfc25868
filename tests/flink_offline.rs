//! The Flink side of pipetop that needs no cluster: keys a Flink job cannot
//! carry out say so, `check --on` refuses what Flink cannot do, a cluster
//! that is not there is a clear error, not a hang, and what Flink does not
//! measure is "not available" (null, n/a, absent) in every output, never a
//! zero or a NaN, while its watermarks and checkpoints are shown.

mod fixture;

use assert_cmd::cargo::cargo_bin_cmd;
use std::sync::Arc;

use fixture::{Scene, app};
use pipetop::export::prometheus::encode;
use pipetop::export::report::Report;
use pipetop::export::summary::table;
use pipetop::metrics::{
    CheckpointStats, CompletedCheckpoint, FailedCheckpoint, Latency, Snapshot, Watermark,
};
use pipetop::tui::{Action, Overlay, render};
use predicates::str::contains;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn text(app: &pipetop::tui::App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| render(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn keys_a_watched_flink_job_cannot_take_say_so_in_footer_and_help() {
    let mut engine = app(Scene::Normal);
    let mut flink = app(Scene::Normal);
    flink.info.controls = pipetop::flink::controls(false);
    let footer = |s: &str| s.lines().last().unwrap_or("").to_string();
    assert!(!footer(&text(&engine)).contains("n/a"));
    assert!(
        footer(&text(&flink)).contains("n/a"),
        "{}",
        footer(&text(&flink))
    );
    engine.overlay = Overlay::Help;
    flink.overlay = Overlay::Help;
    let help = text(&flink);
    assert!(
        help.contains("n/a: pipetop cannot kill a Flink subtask"),
        "{help}"
    );
    assert!(
        help.contains("n/a: the job's source is not pipetop's"),
        "{help}"
    );
    assert!(!text(&engine).contains("n/a:"));
    // `+` still applies: Flink rescales.
    assert_eq!(Action::AddWorker.refusal(&flink.info.controls), None);
}

#[test]
fn check_on_flink_refuses_timeline_commands_flink_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crash.toml");
    std::fs::write(
        &file,
        "name = \"c\"\n[source]\nrate = 100\n[[stage]]\nname = \"a\"\nworkers = 1\n\
         service = { dist = \"fixed\", mean = \"1ms\" }\n\
         [[timeline]]\nat = \"5s\"\ndo = \"crash\"\nstage = \"a\"\n",
    )
    .unwrap();
    cargo_bin_cmd!("pipetop")
        .args(["check", file.to_str().unwrap()])
        .assert()
        .success();
    cargo_bin_cmd!("pipetop")
        .args([
            "check",
            file.to_str().unwrap(),
            "--on",
            "http://127.0.0.1:1",
        ])
        .assert()
        .code(2)
        .stderr(contains("at 5s: `crash` cannot run on Flink"));
}

#[test]
fn watching_where_no_cluster_answers_fails_at_once_with_a_message() {
    // Port 1 on the loopback: nothing listens, the connection is refused.
    cargo_bin_cmd!("pipetop")
        .args(["watch", "http://127.0.0.1:1", "--headless"])
        .assert()
        .code(1)
        .stderr(contains("does not answer"));
    cargo_bin_cmd!("pipetop")
        .args(["watch", "localhost:8081", "--headless"])
        .assert()
        .code(2)
        .stderr(contains("give http://HOST:PORT"));
}

/// The fixture's burst as a watched Flink job shows it: no latencies, no
/// mean queue length, a watermark on all but the first stage, checkpoints.
fn flink_snapshot() -> Snapshot {
    let mut s = fixture::snapshot(Scene::Burst, 200, 1.0);
    let na = || Latency {
        unavailable: true,
        ..Latency::default()
    };
    s.end_to_end_ms = na();
    for (i, stage) in s.stages.iter_mut().enumerate() {
        stage.service_ms = na();
        stage.wait_ms = na();
        stage.queue_len_mean = f64::NAN;
        stage.window.queue_len_mean = f64::NAN;
        stage.watermark = (i > 0).then_some(Watermark {
            at_ms: 1_796_429_000_000,
            lag_ms: 1_000.0 * i as f64,
        });
    }
    s.checkpoints = Some(CheckpointStats {
        completed: 9,
        failed: 1,
        in_progress: 1,
        last_completed: Some(CompletedCheckpoint {
            id: 10,
            duration_ms: 4_800,
            size_bytes: 2_048,
            checkpointed_bytes: 2_048,
            completed_at_ms: 1_796_429_000_000,
            age_s: 1.5,
        }),
        last_failure: Some(FailedCheckpoint {
            id: 4,
            reason: "Checkpoint expired before completing.".into(),
            failed_at_ms: 1_796_428_000_000,
            age_s: 30.0,
        }),
    });
    s
}

#[test]
fn what_flink_does_not_measure_is_null_in_the_report_never_zero_or_nan() {
    let info = pipetop::session::SessionInfo::default();
    let report = Report::new(&info, &flink_snapshot(), Vec::new());
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert!(json["end_to_end_ms"].is_null(), "{}", json["end_to_end_ms"]);
    for stage in json["stages"].as_array().unwrap() {
        for field in ["service_ms", "wait_ms", "queue_len_mean", "theory"] {
            assert!(stage[field].is_null(), "{field}: {}", stage[field]);
        }
    }
    assert_eq!(json["stages"][0].get("watermark"), None, "absent, not zero");
    assert_eq!(json["stages"][2]["watermark"]["lag_ms"], 2000.0);
    assert_eq!(json["checkpoints"]["completed"], 9);
    assert_eq!(json["checkpoints"]["last_completed"]["duration_ms"], 4800);
    assert_eq!(
        json["checkpoints"]["last_failure"]["reason"],
        "Checkpoint expired before completing."
    );
    // The engine's report keeps its numbers.
    let engine = Report::new(
        &info,
        &fixture::snapshot(Scene::Burst, 200, 1.0),
        Vec::new(),
    );
    let json = serde_json::to_value(&engine).unwrap();
    assert!(json["end_to_end_ms"]["p99"].as_f64().unwrap() > 0.0);
    assert!(json["stages"][0]["theory"].is_object());
    assert_eq!(json.get("checkpoints"), None);

    let summary = table(&report);
    assert!(!summary.contains("NaN"), "{summary}");
    assert!(
        summary.contains("end-to-end  p50 n/a  p90 n/a"),
        "{summary}"
    );
    assert!(
        summary.contains("checkpoints  9 completed  1 failed  1 in progress; last #10: took 4.80s"),
        "{summary}"
    );
    assert!(summary.contains("normalize 1.00s"), "{summary}");
}

#[test]
fn metrics_leave_out_what_flink_does_not_measure_and_serve_watermarks_and_checkpoints() {
    let text = encode(Some(&flink_snapshot()));
    assert!(!text.contains("NaN"), "no NaN gauge:\n{text}");
    assert!(!text.contains("pipetop_stage_queue_len_mean{"), "{text}");
    assert!(
        !text.contains("pipetop_stage_service_window_seconds{"),
        "{text}"
    );
    assert!(
        !text.contains("pipetop_stage_service_seconds_bucket"),
        "{text}"
    );
    assert!(
        !text.contains("pipetop_end_to_end_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains("pipetop_stage_watermark_lag_seconds{stage=\"enrich\"} 2.0"),
        "{text}"
    );
    assert!(!text.contains("pipetop_stage_watermark_lag_seconds{stage=\"ingest\"}"));
    assert!(text.contains("pipetop_checkpoints_completed 9"), "{text}");
    assert!(
        text.contains("pipetop_checkpoint_last_duration_seconds 4.8"),
        "{text}"
    );
    // The engine's exposition has no watermark or checkpoint families.
    let engine = encode(Some(&fixture::snapshot(Scene::Burst, 200, 1.0)));
    assert!(engine.contains("pipetop_stage_service_window_seconds{"));
    assert!(!engine.contains("watermark_lag") && !engine.contains("pipetop_checkpoints_"));
}

#[test]
fn the_dashboard_shows_watermark_lag_and_the_checkpoint_panel_for_flink() {
    for (w, h) in [(160, 48), (80, 24)] {
        let mut flink = app(Scene::Burst);
        flink.on_snapshot(Arc::new(flink_snapshot()));
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| render(f, &flink)).unwrap();
        let buffer = terminal.backend().buffer();
        let screen: String = (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(screen.contains("wm lag"), "{w}x{h}:\n{screen}");
        assert!(screen.contains("2.00s"), "enrich's lag, {w}x{h}:\n{screen}");
        assert!(screen.contains("checkpoints"), "{w}x{h}:\n{screen}");
        assert!(
            screen.contains("9 completed  1 failed  1 in progress"),
            "{w}x{h}:\n{screen}"
        );
        if h >= 48 {
            assert!(screen.contains("failed #4"), "{screen}");
        }
        assert!(!screen.contains("NaN"), "{screen}");
    }
    // The engine's dashboard has neither.
    let engine = text(&app(Scene::Burst));
    assert!(!engine.contains("wm lag") && !engine.contains("checkpoints (Flink)"));
}
