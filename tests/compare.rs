//! `pipetop compare`: two runs of one scenario, B with more workers on the
//! bottleneck, side by side: the frame (insta), the headless table and the
//! JSON report, and `--set` that makes B in one command.

mod fixture;

use std::sync::Arc;

use assert_cmd::cargo::cargo_bin_cmd;
use fixture::{Scene, snapshot};
use pipetop::replay::{Moment, RecordedEvent};
use pipetop::session::SessionInfo;
use pipetop::tui::compare::{Comparison, Side};
use pipetop::tui::render::compare::render;
use pipetop::tui::{Action, App, ChartSpan};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A minute of the fixture: A bursts at 40 s; B (enrich at 8 workers) stays calm.
fn side(name: &str, burst: bool) -> Side {
    let moments = (0..=240u64).map(|tick| {
        let scene = if burst && tick >= 160 {
            Scene::Burst
        } else {
            Scene::Normal
        };
        let progress = ((tick as f64 - 160.0) / 40.0).clamp(0.0, 1.0);
        let mut s = snapshot(scene, tick, progress);
        if !burst {
            s.stages[2].workers = 8;
        }
        let events = if tick == 160 {
            vec![RecordedEvent {
                t_s: 40.0,
                origin: pipetop::model::Origin::Timeline,
                word: "burst".into(),
                message: "burst of 10000 items".into(),
                note: None,
                stage: None,
                count: None,
                items: Some(10_000),
            }]
        } else {
            Vec::new()
        };
        Moment {
            snapshot: Arc::new(s),
            events,
        }
    });
    let app = App::new(SessionInfo {
        name: "burst".into(),
        ..SessionInfo::default()
    });
    Side::from_moments("burst", &format!("{name}.jsonl"), app, moments).unwrap()
}

#[test]
fn compare_frame_160x48() {
    let mut c = Comparison::new(side("a", true), side("b", false));
    c.selected = 2;
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| render(f, &c)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}

fn screen(c: &Comparison) -> String {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| render(f, c)).unwrap();
    let buf = terminal.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// The comparison rewound to the burst (`,` from the end) and drawn over
/// the last minute before it (`z` from the whole run).
#[test]
fn rewound_compare_frame_160x48() {
    let mut c = Comparison::new(side("a", true), side("b", false));
    c.selected = 2;
    c.apply(Action::PrevEvent);
    c.apply(Action::CycleSpan);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| render(f, &c)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn compare_keys_move_one_moment_on_the_shared_axis_and_cycle_the_span() {
    let mut c = Comparison::new(side("a", true), side("b", false));
    assert_eq!(c.shown_s(), 60.0, "the end");
    assert_eq!(c.axis(), (0.0, 60.0), "the whole run");
    c.apply(Action::PrevEvent);
    assert_eq!(c.at, Some(40.0), "the burst");
    let rewound = screen(&c);
    assert!(rewound.contains("at 00:40 of 01:00"), "{rewound}");
    c.apply(Action::StepBack);
    assert_eq!(c.at, Some(39.75), "one tick of 250 ms");
    c.apply(Action::JumpBack);
    assert_eq!(c.at, Some(29.75));
    c.apply(Action::NextEvent);
    assert_eq!(c.at, Some(40.0));
    // Events after the moment shown are not shown yet.
    c.apply(Action::JumpBack);
    assert!(!screen(&c).contains("burst of 10000"));
    c.apply(Action::CycleSpan);
    assert_eq!(c.span, ChartSpan::Minute);
    assert_eq!(c.axis(), (0.0, 60.0), "a minute, not before the start");
    c.apply(Action::Live);
    assert_eq!(c.at, None);
    c.apply(Action::CycleSpan);
    assert_eq!(c.span, ChartSpan::TenMinutes);
    c.apply(Action::JumpForward);
    assert_eq!(c.at, None, "past the end is the end");
    let end = screen(&c);
    assert!(
        end.contains("burst of 10000") && !end.contains(" of 01:00"),
        "{end}"
    );
}

#[test]
fn compare_frames_never_panic_at_any_size() {
    let c = Comparison::new(side("a", true), side("b", false));
    for (w, h) in [(80, 24), (100, 30), (1, 1), (79, 60), (250, 80)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| render(f, &c)).unwrap();
    }
}

#[test]
fn set_makes_run_b_and_compare_prints_and_reports_both() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        r#"
name = "two"
duration = "2s"
[source]
rate = 500
[[stage]]
name = "enrich"
workers = 1
queue = 64
service = { dist = "exp", mean = "3ms" }
"#,
    )
    .unwrap();
    let (a, b, report) = (
        dir.path().join("a.jsonl"),
        dir.path().join("b.jsonl"),
        dir.path().join("cmp.json"),
    );
    for (series, extra) in [(&a, None), (&b, Some("enrich.workers=4"))] {
        let mut cmd = cargo_bin_cmd!("pipetop");
        cmd.args(["run", "--headless", "--tick", "100ms", "--series"])
            .arg(series)
            .arg(&scenario);
        if let Some(set) = extra {
            cmd.args(["--set", set]);
        }
        cmd.assert().success();
    }
    let out = cargo_bin_cmd!("pipetop")
        .args(["compare", "--headless", "--report"])
        .arg(&report)
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let workers = table
        .lines()
        .skip_while(|l| *l != "enrich")
        .find(|l| l.trim_start().starts_with("workers"))
        .unwrap();
    let words: Vec<&str> = workers.split_whitespace().collect();
    assert_eq!(&words[..3], ["workers", "1", "4"], "{table}");
    assert!(
        table.contains("e2e p99") && table.contains("bottleneck"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let enrich = json["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "enrich")
        .unwrap();
    assert_eq!(enrich["values"]["workers"]["a"], 1.0);
    assert_eq!(enrich["values"]["workers"]["b"], 4.0);
}

#[test]
fn compare_and_set_refuse_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    cargo_bin_cmd!("pipetop")
        .args(["compare", "--headless"])
        .arg(&missing)
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing.jsonl"));
    cargo_bin_cmd!("pipetop")
        .args(["run", "burst", "--headless", "--set", "enrich.workers=0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--set enrich.workers=0: workers must be 1..=1024",
        ));
}
