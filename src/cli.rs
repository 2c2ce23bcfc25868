//! The command line (a contract: tests and users rely on it), parsed with
//! clap. `pipetop` alone opens the dashboard on the default demo.

use crate::model::MAX_DURATION;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::scenario::{self, MemoryCap, demos};
use crate::session::SessionOptions;

/// Run a data pipeline in-process and watch its queues, latency,
/// throughput and backpressure live.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// The subcommand; none opens the dashboard on the default demo.
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// What `pipetop` is asked to do: run a scenario, list the demos, or check a file.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run a scenario: the dashboard, or with --headless a progress line
    /// each second and a summary at the end.
    Run(Box<RunArgs>),
    /// List the built-in demos, one line each.
    Demos,
    /// Capacity planning: run variants of a scenario in virtual time on all
    /// cores, and print throughput, end-to-end p50/p99 (with 95% intervals
    /// over the replications), drops and the bottleneck of each, marking
    /// the cheapest variant (fewest workers) that meets every goal.
    Sweep(SweepArgs),
    /// Validate a scenario file; errors name file:line:col and the field.
    Check {
        /// A scenario .toml file or a built-in demo name.
        file: String,
        /// Also refuse timeline commands a Flink job cannot carry out
        /// (policy, slowdown, crash), as `run --on URL` would.
        #[arg(long, value_name = "URL")]
        on: Option<String>,
    },
    /// Open a recorded series (--series FILE.jsonl) in the dashboard, with
    /// nothing running: play/pause (space), speed (< >), seek and rewind.
    Replay(ReplayArgs),
    /// Two recorded series side by side on one time axis: a stage table
    /// with A, B and Δ, charts overlaid, the bottleneck and events of each.
    Compare(CompareArgs),
    /// Watch a running Apache Flink job: the dashboard (or --headless) from
    /// the cluster's REST API, each job vertex a stage.
    Watch(WatchArgs),
}

/// The options of `pipetop watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The cluster's REST address, e.g. http://127.0.0.1:8081.
    pub url: String,
    /// The job's id or name; without it, the only job running.
    #[arg(long, value_name = "ID|NAME")]
    pub job: Option<String>,
    /// How to show the run and what to write.
    #[command(flatten)]
    pub output: RunOutput,
}

/// The options of `pipetop compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run A's series file.
    pub a: PathBuf,
    /// Run B's series file.
    pub b: PathBuf,
    /// No dashboard: print the comparison table on stdout.
    #[arg(long)]
    pub headless: bool,
    /// Write the comparison (JSON) here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

/// The options of `pipetop replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The series file, written by `pipetop run --series FILE.jsonl`.
    pub file: PathBuf,
    /// Render the frame at --at to this SVG file instead of opening the dashboard.
    #[arg(long, value_name = "FILE.svg", requires = "at")]
    pub screenshot: Option<PathBuf>,
    /// When in the recording to take the --screenshot.
    #[arg(long, value_parser = parse_time_in_run, requires = "screenshot")]
    pub at: Option<Duration>,
    /// Recorded seconds per second, 0.25 to 16.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text
        .parse()
        .map_err(|_| format!("the speed must be a number such as 2 or 0.5, got {text}"))?;
    if !(0.25..=16.0).contains(&speed) {
        return Err(format!("the speed must be from 0.25 to 16, got {text}"));
    }
    Ok(speed)
}

/// The options of `pipetop sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A scenario .toml file or a built-in demo name (see `pipetop demos`).
    pub scenario: String,
    /// What to vary: STAGE.FIELD=A..B[,step] or STAGE.FIELD=a,b,c, with
    /// FIELD one of workers, queue, policy, service (its mean); or
    /// source.rate=A..B,step. Repeat for a grid of every combination.
    #[arg(long = "vary", value_name = "STAGE.FIELD=A..B[,step]", required = true)]
    pub varies: Vec<crate::sweep::Vary>,
    /// A goal every variant is judged by, e.g. 'p99<50ms', 'drops=0',
    /// 'drops<1%', 'throughput>=800' (end-to-end, means over the
    /// replications). Repeatable.
    #[arg(long = "goal", value_name = "GOAL")]
    pub goals: Vec<crate::sweep::Goal>,
    /// Runs per variant, with seeds seed, seed+1, …: the ± is a 95%
    /// confidence interval over them.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub replications: u16,
    /// How long each run lasts (virtual time), then it drains; default: the
    /// scenario's duration.
    #[arg(long, value_parser = parse_run_length)]
    pub duration: Option<Duration>,
    /// The first replication's seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sampling period of each run (the bottleneck is counted per tick).
    #[arg(long, value_parser = parse_tick, default_value = "250ms")]
    pub tick: Duration,
    /// Write the table as JSON here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

/// The options of `pipetop run`: what to run, plus how to show it.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A scenario .toml file or a built-in demo name (see `pipetop demos`).
    #[arg(default_value = demos::DEFAULT)]
    pub scenario: String,
    /// Seed for all randomness: same seed, same traffic.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the operator's actions as a replayable scenario (TOML) here.
    #[arg(long, value_name = "FILE.toml")]
    pub record: Option<PathBuf>,
    /// Abort once the process's resident memory passes this size (e.g.
    /// 512MiB, 2GiB), or "none" for no cap; overrides the scenario's
    /// `memory_cap` and the default (half of the machine's memory).
    #[arg(long, value_name = "SIZE|none", value_parser = parse_memory_cap)]
    pub memory_cap: Option<MemoryCap>,
    /// Change the scenario: a stage's workers, queue, policy or service
    /// (mean), or source.rate; e.g. --set enrich.workers=16 (repeatable).
    #[arg(long = "set", value_name = "STAGE.FIELD=VALUE")]
    pub sets: Vec<String>,
    /// Simulate the scenario in virtual time instead of running real
    /// threads: exact and fast (headless: as fast as possible; in the
    /// dashboard `<` and `>` set the speed).
    #[arg(long = "virtual")]
    pub virtual_time: bool,
    /// Run the scenario as a job on this Apache Flink cluster (its REST
    /// address, e.g. http://127.0.0.1:8081) and watch it there.
    #[arg(long, value_name = "URL")]
    pub on: Option<String>,
    /// How to show the run and what to write.
    #[command(flatten)]
    pub output: RunOutput,
}

impl Default for RunArgs {
    fn default() -> Self {
        Self {
            scenario: demos::DEFAULT.to_string(),
            seed: None,
            record: None,
            memory_cap: None,
            sets: Vec::new(),
            virtual_time: false,
            on: None,
            output: RunOutput::default(),
        }
    }
}

impl RunArgs {
    /// What the command line overrides in the scenario: its seed and its
    /// memory cap.
    pub fn override_scenario(&self, scenario: &mut scenario::Scenario) {
        if let Some(seed) = self.seed {
            scenario.pipeline.seed = seed;
        }
        if let Some(cap) = self.memory_cap {
            scenario.memory_cap = cap;
        }
    }

    /// The options every way of running shares.
    pub fn session_options(&self) -> SessionOptions {
        let file = std::path::Path::new(&self.scenario);
        SessionOptions {
            record: self.record.clone(),
            input: file.is_file().then(|| file.to_path_buf()),
            ..self.output.session_options()
        }
    }
}

/// How a run is shown and what it leaves behind. `pipetop run` has these
/// flags, and a program built on the library gets the same ones by
/// flattening this into its own arguments (`#[command(flatten)]`, as the
/// examples do).
///
/// (`about = None`: this comment is not the help text of a program that
/// flattens these flags.)
#[derive(Debug, Clone, Args)]
#[command(about = None, long_about = None)]
pub struct RunOutput {
    /// No dashboard: progress on stderr each second, summary on stdout.
    #[arg(long)]
    pub headless: bool,
    /// Stop the source after this long (e.g. 30s, 2m), drain, and exit.
    #[arg(long, value_parser = parse_run_length)]
    pub duration: Option<Duration>,
    /// Write the final report (JSON) here.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Write one snapshot per tick (JSON lines) here.
    #[arg(long, value_name = "FILE.jsonl")]
    pub series: Option<PathBuf>,
    /// After the source stops, wait at most this long for the queues to
    /// drain (e.g. 30s, 2m), then abort and report what is left in flight;
    /// `none` waits however long the drain takes.
    #[arg(long, value_name = "DUR|none", value_parser = parse_drain_timeout, default_value = "30s")]
    pub drain_timeout: DrainTimeout,
    /// Sampling period, 10ms to 10s.
    #[arg(long, value_parser = parse_tick, default_value = "250ms")]
    pub tick: Duration,
    /// Render the dashboard frame at --at to this SVG file.
    #[arg(long, value_name = "FILE.svg", requires = "at")]
    pub screenshot: Option<PathBuf>,
    /// When to take the --screenshot (time since the start).
    #[arg(long, value_parser = parse_time_in_run, requires = "screenshot")]
    pub at: Option<Duration>,
    /// Serve /metrics in the Prometheus text format on this address while
    /// the run lasts (e.g. 127.0.0.1:9898; port 0 picks a free one).
    #[arg(long, value_name = "ADDR", value_parser = parse_listen_addr)]
    pub prometheus: Option<SocketAddr>,
    /// Write the latency histograms of every tick here as an HdrHistogram
    /// interval log (tags e2e, service.<stage>, wait.<stage>).
    #[arg(long, value_name = "FILE.hlog")]
    pub hlog: Option<PathBuf>,
    /// Close the dashboard as soon as the run ends (by default it stays
    /// open at the end, showing "done — q to quit", so the run can be rewound).
    #[arg(long)]
    pub exit_at_end: bool,
}

impl Default for RunOutput {
    fn default() -> Self {
        Self {
            headless: false,
            duration: None,
            drain_timeout: DrainTimeout(SessionOptions::default().drain_timeout),
            report: None,
            series: None,
            tick: SessionOptions::default().tick,
            screenshot: None,
            at: None,
            prometheus: None,
            hlog: None,
            exit_at_end: false,
        }
    }
}

impl RunOutput {
    /// The session options these flags ask for.
    pub fn session_options(&self) -> SessionOptions {
        SessionOptions {
            duration: self.duration,
            drain_timeout: self.drain_timeout.0,
            tick: self.tick,
            report: self.report.clone(),
            series: self.series.clone(),
            screenshot: self.screenshot.clone(),
            screenshot_at: self.at.unwrap_or_default(),
            prometheus: self.prometheus,
            hlog: self.hlog.clone(),
            exit_at_end: self.exit_at_end,
            ..SessionOptions::default()
        }
    }
}

/// `--drain-timeout`: a limit, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainTimeout(pub Option<Duration>);

fn parse_drain_timeout(text: &str) -> Result<DrainTimeout, String> {
    if text == "none" {
        return Ok(DrainTimeout(None));
    }
    let limit = humantime::parse_duration(text)
        .map_err(|e| format!("{e} (a duration such as 30s or 2m, or `none`)"))?;
    if limit.is_zero() {
        return Err("the drain timeout must be more than 0 (or `none` for no limit)".into());
    }
    bounded_duration(limit, text).map(|d| DrainTimeout(Some(d)))
}

fn parse_tick(text: &str) -> Result<Duration, String> {
    let tick = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if !(Duration::from_millis(10)..=Duration::from_secs(10)).contains(&tick) {
        return Err(format!("the tick must be between 10ms and 10s, got {text}"));
    }
    Ok(tick)
}

/// A run length: more than zero, as a scenario's `duration` must be.
fn parse_run_length(text: &str) -> Result<Duration, String> {
    let length = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if length.is_zero() {
        return Err(format!(
            "the run must last more than 0, got {text} (e.g. 30s, 2m)"
        ));
    }
    bounded_duration(length, text)
}

/// A duration the engine can represent (at most [`MAX_DURATION`]).
fn bounded_duration(d: Duration, text: &str) -> Result<Duration, String> {
    if d > MAX_DURATION {
        return Err(format!(
            "{text} is longer than the most a run can represent ({})",
            humantime::format_duration(MAX_DURATION)
        ));
    }
    Ok(d)
}

/// A time in the run, such as `--at`.
fn parse_time_in_run(text: &str) -> Result<Duration, String> {
    let at = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    bounded_duration(at, text)
}

fn parse_memory_cap(text: &str) -> Result<MemoryCap, String> {
    scenario::parse_memory_cap(text).map_err(|e| format!("{text:?} {e}"))
}

fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("expected an IP address and port such as 127.0.0.1:9898 or [::1]:9898, got {text}")
    })
}
