//! Choosing how to show a run: the dashboard when both ends of the terminal
//! are there, headless when asked or when they are not (saying so).

use std::io::IsTerminal;

use crate::export::output_file::OutputError;
use crate::export::prometheus::BindError;
use crate::export::report::Report;
use crate::replay::SeriesError;
use crate::session::{Session, SessionOptions};
use crate::{headless, tui};

/// The exit status for a run that failed: 2 for bad usage found before the
/// run (an address that cannot be served, an output path that cannot be
/// written), 1 for a failure at run time (the engine's among them).
pub fn exit_status(error: &anyhow::Error) -> u8 {
    let bad_usage = error.downcast_ref::<BindError>().is_some()
        || error.downcast_ref::<OutputError>().is_some()
        || error.downcast_ref::<SeriesError>().is_some();
    if bad_usage { 2 } else { 1 }
}

/// True when both ends of the terminal are there.
pub fn interactive() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// Runs `session` in the dashboard, or headless if `headless` is asked for
/// or stdin/stdout is not a terminal; returns the report.
pub fn run(session: Session, options: &SessionOptions, headless: bool) -> anyhow::Result<Report> {
    let interactive = interactive();
    if !headless && !interactive {
        crate::stderr::note("pipetop: not a terminal, running headless (use --headless to say so)");
    }
    if headless || !interactive {
        headless::run(session, options)
    } else {
        tui::run(session, options)
    }
}
