//! Running a pipeline: starting it, the options it runs with, the handle that
//! sends it commands and the receiver of its snapshots. The control thread
//! itself is [`control_loop`](super::control_loop).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::control_loop::ControlLoop;
use super::panic_guard;
use super::pipeline::Pipeline;
use super::spawn::Spawner;
use crate::metrics::{DEFAULT_WINDOW_SECS, Snapshot};
use crate::model::{Command, TimedCommand};

/// How long a drain may last unless the run says otherwise.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How a run is sampled and scripted.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Sampling period.
    pub tick: Duration,
    /// Seconds in the windowed percentiles.
    pub window_secs: usize,
    /// Commands to apply at given times.
    pub timeline: Vec<TimedCommand>,
    /// Stop the source at this time, then drain.
    pub stop_after: Option<Duration>,
    /// Abort once the process's resident memory passes this many bytes.
    pub memory_cap: Option<u64>,
    /// Abort a drain that lasts longer than this (`None`: wait for it).
    pub drain_timeout: Option<Duration>,
    /// Starts the engine's threads: the OS's, unless a test says otherwise.
    pub spawner: Spawner,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(250),
            window_secs: DEFAULT_WINDOW_SECS,
            timeline: Vec::new(),
            stop_after: None,
            memory_cap: None,
            drain_timeout: Some(DEFAULT_DRAIN_TIMEOUT),
            spawner: Spawner::default(),
        }
    }
}

/// Sends commands to a running pipeline; cheap to clone, usable from any thread.
#[derive(Debug, Clone)]
pub struct Controller {
    commands: Sender<Command>,
}

impl Controller {
    /// Queues a command; ignored once the run has ended.
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }
}

/// The engine itself failed: its control thread panicked, or a thread it
/// needs could not be started. The run's snapshots stop where it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the engine failed: {0}")]
pub struct EngineFailure(pub String);

/// A pipeline that is running.
pub struct RunningPipeline {
    controller: Controller,
    snapshots: Receiver<Arc<Snapshot>>,
    stage_names: Vec<String>,
    thread: Option<ControlThread>,
    /// Why the control thread never started, if it did not.
    not_started: Option<EngineFailure>,
}

impl RunningPipeline {
    /// A handle for sending commands.
    pub fn controller(&self) -> Controller {
        self.controller.clone()
    }

    /// One snapshot per tick; the last one has a final state, then the
    /// channel disconnects.
    pub fn snapshots(&self) -> &Receiver<Arc<Snapshot>> {
        &self.snapshots
    }

    /// The stages' names in pipeline order: a [`Command`] names a stage by its
    /// index here.
    pub fn stage_names(&self) -> &[String] {
        &self.stage_names
    }

    /// Waits for the run to end; an error if the engine failed (then the
    /// last snapshot received is not a final one).
    pub fn join(mut self) -> Result<(), EngineFailure> {
        if let Some(failure) = self.not_started.take() {
            return Err(failure);
        }
        self.thread.take().map_or(Ok(()), ControlThread::join)
    }
}

/// The control thread and where it leaves its result.
struct ControlThread {
    thread: JoinHandle<()>,
    result: Receiver<Result<(), EngineFailure>>,
}

impl ControlThread {
    fn join(self) -> Result<(), EngineFailure> {
        let _ = self.thread.join();
        self.result.try_recv().unwrap_or_else(|_| {
            Err(EngineFailure(
                "the control thread ended without a result".into(),
            ))
        })
    }
}

/// The control thread's whole life: a panic in it (the control loop or the
/// sampler) is caught, kept off the terminal, and becomes the run's failure.
fn control_thread(
    pipeline: Pipeline,
    options: RunOptions,
    commands: Receiver<Command>,
    snapshots: Sender<Arc<Snapshot>>,
) -> Result<(), EngineFailure> {
    panic_guard::quiet_this_thread();
    // Whatever fails here, the engine's other threads stop with it.
    let abort = pipeline.parts.abort.clone();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        ControlLoop::start(pipeline, options, commands, snapshots).map(|mut c| c.run())
    }));
    if !matches!(run, Ok(Ok(()))) {
        abort.set();
    }
    match run {
        Ok(Ok(())) => Ok(()),
        Ok(Err(refused)) => Err(EngineFailure(format!(
            "the OS refused to start the source thread: {refused}"
        ))),
        Err(_) => {
            let message = panic_guard::take_last_message().unwrap_or_else(|| "panic".into());
            Err(EngineFailure(format!(
                "the control thread panicked: {message}"
            )))
        }
    }
}

impl Drop for RunningPipeline {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.controller.send(Command::Abort);
            let _ = thread.join();
        }
    }
}

impl Pipeline {
    /// Starts every thread and returns at once.
    pub fn start(self, options: RunOptions) -> RunningPipeline {
        panic_guard::install();
        let stage_names = self.stage_names();
        let spawner = options.spawner.clone();
        RunningPipeline::spawn_producer(
            "pipetop:control",
            stage_names,
            &spawner,
            move |commands, snapshots| control_thread(self, options, commands, snapshots),
        )
    }
}

impl RunningPipeline {
    /// Runs any producer of snapshots on a thread of its own and returns
    /// its handle: the engine's control thread, the virtual-time simulator
    /// and a Flink watcher all start this way, so the driver and every
    /// front end treat them alike. `body` reads commands, sends one
    /// snapshot per tick (the last with a final state) and returns when
    /// the run has ended; dropping its sender ends the snapshot stream.
    pub fn spawn_producer(
        thread_name: &str,
        stage_names: Vec<String>,
        spawner: &Spawner,
        body: impl FnOnce(Receiver<Command>, Sender<Arc<Snapshot>>) -> Result<(), EngineFailure>
        + Send
        + 'static,
    ) -> RunningPipeline {
        let (commands_tx, commands) = unbounded();
        let (snapshots_tx, snapshots) = unbounded();
        let (result_tx, result) = crossbeam_channel::bounded(1);
        let started = spawner.spawn(thread_name.into(), move || {
            let _ = result_tx.send(body(commands, snapshots_tx));
        });
        let (thread, not_started) = match started {
            Ok(thread) => (Some(ControlThread { thread, result }), None),
            Err(e) => (
                None,
                Some(EngineFailure(format!(
                    "the OS refused to start the {thread_name} thread: {e}"
                ))),
            ),
        };
        RunningPipeline {
            controller: Controller {
                commands: commands_tx,
            },
            snapshots,
            stage_names,
            thread,
            not_started,
        }
    }
}
