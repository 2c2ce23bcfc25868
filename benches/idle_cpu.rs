//! CPU of the `pipetop` process while the dashboard runs, at the default tick
//! (250 ms), in a 160×48 tmux pane (issue 3: the idle dashboard's goal is
//! under 5% of a core).
//!
//! Four runs separate the dashboard's cost from the simulated pipeline's:
//!
//! | run | what it shows |
//! |---|---|
//! | `steady`, dashboard | what a user sees in `top` on the default demo |
//! | `steady`, `--headless` | the same pipeline without the dashboard |
//! | idle scenario, dashboard | the dashboard over a nearly idle engine |
//! | idle scenario, `--headless` | the engine alone, nearly idle |
//!
//! The idle scenario is one item a second through one 100 µs stage (written
//! to a temp file). Sleep-mode stages spin the last stretch of every
//! simulated service time to be accurate, so a busy simulated pipeline costs
//! CPU of its own; the idle scenario removes that.
//!
//! CPU% = Δ(utime + stime) of the process, from `/proc/<pid>/stat`, over the
//! sampling window, after a 3 s warm-up. Needs Linux and tmux. Environment:
//! `PIPETOP_IDLE_SECS` (window, default 20), `PIPETOP_IDLE_REPEATS`
//! (default 1), `PIPETOP_IDLE_ONLY` (a substring of the run names to keep).
//!
//! `cargo bench --bench idle_cpu`

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

const IDLE_SCENARIO: &str = r#"
name = "idle"
description = "One item a second through one fast stage: the engine is nearly idle."
seed = 1
duration = "10m"

[source]
rate = 1
arrivals = "uniform"

[[stage]]
name = "only"
workers = 1
queue = 16
service = { dist = "fixed", mean = "100us" }
"#;

const WARM_UP: Duration = Duration::from_secs(3);

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tmux(socket: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The pipetop process under the pane's process (the pane's shell may exec it).
fn find_pipetop(pane_pid: u32) -> Option<u32> {
    let comm = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/comm")).ok();
    if comm(pane_pid).is_some_and(|c| c.trim() == "pipetop") {
        return Some(pane_pid);
    }
    let children =
        std::fs::read_to_string(format!("/proc/{pane_pid}/task/{pane_pid}/children")).ok()?;
    children
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .find(|&p| comm(p).is_some_and(|c| c.trim() == "pipetop"))
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`, which may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after comm.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as f64 } else { 100.0 }
}

/// CPU % of a core of `pipetop run ARGS` in a 160×48 tmux pane over `secs`.
fn measure(dir: &Path, bin: &str, args: &[&str], secs: u64) -> Option<f64> {
    // A fresh tmux server per run (reusing a socket races the last
    // kill-server), its socket in our temp dir so nothing is left behind.
    static RUN: AtomicU32 = AtomicU32::new(0);
    let run = RUN.fetch_add(1, Ordering::Relaxed);
    let socket = dir.join(format!("tmux-{run}"));
    let socket = socket.as_path();
    let command = format!("{bin} run {} 2>/dev/null", args.join(" "));
    tmux(
        socket,
        &["new-session", "-d", "-x", "160", "-y", "48", &command],
    )?;
    sleep(WARM_UP);
    let result = (|| {
        let pane: u32 = tmux(socket, &["list-panes", "-F", "#{pane_pid}"])?
            .trim()
            .parse()
            .ok()?;
        let pid = find_pipetop(pane)?;
        let (t0, c0) = (Instant::now(), cpu_ticks(pid)?);
        sleep(Duration::from_secs(secs));
        let (t1, c1) = (Instant::now(), cpu_ticks(pid)?);
        let cpu_s = (c1 - c0) as f64 / clock_ticks_per_sec();
        Some(100.0 * cpu_s / (t1 - t0).as_secs_f64())
    })();
    tmux(socket, &["kill-server"]);
    result
}

fn main() {
    // `cargo test --benches` runs bench binaries with `--test`: do nothing then.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_pipetop");
    let secs = env_or("PIPETOP_IDLE_SECS", 20);
    let repeats = env_or("PIPETOP_IDLE_REPEATS", 1).max(1);
    let only = std::env::var("PIPETOP_IDLE_ONLY").unwrap_or_default();
    let dir = tempfile::tempdir().expect("a temp dir");
    let idle = dir.path().join("idle.toml");
    std::fs::write(&idle, IDLE_SCENARIO).expect("write the idle scenario");
    let idle = idle.to_str().expect("utf-8 temp path");
    let runs: [(&str, Vec<&str>); 4] = [
        ("steady dashboard", vec!["steady"]),
        ("steady headless", vec!["steady", "--headless"]),
        ("idle dashboard", vec![idle]),
        ("idle headless", vec![idle, "--headless"]),
    ];
    println!(
        "pipetop CPU, % of one core, {secs} s windows after {WARM_UP:?} warm-up, tick 250ms, 160x48"
    );
    for (name, args) in &runs {
        if !name.contains(only.as_str()) {
            continue;
        }
        let figures: Vec<String> = (0..repeats)
            .map(|_| match measure(dir.path(), bin, args, secs) {
                Some(pct) => format!("{pct:.2}"),
                None => "failed".to_string(),
            })
            .collect();
        println!("{name:<18} {}", figures.join("  "));
    }
}
