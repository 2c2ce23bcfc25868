//! `pipetop replay` end to end in a real terminal (tmux): a recorded run
//! opens in the dashboard, pauses, seeks to its end, rewinds, and quits
//! cleanly with the terminal restored.

mod tmux;

use tmux::{Tmux, quoted, quoted_path, wait_for_file};

const SCENARIO: &str = r#"
name = "short"
description = "Three seconds with a burst."
duration = "3s"
lesson = "Rewind to the burst."

[source]
rate = 300

[[stage]]
name = "parse"
workers = 2
queue = 64
service = { dist = "exp", mean = "1ms" }

[[timeline]]
at = "1s"
do = "burst"
items = 300
"#;

#[test]
fn a_replay_opens_pauses_seeks_rewinds_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let series = dir.path().join("short.jsonl");
    let bin = env!("CARGO_BIN_EXE_pipetop");
    let recorded = std::process::Command::new(bin)
        .args(["run", "--headless", "--tick", "100ms", "--series"])
        .arg(&series)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(recorded.status.success(), "{recorded:?}");

    let exit = dir.path().join("exit");
    let command = format!(
        "{bin} replay {series} --speed 0.25; echo EXIT=$? > {exit}; read wait",
        bin = quoted(bin),
        series = quoted_path(&series),
        exit = quoted_path(&exit),
    );
    let tmux = Tmux::start(dir.path(), 120, 36, &format!("sh -c {}", quoted(&command)));
    tmux.wait_for("the replay playing at a quarter speed", |s| {
        s.contains("REPLAY ▶ 0.25×") && s.contains("short") && s.contains("parse")
    });
    tmux.send(&["Space"]);
    tmux.wait_for("the replay paused", |s| s.contains("REPLAY ⏸"));
    // At the newest moment played, PgDn seeks on: 10 s is past the end.
    tmux.send(&["PageDown"]);
    tmux.wait_for("the end of the recording", |s| {
        s.contains("REPLAY end") && s.contains("end of the recording") && s.contains("burst of 300")
    });
    // PgUp rewinds over what was played: to the start, before the burst.
    tmux.send(&["PageUp"]);
    tmux.wait_for("rewound to the start", |s| {
        s.contains("REWOUND 00:00") && !s.contains("burst of 300")
    });
    tmux.send(&["End"]);
    tmux.wait_for("back at the newest moment", |s| {
        !s.contains("REWOUND") && s.contains("burst of 300")
    });
    tmux.send(&["q"]);
    let line = wait_for_file(&exit, &tmux);
    assert_eq!(line.trim(), "EXIT=0");
    tmux.wait_for("the normal screen back", |_| {
        tmux.pane_var("alternate_on") == "0"
    });
}
