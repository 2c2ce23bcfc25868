//! The dashboard end to end: the real binary in a real terminal (tmux), driven
//! by key presses and read back from the screen, then its exit code, its
//! report and the terminal it leaves behind.
//!
//! Needs `tmux` on the PATH (`.ci/run` installs it). Nothing here sleeps to
//! synchronize: every step polls the screen until what it expects appears,
//! and fails after a deadline with the last screen it saw.

mod tmux;

use tmux::{Tmux, quoted, quoted_path, wait_for_file};

/// The worker count in the stage table's row for `stage` (`  ingest   5  …`).
fn table_workers(screen: &str, stage: &str) -> Option<u32> {
    screen.lines().find_map(|line| {
        let mut words = line
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|w| !w.is_empty());
        // The stage's name (after its bottleneck and selection marks), then
        // its queue trend (sparkline blocks), then the worker count.
        words.find(|w| w.trim_start_matches(['◆', '▸']) == stage)?;
        words.find_map(|w| w.parse().ok())
    })
}

/// Waits for pipetop's exit status in `exit` (it must be 0) and for the
/// shell's `AFTER-DASHBOARD` line on the normal screen; returns that screen.
fn exited_cleanly(tmux: &Tmux, exit: &std::path::Path) -> String {
    let exit_line = wait_for_file(exit, tmux);
    assert_eq!(exit_line.trim(), "EXIT=0", "pipetop's exit status");
    let screen = tmux.wait_for("the shell after the dashboard", |s| {
        s.contains("AFTER-DASHBOARD")
    });
    assert_eq!(
        tmux.pane_var("alternate_on"),
        "0",
        "alternate screen left:\n{screen}"
    );
    screen
}

#[test]
fn keys_drive_the_live_pipeline_and_quit_drains_writes_the_report_and_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let exit = dir.path().join("exit");
    // After the dashboard, the shell stays: `read` echoes what is typed only
    // if the terminal is back in cooked mode.
    let command = format!(
        "{bin} run burst --report {report}; echo EXIT=$? > {exit}; echo AFTER-DASHBOARD; \
         read line; echo GOT=$line; read wait",
        bin = quoted(env!("CARGO_BIN_EXE_pipetop")),
        report = quoted_path(&report),
        exit = quoted_path(&exit),
    );
    let tmux = Tmux::start(dir.path(), 160, 48, &format!("sh -c {}", quoted(&command)));

    // 1. The frame shows every stage and the latency columns.
    let stages = ["ingest", "normalize", "enrich", "score", "store"];
    tmux.wait_for("the dashboard with every stage and p99", |s| {
        stages.iter().all(|name| s.contains(name)) && s.contains("p99") && s.contains("running")
    });
    assert_eq!(
        tmux.pane_var("alternate_on"),
        "1",
        "the dashboard uses the alternate screen"
    );
    let screen = tmux.screen();
    assert_eq!(
        table_workers(&screen, "ingest"),
        Some(4),
        "ingest starts with 4 workers:\n{screen}"
    );

    // 2. `+` adds a worker to the selected stage: select the first by hand
    //    (until then the selection follows the bottleneck).
    tmux.send(&["Up", "Up", "Up", "Up", "Up"]);
    tmux.send(&["+"]);
    tmux.wait_for("ingest at 5 workers in the stage table", |s| {
        table_workers(s, "ingest") == Some(5) && s.contains("ingest: workers 4 → 5")
    });

    // 3. `b` injects a burst, and the event log says so.
    tmux.send(&["b"]);
    tmux.wait_for("the burst in the event log", |s| s.contains("burst of "));

    // 4. `q` drains with the dashboard live, then the process exits 0.
    tmux.send(&["q"]);
    // The terminal is restored: the normal screen is back with the summary on
    // it, the cursor shows, and typed text echoes and ends at Enter.
    let screen = exited_cleanly(&tmux, &exit);
    assert_eq!(tmux.pane_var("cursor_flag"), "1", "cursor shown again");
    assert!(
        !screen.contains("╭ stages"),
        "the dashboard is gone:\n{screen}"
    );
    assert!(
        screen.contains("in flight 0"),
        "the summary is printed:\n{screen}"
    );
    tmux.send(&["-l", "restored"]);
    tmux.send(&["Enter"]);
    tmux.wait_for("typed text echoed by a cooked terminal", |s| {
        s.contains("GOT=restored")
    });

    // The report: the new pool size, both events, nothing in flight.
    let text = std::fs::read_to_string(&report).expect("--report written");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    let ingest = json["stages"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "ingest"))
        .expect("ingest in the report");
    assert_eq!(ingest["workers"], 5, "ingest's pool in the report");
    let kinds: Vec<&str> = json["events"]
        .as_array()
        .expect("events in the report")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"workers"), "a `workers` event: {kinds:?}");
    assert!(kinds.contains(&"burst"), "a `burst` event: {kinds:?}");
    assert_eq!(
        json["totals"]["in_flight"], 0,
        "nothing in flight after the drain"
    );
    let totals = &json["totals"];
    let count = |field: &str| {
        totals[field]
            .as_u64()
            .unwrap_or_else(|| panic!("totals.{field}"))
    };
    assert!(count("generated") > 0, "items flowed: {totals}");
    assert_eq!(
        count("generated"),
        count("completed") + count("dropped") + count("dead_lettered"),
        "every generated item is accounted for: {totals}"
    );
}

/// The pid of `parent`'s child process named `name`, read from /proc.
fn child_pid(parent: &str, name: &str) -> Option<i32> {
    std::fs::read_dir("/proc").ok()?.find_map(|entry| {
        let pid: i32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid …`; comm may hold spaces, so split after `)`.
        let (head, rest) = stat.rsplit_once(") ")?;
        let comm = head.split_once(" (")?.1;
        let ppid = rest.split_whitespace().nth(1)?;
        (comm == name && ppid == parent).then_some(pid)
    })
}

#[test]
fn sigterm_acts_like_q_drains_writes_the_report_and_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let exit = dir.path().join("exit");
    let command = format!(
        "{bin} run steady --report {report}; echo EXIT=$? > {exit}; echo AFTER-DASHBOARD; read wait",
        bin = quoted(env!("CARGO_BIN_EXE_pipetop")),
        report = quoted_path(&report),
        exit = quoted_path(&exit),
    );
    let tmux = Tmux::start(dir.path(), 160, 48, &format!("sh -c {}", quoted(&command)));
    tmux.wait_for("the dashboard running", |s| {
        s.contains("running") && s.contains("ingest")
    });
    let shell = tmux.pane_var("pane_pid");
    let pid = child_pid(&shell, "pipetop").expect("pipetop runs under the pane's shell");
    // SAFETY: kill(2) with a pid read from /proc and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "kill -TERM");

    let screen = exited_cleanly(&tmux, &exit);
    assert!(
        screen.contains("in flight 0"),
        "the summary is printed:\n{screen}"
    );
    let text = std::fs::read_to_string(&report).expect("--report written");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    assert_eq!(json["state"], "done", "the run drained to the end");
    assert_eq!(json["totals"]["in_flight"], 0, "nothing in flight");
    let stop = json["events"]
        .as_array()
        .expect("events in the report")
        .iter()
        .find(|e| e["kind"] == "stop")
        .expect("a stop event");
    assert_eq!(
        stop["origin"], "operator",
        "the signal stops as the operator would"
    );
}

/// Whether process `pid` has ended (gone, or a zombie waiting to be reaped).
fn ended(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

#[test]
fn closing_the_terminal_ends_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    // pipetop is the pane's own process, as when a terminal window runs it.
    let command = format!("{} run steady", quoted(env!("CARGO_BIN_EXE_pipetop")));
    let tmux = Tmux::start(dir.path(), 120, 40, &command);
    tmux.wait_for("the dashboard running", |s| {
        s.contains("running") && s.contains("ingest")
    });
    let pid: i32 = tmux.pane_var("pane_pid").parse().expect("the pane's pid");
    tmux.hang_up();
    // Poll until it is gone; a dashboard left spinning on the dead terminal
    // fails here.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !ended(pid) {
        if std::time::Instant::now() > deadline {
            // SAFETY: kill(2) on the pid tmux reported for the pane.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("pipetop (pid {pid}) still ran 10 s after its terminal closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
