//! Running without a terminal UI: a progress line each second on stderr, the
//! summary table on stdout at the end, and the same files as the dashboard
//! (the [`crate::driver`] writes them). Ctrl-C drains and still
//! prints the summary; a second one exits at once.

mod interrupt;
pub mod progress;

use crate::driver::{self, FrameCapture, Frontend, LiveRun};
use crate::export::report::Report;
use crate::model::{Command, Event};
use crate::session::{Session, SessionInfo, SessionOptions};
use crate::tui::screenshot::DashboardCapture;

/// Runs `session` to its end, printing progress, and returns the report.
pub fn run(session: Session, options: &SessionOptions) -> anyhow::Result<Report> {
    driver::drive(session, options, &mut Headless::default())
}

/// The headless front end.
#[derive(Default)]
pub struct Headless {
    interrupt: Option<interrupt::Interrupt>,
}

impl Frontend for Headless {
    fn frame_capture(
        &self,
        options: &SessionOptions,
        info: &SessionInfo,
    ) -> Option<Box<dyn FrameCapture>> {
        DashboardCapture::boxed(options, info)
    }

    fn open(&mut self, info: &SessionInfo) -> anyhow::Result<()> {
        if !info.lesson.trim().is_empty() {
            crate::stderr::note(format!("{}\n", info.lesson.trim_end()));
        }
        self.interrupt = Some(interrupt::Interrupt::install()?);
        Ok(())
    }

    fn run(&mut self, run: &mut LiveRun<'_>) -> anyhow::Result<()> {
        // A screenshot run ends once it has its frame, unless told how long to run.
        let stop_after_capture = run.options.duration.is_none();
        let mut next_progress_s = 1.0;
        while let Some(snapshot) = run.next_snapshot()? {
            if self.interrupt.as_mut().is_some_and(|i| i.take()) {
                crate::stderr::note(
                    "interrupted: stopping the source and draining (again quits at once)",
                );
                run.send(Command::Stop);
            }
            if run.just_captured() && stop_after_capture {
                run.send(Command::Stop);
            }
            for event in &snapshot.events {
                crate::stderr::note(format!(
                    "t={:>5.1}s  {}{}",
                    event.t_s,
                    event.message(),
                    note(event)
                ));
            }
            if snapshot.t_s >= next_progress_s || snapshot.state.is_final() {
                crate::stderr::note(progress::line(&snapshot));
                while next_progress_s <= snapshot.t_s {
                    next_progress_s += 1.0;
                }
            }
        }
        Ok(())
    }

    fn close(&mut self) {}
}

fn note(event: &Event) -> String {
    event
        .note
        .as_ref()
        .map(|n| format!("  — {n}"))
        .unwrap_or_default()
}
