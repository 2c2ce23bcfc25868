//! The Flink producer: looks at a job once per tick (at least once a
//! second: Flink's REST layer refreshes metrics no faster), sends one
//! snapshot per look, and carries out the commands a Flink job can take:
//! `workers` through `PUT /jobs/:id/resource-requirements` (the adaptive
//! scheduler), burst, rate and pause through the control file of a job
//! pipetop submitted. Any other command is an `Ignored` event saying why.
//!
//! It ends cleanly, never hanging: when the job finishes, fails or is
//! cancelled, when the cluster stops answering (three looks in a row,
//! each retried), when the run's time is up, or on `q`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::engine::{EngineFailure, RunOptions, RunningPipeline};
use crate::metrics::derived_events::EventWatch;
use crate::metrics::process::ProcessProbe;
use crate::metrics::{RunState, Snapshot};
use crate::model::{Command, Controls, Event, EventKind, Origin, StageRef};
use crate::session::StartProducer;

use super::api::Exceptions;
use super::control_file::ControlFile;
use super::poll::{JobSample, JobState, Poller};
use super::stages::{Layout, Mapper, SourceSetting};

/// Looks in a row that may fail before the cluster counts as gone.
const LOOKS_BEFORE_GONE: u32 = 3;
/// The least time between two looks.
const MIN_PERIOD: Duration = Duration::from_secs(1);

/// A Flink job to show: watched, or submitted by pipetop (then it has a
/// control file and is cancelled when the run stops).
pub struct FlinkJob {
    pub(super) poller: Poller,
    pub(super) mapper: Mapper,
    first: JobSample,
    pub(super) control: Option<ControlFile>,
    pub(super) controls: Controls,
}

impl FlinkJob {
    /// A job seen once already (`first`), laid out as `layout`.
    pub fn new(
        poller: Poller,
        layout: Layout,
        first: JobSample,
        control: Option<ControlFile>,
    ) -> Self {
        Self {
            poller,
            mapper: Mapper::new(layout),
            first,
            controls: super::controls(control.is_some()),
            control,
        }
    }

    /// The stages' names, in order.
    pub fn stage_names(&self) -> Vec<String> {
        self.mapper.layout().names.clone()
    }
}

impl StartProducer for FlinkJob {
    fn start(self: Box<Self>, options: RunOptions) -> RunningPipeline {
        let names = self.stage_names();
        let spawner = options.spawner.clone();
        RunningPipeline::spawn_producer("pipetop:flink", names, &spawner, move |commands, out| {
            Watcher::new(*self, options).run(&commands, &out)
        })
    }
}

/// How the run ends.
enum Ending {
    /// `q`, the time limit or a `stop` command: a submitted job is cancelled.
    Stop(Origin),
    /// Nobody reads the snapshots any more.
    Gone,
}

pub(super) struct Watcher {
    pub(super) job: FlinkJob,
    options: RunOptions,
    start: Instant,
    tick: u64,
    events: Vec<Event>,
    pub(super) last: JobSample,
    state: JobState,
    parallelism: Vec<Option<usize>>,
    backpressure_seen: bool,
    last_exception: u64,
    /// This process's CPU and memory, for the header (the cluster's are its own).
    process: ProcessProbe,
    /// The events found by comparing snapshots (the bottleneck moving), as
    /// the engine finds them: the report's bottleneck summary reads them.
    watch: EventWatch,
}

impl Watcher {
    pub(super) fn new(job: FlinkJob, mut options: RunOptions) -> Self {
        options.timeline.sort_by_key(|c| c.at);
        let last = job.first.clone();
        let n = job.mapper.layout().stages.len();
        Self {
            state: last.state,
            job,
            options,
            start: Instant::now(),
            tick: 0,
            events: Vec::new(),
            last,
            parallelism: vec![None; n],
            backpressure_seen: false,
            last_exception: u64::MAX,
            process: ProcessProbe::new(),
            watch: EventWatch::default(),
        }
    }

    fn t_s(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn run(
        mut self,
        commands: &Receiver<Command>,
        out: &Sender<Arc<Snapshot>>,
    ) -> Result<(), EngineFailure> {
        let period = self.options.tick.max(MIN_PERIOD);
        let mut next_look = self.start;
        let mut timeline = std::mem::take(&mut self.options.timeline)
            .into_iter()
            .peekable();
        let mut failed_looks = 0;
        loop {
            // Commands and the timeline until the next look.
            let ending = loop {
                let now = self.start.elapsed();
                while let Some(due) = timeline.next_if(|c| c.at <= now) {
                    if matches!(due.command, Command::Stop | Command::Abort) {
                        return self.end(Ending::Stop(Origin::Timeline), out);
                    }
                    self.command(due.command, Origin::Timeline, due.note);
                }
                if self.options.stop_after.is_some_and(|limit| now >= limit) {
                    break Some(Ending::Stop(Origin::Timeline));
                }
                let mut wake = next_look;
                if let Some(next) = timeline.peek() {
                    wake = wake.min(self.start + next.at);
                }
                if let Some(limit) = self.options.stop_after {
                    wake = wake.min(self.start + limit);
                }
                match commands.recv_deadline(wake) {
                    Ok(Command::Stop | Command::Abort) => {
                        break Some(Ending::Stop(Origin::Operator));
                    }
                    Ok(command) => self.command(command, Origin::Operator, None),
                    Err(RecvTimeoutError::Timeout) if Instant::now() >= next_look => break None,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break Some(Ending::Gone),
                }
            };
            if let Some(ending) = ending {
                return self.end(ending, out);
            }
            next_look = (next_look + period).max(Instant::now());
            // The heartbeat a submitted job's source checks (see control_file).
            if let Some(control) = self.job.control.as_mut() {
                let _ = control.write();
            }
            match self.job.poller.sample() {
                Ok(sample) => {
                    failed_looks = 0;
                    self.observe(&sample);
                    self.last = sample;
                }
                Err(error) => {
                    failed_looks += 1;
                    if failed_looks >= LOOKS_BEFORE_GONE {
                        let message = format!("the Flink cluster stopped answering: {error}");
                        self.external("cluster-gone", None, message.clone());
                        self.remove_control();
                        self.send(RunState::Aborted, out);
                        return Err(EngineFailure(message));
                    }
                    continue;
                }
            }
            if self.state.is_final() {
                return self.job_ended(out);
            }
            if !self.send(RunState::Running, out) {
                return Ok(());
            }
        }
    }

    /// Notes what changed since the last look: job state, parallelism, the
    /// first backpressure sample.
    fn observe(&mut self, sample: &JobSample) {
        let was = self.state;
        self.state = sample.state;
        if was != JobState::Restarting && sample.state == JobState::Restarting {
            let cause = self.new_exception();
            let message = match cause {
                Some(cause) => format!("the job is restarting after a failure: {cause}"),
                None => "the job is restarting".to_string(),
            };
            self.external("job-restarting", None, message);
        }
        if was != JobState::Running && sample.state == JobState::Running && self.tick > 0 {
            self.external("job-running", None, "the job is running".to_string());
        }
        for i in 0..self.parallelism.len() {
            let now = self.job.mapper.vertex(sample, i).map(|v| v.parallelism);
            let before = self.parallelism[i];
            if let (Some(from), Some(to)) = (before, now)
                && from != to
                && sample.state == JobState::Running
            {
                let name = self.job.mapper.layout().names[i].clone();
                let message = format!("{name}: parallelism {from} → {to} running");
                self.external("rescaled", Some(i), message);
            }
            if sample.state == JobState::Running {
                self.parallelism[i] = now;
            }
        }
        let sampled = sample.vertices.iter().any(|v| v.backpressure.is_some());
        if self.tick == 0 && !sampled {
            self.external(
                "backpressure",
                None,
                "no backpressure sample yet: Flink has one once the tasks run".to_string(),
            );
        }
        if sampled && !self.backpressure_seen && self.tick > 0 {
            self.external(
                "backpressure",
                None,
                "first backpressure sample from Flink".to_string(),
            );
        }
        self.backpressure_seen |= sampled;
    }

    /// The newest failure's name, if it is newer than the last one told.
    fn new_exception(&mut self) -> Option<String> {
        let path = format!("/jobs/{}/exceptions", self.job.poller.jid());
        let exceptions: Exceptions = self.job.poller.rest().get(&path).ok()?;
        let newest = exceptions.history.entries.first()?;
        let seen = self.last_exception;
        self.last_exception = newest.timestamp;
        (seen == u64::MAX || newest.timestamp > seen)
            .then(|| crate::format::printable(newest.headline()))
    }

    fn job_ended(mut self, out: &Sender<Arc<Snapshot>>) -> Result<(), EngineFailure> {
        match self.state {
            JobState::Finished => {
                self.external("job-finished", None, "the job finished".to_string());
                self.remove_control();
                self.send(RunState::Done, out);
                Ok(())
            }
            JobState::Failed | JobState::Canceled | JobState::Suspended => {
                let word = match self.state {
                    JobState::Failed => "failed",
                    JobState::Canceled => "was cancelled",
                    _ => "was suspended",
                };
                self.last_exception = u64::MAX;
                let cause = self
                    .new_exception()
                    .filter(|_| self.state == JobState::Failed)
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default();
                let message = format!("the Flink job {word}{cause}");
                self.external("job-ended", None, message.clone());
                self.remove_control();
                self.send(RunState::Aborted, out);
                Err(EngineFailure(message))
            }
            JobState::Starting
            | JobState::Running
            | JobState::Restarting
            | JobState::Cancelling => Ok(()),
        }
    }

    fn end(mut self, ending: Ending, out: &Sender<Arc<Snapshot>>) -> Result<(), EngineFailure> {
        let origin = match ending {
            Ending::Stop(origin) => origin,
            Ending::Gone => Origin::Engine,
        };
        if self.job.control.is_some() {
            let path = format!("/jobs/{}?mode=cancel", self.job.poller.jid());
            let message = match self.job.poller.rest().patch(&path) {
                Ok(_) => "stop: the job is cancelled".to_string(),
                Err(e) => format!("stop: cancelling the job failed: {e}"),
            };
            self.event(
                origin,
                EventKind::External {
                    word: "stop",
                    stage: None,
                    message,
                },
                None,
            );
        } else {
            let message = "stop: pipetop stops watching; the job runs on".to_string();
            self.event(
                origin,
                EventKind::External {
                    word: "stop",
                    stage: None,
                    message,
                },
                None,
            );
        }
        self.remove_control();
        self.send(RunState::Done, out);
        Ok(())
    }

    /// Removes a submitted job's control file: the job is over.
    fn remove_control(&self) {
        if let Some(control) = &self.job.control {
            let _ = std::fs::remove_file(control.path());
        }
    }

    /// Sends the snapshot of the last look with the events since; false if
    /// no one listens any more.
    pub(super) fn send(&mut self, state: RunState, out: &Sender<Arc<Snapshot>>) -> bool {
        let source = self.job.control.as_ref().map(|c| SourceSetting {
            rate: c.rate,
            paused: c.paused,
        });
        let events = std::mem::take(&mut self.events);
        let mut snapshot =
            self.job
                .mapper
                .snapshot(&self.last, (self.tick, self.t_s()), state, source, events);
        snapshot.process = self.process.read();
        let derived = self.watch.events(&snapshot);
        snapshot.events.extend(derived);
        self.tick += 1;
        out.send(Arc::new(snapshot)).is_ok()
    }

    pub(super) fn stage_ref(&self, index: usize) -> StageRef {
        StageRef {
            index,
            name: self.job.mapper.layout().names[index].clone(),
        }
    }

    fn external(&mut self, word: &'static str, stage: Option<usize>, message: String) {
        let stage = stage.map(|i| self.stage_ref(i));
        self.event(
            Origin::Engine,
            EventKind::External {
                word,
                stage,
                message,
            },
            None,
        );
    }

    pub(super) fn event(&mut self, origin: Origin, kind: EventKind, note: Option<String>) {
        self.events.push(Event {
            t_s: self.t_s(),
            origin,
            kind,
            note,
        });
    }

    pub(super) fn ignored(
        &mut self,
        command: Command,
        origin: Origin,
        note: Option<String>,
        why: String,
    ) {
        self.event(origin, EventKind::Ignored { command, why }, note);
    }
}
