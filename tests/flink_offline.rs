//! The Flink side of pipetop that needs no cluster: keys a Flink job cannot
//! carry out say so, `check --on` refuses what Flink cannot do, and a
//! cluster that is not there is a clear error, not a hang.

mod fixture;

use assert_cmd::cargo::cargo_bin_cmd;
use fixture::{Scene, app};
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
