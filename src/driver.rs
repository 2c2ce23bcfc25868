//! The one run driver: what every run needs, whichever front end shows it.
//! [`drive`] claims the outputs (report, series, recording, `/metrics`,
//! screenshot), starts the session, hands the live run to the front end's
//! loop, then takes in the snapshots that are left, joins the engine,
//! writes the report and prints the summary. A front end is only its loop:
//! it implements [`Frontend`] and reads snapshots through [`LiveRun`],
//! which records each one for the run's outputs as it hands it out.

use std::sync::Arc;

use crossbeam_channel::TryRecvError;

use crate::engine::{Controller, RunningPipeline};
use crate::export::report::Report;
use crate::export::run_log::RunLog;
use crate::export::summary;
use crate::metrics::Snapshot;
use crate::model::Command;
use crate::session::{Session, SessionInfo, SessionOptions};

/// Renders the dashboard frame at the `--screenshot` time. The dashboard
/// owns the renderer; every front end lends it to the driver.
pub trait FrameCapture {
    /// Feeds one snapshot; true when this call wrote the frame.
    fn observe(&mut self, snapshot: &Arc<Snapshot>) -> anyhow::Result<bool>;
    /// Where the frame went, once it did.
    fn saved(&self) -> Option<String>;
}

/// A way to show a run: its own loop over the live run.
pub trait Frontend {
    /// The `--screenshot` renderer, if the options ask for one.
    fn frame_capture(
        &self,
        options: &SessionOptions,
        info: &SessionInfo,
    ) -> Option<Box<dyn FrameCapture>>;

    /// Called before the pipeline starts (the dashboard opens the terminal
    /// here, so that the engine's panic filter wraps its restoring hook).
    fn open(&mut self, info: &SessionInfo) -> anyhow::Result<()>;

    /// The front end's loop: it returns when the run has sent its last
    /// snapshot or the front end quits at once (the driver then takes in
    /// what is left).
    fn run(&mut self, run: &mut LiveRun<'_>) -> anyhow::Result<()>;

    /// Called after the loop, before the summary (the dashboard restores
    /// the terminal here).
    fn close(&mut self);
}

/// What [`LiveRun::try_next`] found.
#[derive(Debug, Clone)]
pub enum Polled {
    /// A snapshot, already recorded for the run's outputs.
    Snapshot(Arc<Snapshot>),
    /// None yet.
    Empty,
    /// The run has sent its last snapshot.
    Ended,
}

/// A run in progress, as a front end sees it.
pub struct LiveRun<'a> {
    running: &'a RunningPipeline,
    log: &'a mut RunLog,
    capture: Option<&'a mut Box<dyn FrameCapture>>,
    captured_now: bool,
    /// What the run is called and scripted to do.
    pub info: &'a SessionInfo,
    /// How it was asked to run.
    pub options: &'a SessionOptions,
}

impl LiveRun<'_> {
    /// Sends a command to the pipeline.
    pub fn send(&self, command: Command) {
        self.running.controller().send(command);
    }

    /// A handle for sending commands from elsewhere.
    pub fn controller(&self) -> Controller {
        self.running.controller()
    }

    /// Waits for the next snapshot; `None` once the run has sent its last.
    pub fn next_snapshot(&mut self) -> anyhow::Result<Option<Arc<Snapshot>>> {
        match self.running.snapshots().recv() {
            Ok(snapshot) => self.take(snapshot).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// The next snapshot if one has arrived.
    pub fn try_next(&mut self) -> anyhow::Result<Polled> {
        match self.running.snapshots().try_recv() {
            Ok(snapshot) => self.take(snapshot).map(Polled::Snapshot),
            Err(TryRecvError::Empty) => Ok(Polled::Empty),
            Err(TryRecvError::Disconnected) => Ok(Polled::Ended),
        }
    }

    /// True once, right after the snapshot that wrote the screenshot.
    pub fn just_captured(&mut self) -> bool {
        std::mem::take(&mut self.captured_now)
    }

    fn take(&mut self, snapshot: Arc<Snapshot>) -> anyhow::Result<Arc<Snapshot>> {
        self.log.record(&snapshot)?;
        if let Some(capture) = self.capture.as_mut() {
            self.captured_now |= capture.observe(&snapshot)?;
        }
        Ok(snapshot)
    }
}

/// Runs `session` with `frontend` until it ends; writes the outputs the
/// options ask for and prints the summary. Returns the report, or the
/// failure: the front end's, or the engine's (then the report, if asked
/// for, is written first and marked failed).
pub fn drive(
    mut session: Session,
    options: &SessionOptions,
    frontend: &mut dyn Frontend,
) -> anyhow::Result<Report> {
    let mut log = RunLog::new(options, &session.info, session.observer.take())?;
    let mut capture = frontend.frame_capture(options, &session.info);
    frontend.open(&session.info)?;
    let (running, info) = session.start(options);
    let mut live = LiveRun {
        running: &running,
        log: &mut log,
        capture: capture.as_mut(),
        captured_now: false,
        info: &info,
        options,
    };
    let outcome = frontend.run(&mut live);
    frontend.close();
    if outcome.is_err() {
        live.send(Command::Abort);
    }
    // After an immediate quit the engine still sends its final snapshot.
    while live.next_snapshot()?.is_some() {}
    let engine = running.join();
    outcome?;
    if let Some(saved) = capture.as_ref().and_then(|c| c.saved()) {
        crate::stderr::note(saved);
    }
    let failure = engine.as_ref().err().map(ToString::to_string);
    let report = log.finish(&info, failure)?;
    crate::stdout::print(&summary::table(&report))?;
    engine?;
    if let Some(limit) = report.limit_reached() {
        return Err(LimitReached(limit).into());
    }
    Ok(report)
}

/// The run was cut short by a limit it declared (the memory cap, the drain
/// timeout): the report and summary are written, and the exit status is 1,
/// since not everything that was generated finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the run was cut short: {0}")]
pub struct LimitReached(pub String);
