//! Running without a terminal UI: a progress line each second on stderr, the
//! summary table on stdout at the end, and the same files as the dashboard.
//! Ctrl-C drains and still prints the summary; a second one exits at once.

mod interrupt;
pub mod progress;
pub mod summary;

use crate::engine::Command;
use crate::export::report::Report;
use crate::export::run_log::RunLog;
use crate::session::{Session, SessionOptions};
use crate::tui::screenshot::FrameCapture;

/// Runs `session` to its end, printing progress, and returns the report.
pub fn run(mut session: Session, options: &SessionOptions) -> anyhow::Result<Report> {
    let mut log = RunLog::new(options, &session.info, session.observer.take())?;
    if !session.info.lesson.trim().is_empty() {
        eprintln!("{}\n", session.info.lesson.trim_end());
    }
    let mut capture = FrameCapture::from_options(options, &session.info);
    // A screenshot run ends once it has its frame, unless told how long to run.
    let stop_after_capture = options.duration.is_none();
    let mut interrupt = interrupt::Interrupt::install()?;
    let (running, info) = session.start(options);
    let mut next_progress_s = 1.0;
    for snapshot in running.snapshots().iter() {
        log.record(&snapshot)?;
        if interrupt.take() {
            eprintln!("interrupted: stopping the source and draining (again quits at once)");
            running.controller().send(Command::Stop);
        }
        if let Some(capture) = &mut capture
            && capture.observe(&snapshot)?
        {
            eprintln!("{}", capture.saved().unwrap_or_default());
            if stop_after_capture {
                running.controller().send(Command::Stop);
            }
        }
        for event in &snapshot.events {
            eprintln!("t={:>5.1}s  {}{}", event.t_s, event.message, note(event));
        }
        if snapshot.t_s >= next_progress_s || snapshot.state.is_final() {
            eprintln!("{}", progress::line(&snapshot));
            while next_progress_s <= snapshot.t_s {
                next_progress_s += 1.0;
            }
        }
    }
    running.join();
    let report = log.finish(&info)?;
    crate::stdout::print(&summary::table(&report))?;
    Ok(report)
}

fn note(event: &crate::engine::Event) -> String {
    event
        .note
        .as_ref()
        .map(|n| format!("  — {n}"))
        .unwrap_or_default()
}
