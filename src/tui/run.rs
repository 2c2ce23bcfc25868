//! The dashboard as a [`Frontend`] of the run [`driver`]: open the terminal
//! first (so the engine's panic filter wraps the terminal-restoring hook),
//! run the live loop, and restore the terminal before the driver prints the
//! summary.

use std::time::SystemTime;

use super::app::App;
use super::live::{LiveLoop, TerminalInput};
use super::screenshot::DashboardCapture;
use super::signals::StopSignal;
use super::terminal::TerminalGuard;
use crate::driver::{self, FrameCapture, Frontend, LiveRun};
use crate::export::report::Report;
use crate::session::{Session, SessionInfo, SessionOptions};

/// Runs `session` in the dashboard until the operator quits or it ends;
/// returns the report (also written to `--report` if given).
pub fn run(session: Session, options: &SessionOptions) -> anyhow::Result<Report> {
    driver::drive(session, options, &mut Dashboard::default())
}

/// The dashboard front end: the terminal and the stop signal while it is open.
#[derive(Default)]
pub struct Dashboard {
    open: Option<(TerminalGuard, StopSignal)>,
}

impl Frontend for Dashboard {
    fn frame_capture(
        &self,
        options: &SessionOptions,
        info: &SessionInfo,
    ) -> Option<Box<dyn FrameCapture>> {
        DashboardCapture::boxed(options, info)
    }

    fn open(&mut self, _info: &SessionInfo) -> anyhow::Result<()> {
        let terminal = TerminalGuard::new()?;
        self.open = Some((terminal, StopSignal::install()?));
        Ok(())
    }

    fn run(&mut self, run: &mut LiveRun<'_>) -> anyhow::Result<()> {
        let Some((terminal, signals)) = &mut self.open else {
            anyhow::bail!("the dashboard's terminal is not open");
        };
        let mut app = App::new(run.info.clone());
        let exit_at_end = run.options.exit_at_end;
        LiveLoop {
            terminal,
            app: &mut app,
            input: &mut TerminalInput,
            feed: run,
            stop_signalled: &|| signals.take(),
            wall_clock: SystemTime::now,
            last: None,
            exit_at_end,
        }
        .run()
    }

    fn close(&mut self) {
        self.open = None;
    }
}
