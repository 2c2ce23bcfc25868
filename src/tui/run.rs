//! Running a session with the dashboard: open the terminal first (so the
//! engine's panic filter wraps the terminal-restoring hook), start the
//! pipeline, run the live loop, then restore the terminal, finish the run's
//! files and print the summary.

use std::sync::Arc;

use super::app::App;
use super::live::run_loop;
use super::screenshot::FrameCapture;
use super::signals::StopSignal;
use super::terminal::TerminalGuard;
use crate::export::report::Report;
use crate::export::run_log::RunLog;
use crate::metrics::Snapshot;
use crate::session::{Session, SessionOptions};

/// Runs `session` in the dashboard until the operator quits or it ends;
/// returns the report (also written to `--report` if given).
pub fn run(mut session: Session, options: &SessionOptions) -> anyhow::Result<Report> {
    let mut log = RunLog::new(options, &session.info, session.observer.take())?;
    let mut capture = FrameCapture::from_options(options, &session.info);
    let mut app = App::new(session.info.clone());
    let mut terminal = TerminalGuard::new()?;
    let signals = StopSignal::install()?;
    let (running, info) = session.start(options);
    let controller = running.controller();
    let outcome = run_loop(
        &mut terminal,
        &mut app,
        running.snapshots(),
        |command| controller.send(command),
        |snapshot: &Arc<Snapshot>| {
            log.record(snapshot)?;
            if let Some(capture) = &mut capture {
                capture.observe(snapshot)?;
            }
            Ok(())
        },
        || signals.take(),
    );
    drop(terminal);
    if let Err(error) = outcome {
        controller.send(crate::engine::Command::Abort);
        return Err(error);
    }
    // After an immediate quit the engine still sends its final snapshot.
    for snapshot in running.snapshots().iter() {
        log.record(&snapshot)?;
        if let Some(capture) = &mut capture {
            capture.observe(&snapshot)?;
        }
    }
    running.join();
    if let Some(saved) = capture.as_ref().and_then(FrameCapture::saved) {
        eprintln!("{saved}");
    }
    let report = log.finish(&info)?;
    crate::stdout::print(&crate::headless::summary::table(&report))?;
    Ok(report)
}
