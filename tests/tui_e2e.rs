//! The dashboard end to end: the real binary in a real terminal (tmux), driven
//! by key presses and read back from the screen, then its exit code, its
//! report and the terminal it leaves behind.
//!
//! Needs `tmux` on the PATH (`.ci/run` installs it). Nothing here sleeps to
//! synchronize: every step polls the screen until what it expects appears,
//! and fails after a deadline with the last screen it saw.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long any one step may take before the test fails.
const STEP_DEADLINE: Duration = Duration::from_secs(30);
/// How often the screen is read while waiting.
const POLL: Duration = Duration::from_millis(50);

/// A tmux server of our own (its socket in the test's temporary directory)
/// with one session: killed on drop, so a failing assertion does not leave a
/// dashboard running.
struct Tmux {
    socket: PathBuf,
    session: String,
}

impl Tmux {
    /// Starts `command` in a detached `width`×`height` terminal.
    fn start(dir: &Path, width: u16, height: u16, command: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let session = format!(
            "pipetop-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let tmux = Tmux {
            socket: dir.join(format!("{session}.sock")),
            session,
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "-s",
            &tmux.session,
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        match Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "tmux is not installed: this end-to-end test drives the dashboard in tmux \
                 (Debian/Ubuntu: apt-get install -y tmux)"
            ),
            Err(e) => panic!("cannot run tmux: {e}"),
        }
    }

    /// The visible screen, as text.
    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format variable of the pane, e.g. `alternate_on`.
    fn pane_var(&self, name: &str) -> String {
        let format = format!("#{{{name}}}");
        let out = self.run(&["display-message", "-p", "-t", &self.session, &format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Presses keys, in tmux's key names (`+`, `b`, `Enter`).
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "tmux send-keys {keys:?} failed");
    }

    /// Reads the screen until `done` holds of it; fails with the last screen
    /// after [`STEP_DEADLINE`].
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < STEP_DEADLINE,
                "waited {STEP_DEADLINE:?} for {what}; the last screen was:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Not `run`: a drop during a panic must not panic again.
        for args in [&["kill-session", "-t", &self.session][..], &["kill-server"]] {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&self.socket)
                .args(args)
                .output();
        }
    }
}

/// Waits for a file to be written (by the shell around the binary).
fn wait_for_file(path: &Path, tmux: &Tmux) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            start.elapsed() < STEP_DEADLINE,
            "waited {STEP_DEADLINE:?} for {}; the last screen was:\n{}",
            path.display(),
            tmux.screen()
        );
        std::thread::sleep(POLL);
    }
}

/// The worker count in the stage table's row for `stage` (`  ingest   5  …`).
fn table_workers(screen: &str, stage: &str) -> Option<u32> {
    screen.lines().find_map(|line| {
        let mut words = line
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|w| !w.is_empty());
        words.find(|w| *w == stage)?;
        words.next()?.parse().ok()
    })
}

/// `text` as one single-quoted shell word.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn quoted_path(path: &Path) -> String {
    quoted(&path.display().to_string())
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

    // 2. `+` adds a worker to the selected (first) stage.
    tmux.send(&["+"]);
    tmux.wait_for("ingest at 5 workers in the stage table", |s| {
        table_workers(s, "ingest") == Some(5) && s.contains("ingest: workers 4 → 5")
    });

    // 3. `b` injects a burst, and the event log says so.
    tmux.send(&["b"]);
    tmux.wait_for("the burst in the event log", |s| s.contains("burst of "));

    // 4. `q` drains with the dashboard live, then the process exits 0.
    tmux.send(&["q"]);
    let exit_line = wait_for_file(&exit, &tmux);
    assert_eq!(exit_line.trim(), "EXIT=0", "pipetop's exit status");

    // The terminal is restored: the normal screen is back with the summary on
    // it, the cursor shows, and typed text echoes and ends at Enter.
    let screen = tmux.wait_for("the shell after the dashboard", |s| {
        s.contains("AFTER-DASHBOARD")
    });
    assert_eq!(
        tmux.pane_var("alternate_on"),
        "0",
        "alternate screen left:\n{screen}"
    );
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
