//! A run as the user asked for it: the pipeline and what it is called, its
//! script, and where its outputs go. The dashboard and the headless runner
//! both start from a [`Session`] and the same [`SessionOptions`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::engine::{
    Pipeline, PipelineSpec, RunOptions, RunningPipeline, Spawner, TimedCommand, simulate,
};
use crate::metrics::{DEFAULT_WINDOW_SECS, Snapshot, default_memory_cap};
use crate::model::{Controls, DEFAULT_SEED};
use crate::scenario::Scenario;

/// Something a program wants to do with every snapshot of its run (e.g.
/// persist the checkpoint watermark); an error ends the run.
pub type SnapshotObserver = Box<dyn FnMut(&Snapshot) -> anyhow::Result<()> + Send>;

/// What makes the run's snapshots.
pub enum Producer {
    /// The engine: real threads in real time (the default).
    Engine(Pipeline),
    /// Any other producer (the virtual-time simulator, a Flink watcher):
    /// it starts from the same run options and returns the same handle.
    Other(Box<dyn StartProducer>),
}

/// A producer of snapshots other than the engine. It knows nothing of
/// front ends; [`RunningPipeline::spawn_producer`] gives it the same
/// handle the engine has.
pub trait StartProducer: Send {
    /// Starts the run and returns at once.
    fn start(self: Box<Self>, options: RunOptions) -> RunningPipeline;
}

/// What to run: the producer, and what it is called and scripted to do.
pub struct Session {
    /// Everything about the run but the producer itself.
    pub info: SessionInfo,
    /// What makes the snapshots: the pipeline's engine, or another producer.
    pub producer: Producer,
    /// Abort when the process's RSS passes this many bytes: the scenario's
    /// cap, or else half of the machine's memory.
    pub memory_cap: Option<u64>,
    /// Called with every snapshot, in the dashboard and headless alike.
    pub observer: Option<SnapshotObserver>,
    /// Starts the engine's threads: the OS's, unless a test says otherwise.
    pub spawner: Spawner,
}

impl From<Scenario> for Session {
    /// A scenario's simulated pipeline with its script.
    fn from(scenario: Scenario) -> Self {
        Self {
            producer: Producer::Engine(simulate::build(&scenario.pipeline)),
            info: SessionInfo {
                name: scenario.name,
                description: scenario.description,
                lesson: scenario.lesson,
                seed: scenario.pipeline.seed,
                burst_items: scenario.pipeline.source.burst,
                timeline: scenario.timeline,
                duration: scenario.duration,
                spec: Some(scenario.pipeline),
                window_secs: DEFAULT_WINDOW_SECS,
                clock: RunClock::Real,
                controls: Controls::default(),
            },
            memory_cap: scenario.memory_cap.bytes(),
            observer: None,
            spawner: Spawner::default(),
        }
    }
}

impl Session {
    /// A session for a library pipeline, with no script.
    pub fn new(name: impl Into<String>, pipeline: Pipeline) -> Self {
        Self {
            info: SessionInfo {
                name: crate::format::printable(&name.into()),
                seed: pipeline.seed(),
                burst_items: 1_000,
                ..SessionInfo::default()
            },
            producer: Producer::Engine(pipeline),
            memory_cap: default_memory_cap(),
            observer: None,
            spawner: Spawner::default(),
        }
    }

    /// Starts the engine's threads with `spawner` (a test's seam for an OS
    /// that refuses threads).
    pub fn spawner(mut self, spawner: Spawner) -> Self {
        self.spawner = spawner;
        self
    }

    /// Calls `observer` with every snapshot of the run.
    pub fn on_snapshot(
        mut self,
        observer: impl FnMut(&Snapshot) -> anyhow::Result<()> + Send + 'static,
    ) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }
}

/// How to run it and where the outputs go (the command line's options).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Overrides the session's duration.
    pub duration: Option<Duration>,
    /// Sampling period: one snapshot per tick.
    pub tick: Duration,
    /// Final report (JSON).
    pub report: Option<PathBuf>,
    /// One snapshot per tick (JSON lines).
    pub series: Option<PathBuf>,
    /// Write the operator's actions here, as a replayable scenario.
    pub record: Option<PathBuf>,
    /// Render the dashboard frame at `screenshot_at` to this SVG file.
    pub screenshot: Option<PathBuf>,
    /// When in the run to take the screenshot, measured from the start.
    pub screenshot_at: Duration,
    /// Columns and rows of the screenshot frame.
    pub screenshot_size: (u16, u16),
    /// The scenario file the run reads, which no output may overwrite.
    pub input: Option<PathBuf>,
    /// Abort a drain that lasts longer than this, reporting what is left in
    /// flight; `None` waits for the drain however long it takes.
    pub drain_timeout: Option<Duration>,
    /// Serve `/metrics` (Prometheus text format) on exactly this address
    /// while the run lasts; port 0 picks a free port, printed on stderr.
    pub prometheus: Option<SocketAddr>,
    /// The latency histograms of every tick, as an HdrHistogram interval log.
    pub hlog: Option<PathBuf>,
    /// Close the dashboard when the run ends by itself (the old behaviour);
    /// by default it stays open, showing "done — q to quit", to be rewound.
    pub exit_at_end: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            duration: None,
            tick: Duration::from_millis(250),
            report: None,
            series: None,
            record: None,
            screenshot: None,
            screenshot_at: Duration::ZERO,
            screenshot_size: (160, 48),
            prometheus: None,
            hlog: None,
            input: None,
            drain_timeout: Some(crate::engine::DEFAULT_DRAIN_TIMEOUT),
            exit_at_end: false,
        }
    }
}

/// What a session is called and scripted to do: everything about it but
/// the pipeline. It outlives the pipeline once started; the dashboard, the
/// report and the recording read it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    /// The scenario's (or the program's) name, shown in the header and report.
    pub name: String,
    /// One line on what the run shows; empty for a library pipeline.
    pub description: String,
    /// What to watch and try; shown by the lesson panel.
    pub lesson: String,
    /// The random seed, as written to the report; it does not reseed the pipeline.
    pub seed: u64,
    /// Items injected by one burst (the `b` key).
    pub burst_items: u64,
    /// The simulated pipeline's description, when the run is a scenario: the
    /// theory overlay and the report read from it which stages are M/M/c.
    pub spec: Option<PipelineSpec>,
    /// The scripted commands the run starts with, at their times.
    pub timeline: Vec<TimedCommand>,
    /// Scripted run length: the source stops then, unless the options override it.
    pub duration: Option<Duration>,
    /// Seconds in the windowed percentiles (and in the averages the theory
    /// overlay compares them with).
    pub window_secs: usize,
    /// Whose time the run's clock is: the wall's, or a simulation's.
    pub clock: RunClock,
    /// The commands the producer refuses (none for the engine): keys that
    /// cannot apply say so in the footer and help.
    pub controls: Controls,
}

impl Default for SessionInfo {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            lesson: String::new(),
            seed: DEFAULT_SEED,
            burst_items: 0,
            spec: None,
            timeline: Vec::new(),
            duration: None,
            window_secs: DEFAULT_WINDOW_SECS,
            clock: RunClock::Real,
            controls: Controls::default(),
        }
    }
}

/// Whose time a run's clock keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum RunClock {
    /// Wall-clock time: real threads doing real waits (the engine).
    #[default]
    Real,
    /// Simulated time (`run --virtual`), paced against the wall by the
    /// shared [`Pace`] the dashboard's speed keys turn.
    Virtual(Pace),
}

impl RunClock {
    /// The report's word: `"real"` or `"virtual"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Real => "real",
            Self::Virtual(_) => "virtual",
        }
    }
}

/// How fast virtual time runs against wall time: 1.0 is real speed,
/// [`Pace::FASTEST`] as fast as the simulation can go. Shared between the
/// dashboard, which sets it, and the simulator, which reads it.
#[derive(Debug, Clone)]
pub struct Pace(Arc<AtomicU64>);

impl PartialEq for Pace {
    fn eq(&self, other: &Self) -> bool {
        self.speed() == other.speed()
    }
}

impl Pace {
    /// The steps the speed keys move through, slowest first.
    pub const STEPS: [f64; 13] = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0,
    ];
    /// As fast as the simulation can go.
    pub const FASTEST: f64 = f64::INFINITY;

    /// A pace at `speed` (virtual seconds per wall second).
    pub fn new(speed: f64) -> Self {
        Self(Arc::new(AtomicU64::new(speed.to_bits())))
    }

    /// Virtual seconds per wall second; infinite: as fast as possible.
    pub fn speed(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    /// Sets the speed.
    pub fn set(&self, speed: f64) {
        self.0.store(speed.to_bits(), Ordering::Relaxed);
    }

    /// One step faster (from the fastest step to as fast as possible).
    pub fn faster(&self) {
        let now = self.speed();
        let next = Self::STEPS.iter().copied().find(|&s| s > now * 1.0001);
        self.set(next.unwrap_or(Self::FASTEST));
    }

    /// One step slower (as fast as possible slows to the fastest step).
    pub fn slower(&self) {
        let now = self.speed();
        let next = Self::STEPS
            .iter()
            .rev()
            .copied()
            .find(|&s| s < now / 1.0001);
        self.set(next.unwrap_or(Self::STEPS[0]));
    }

    /// The speed as the header shows it: `0.1×`, `10×`, `max`.
    pub fn label(&self) -> String {
        let speed = self.speed();
        if speed.is_infinite() {
            "max".to_string()
        } else {
            format!("{speed}×")
        }
    }
}

impl Session {
    /// Starts the producer; returns it running, with the session's info.
    pub fn start(self, options: &SessionOptions) -> (RunningPipeline, SessionInfo) {
        let run = RunOptions {
            tick: options.tick,
            timeline: self.info.timeline.clone(),
            stop_after: options.duration.or(self.info.duration),
            memory_cap: self.memory_cap,
            drain_timeout: options.drain_timeout,
            window_secs: self.info.window_secs,
            spawner: self.spawner,
        };
        let running = match self.producer {
            Producer::Engine(pipeline) => pipeline.start(run),
            Producer::Other(producer) => producer.start(run),
        };
        (running, self.info)
    }
}
