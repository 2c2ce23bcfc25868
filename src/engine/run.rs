//! Running a pipeline: starting it, the options it runs with, the handle that
//! sends it commands and the receiver of its snapshots. The control thread
//! itself is [`control_loop`](super::control_loop).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::command::{Command, TimedCommand};
use super::control_loop::ControlLoop;
use super::panic_guard;
use super::pipeline::Pipeline;
use crate::metrics::Snapshot;

/// The most workers one stage may have.
pub const MAX_WORKERS: usize = 1024;
/// The largest bounded queue a stage may have.
pub const MAX_QUEUE: usize = 10_000_000;
/// The largest slowdown factor a stage may be given.
pub const MAX_SLOWDOWN: f64 = 1000.0;

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
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(250),
            window_secs: 5,
            timeline: Vec::new(),
            stop_after: None,
            memory_cap: None,
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

/// A pipeline that is running.
pub struct RunningPipeline {
    controller: Controller,
    snapshots: Receiver<Arc<Snapshot>>,
    stage_names: Vec<String>,
    thread: Option<JoinHandle<()>>,
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

    /// Waits for the run to end.
    pub fn join(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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
        let (commands_tx, commands) = unbounded();
        let (snapshots_tx, snapshots) = unbounded();
        let thread = std::thread::Builder::new()
            .name("pipetop:control".into())
            .spawn(move || {
                ControlLoop::start(self, options, commands, snapshots_tx).run();
            })
            .expect("the OS can start the control thread");
        RunningPipeline {
            controller: Controller {
                commands: commands_tx,
            },
            snapshots,
            stage_names,
            thread: Some(thread),
        }
    }
}
