//! The command line (a contract: tests and users rely on it), parsed with
//! clap. `pipetop` alone opens the dashboard on the default demo.

use crate::model::MAX_DURATION;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::scenario::demos;
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
    Run(RunArgs),
    /// List the built-in demos, one line each.
    Demos,
    /// Validate a scenario file; errors name file:line:col and the field.
    Check {
        /// A scenario .toml file or a built-in demo name.
        file: String,
        /// Also refuse timeline commands a Flink job cannot carry out
        /// (policy, slowdown, crash), as `run --on URL` would.
        #[arg(long, value_name = "URL")]
        on: Option<String>,
    },
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
            on: None,
            output: RunOutput::default(),
        }
    }
}

impl RunArgs {
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
}

impl Default for RunOutput {
    fn default() -> Self {
        Self {
            headless: false,
            duration: None,
            report: None,
            series: None,
            tick: SessionOptions::default().tick,
            screenshot: None,
            at: None,
            prometheus: None,
        }
    }
}

impl RunOutput {
    /// The session options these flags ask for.
    pub fn session_options(&self) -> SessionOptions {
        SessionOptions {
            duration: self.duration,
            tick: self.tick,
            report: self.report.clone(),
            series: self.series.clone(),
            screenshot: self.screenshot.clone(),
            screenshot_at: self.at.unwrap_or_default(),
            prometheus: self.prometheus,
            ..SessionOptions::default()
        }
    }
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

fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("expected an IP address and port such as 127.0.0.1:9898 or [::1]:9898, got {text}")
    })
}
