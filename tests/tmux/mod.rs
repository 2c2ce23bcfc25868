//! A real terminal for end-to-end tests: the binary runs in a tmux server of
//! the test's own, driven by key presses and read back from the screen.
//! Nothing here sleeps to synchronize: every wait polls the screen (or a
//! file) until what it expects appears, and fails after a deadline with the
//! last screen it saw. Needs `tmux` on the PATH (`.ci/run` installs it).
// Each test binary uses a different part of the harness.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long any one step may take before the test fails.
const STEP_DEADLINE: Duration = Duration::from_secs(30);
/// How often the screen is read while waiting.
const POLL: Duration = Duration::from_millis(50);

/// A tmux server of our own (its socket in the test's temporary directory)
/// with one session: killed on drop, with everything running in its pane,
/// so a failing assertion does not leave a dashboard running.
pub struct Tmux {
    socket: PathBuf,
    session: String,
}

impl Tmux {
    /// Starts `command` in a detached `width`×`height` terminal.
    pub fn start(dir: &Path, width: u16, height: u16, command: &str) -> Self {
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
    pub fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format variable of the pane, e.g. `alternate_on`.
    pub fn pane_var(&self, name: &str) -> String {
        let format = format!("#{{{name}}}");
        let out = self.run(&["display-message", "-p", "-t", &self.session, &format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Closes the session as a closed terminal window would: the pane's
    /// process gets SIGHUP.
    pub fn hang_up(&self) {
        let _ = self.run(&["kill-session", "-t", &self.session]);
    }

    /// Presses keys, in tmux's key names (`+`, `b`, `Enter`).
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "tmux send-keys {keys:?} failed");
    }

    /// Reads the screen until `done` holds of it; fails with the last screen
    /// after [`STEP_DEADLINE`].
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
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
        // Closing the session only hangs up on the pane: a binary that
        // survived SIGHUP (a bug) would outlive the test. The pane's first
        // process leads a process group that holds the binary too.
        if let Ok(shell) = self.pane_var("pane_pid").parse::<i32>()
            && shell > 0
        {
            // SAFETY: kill(2) on the process group of a pid tmux reported.
            unsafe { libc::kill(-shell, libc::SIGKILL) };
        }
        let _ = self.run(&["kill-session", "-t", &self.session]);
        let _ = self.run(&["kill-server"]);
    }
}

/// Waits for a file to be written (by the shell around the binary).
pub fn wait_for_file(path: &Path, tmux: &Tmux) -> String {
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

/// `text` as one single-quoted shell word.
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

pub fn quoted_path(path: &Path) -> String {
    quoted(&path.display().to_string())
}
