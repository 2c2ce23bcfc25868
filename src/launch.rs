//! Choosing how to show a run: the dashboard when both ends of the terminal
//! are there, headless when asked or when they are not (saying so).

use std::io::IsTerminal;

use crate::export::report::Report;
use crate::session::{Session, SessionOptions};
use crate::{headless, tui};

/// Runs `session` in the dashboard, or headless if `headless` is asked for
/// or stdin/stdout is not a terminal; returns the report.
pub fn run(session: Session, options: &SessionOptions, headless: bool) -> anyhow::Result<Report> {
    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if !headless && !interactive {
        crate::stderr::note("pipetop: not a terminal, running headless (use --headless to say so)");
    }
    if headless || !interactive {
        headless::run(session, options)
    } else {
        tui::run(session, options)
    }
}
