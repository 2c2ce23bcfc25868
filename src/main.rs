//! The `pipetop` binary: parses the command line and dispatches. Errors are
//! printed on stderr and mapped to exit codes here, in one place:
//! 0 ok, 1 runtime failure, 2 bad usage or bad input.

use std::process::ExitCode;

use clap::Parser;
use pipetop::cli::{Cli, Cmd, RunArgs};
use pipetop::launch;
use pipetop::scenario::machine_limits::MachineLimits;
use pipetop::scenario::{self, ScenarioError, capacity};
use pipetop::session::Session;

fn main() -> ExitCode {
    match Cli::parse().command {
        None => run(RunArgs::default()),
        Some(Cmd::Run(args)) => run(*args),
        Some(Cmd::Check { file }) => {
            let checked = scenario::load(&file).and_then(|s| {
                let footprint = capacity::check(&s, &MachineLimits::read(), 0)?;
                Ok(scenario::check_summary(&s, &footprint))
            });
            match checked {
                Ok(summary) => print(&summary),
                Err(e) => bad_input(&e),
            }
        }
        Some(Cmd::Demos) => {
            let demos = scenario::demos::all();
            let width = demos.iter().map(|d| d.name.len()).max().unwrap_or(0);
            let listing: String = demos
                .iter()
                .map(|d| format!("{:width$}  {}\n", d.name, d.description()))
                .collect();
            print(&listing)
        }
    }
}

/// Prints a command's result; a failure to write it is a runtime failure.
fn print(text: &str) -> ExitCode {
    match pipetop::stdout::print(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            pipetop::stderr::note(format!("error: cannot write to standard output: {e}"));
            ExitCode::from(1)
        }
    }
}

fn run(args: RunArgs) -> ExitCode {
    let mut scenario = match scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => return bad_input(&e),
    };
    args.override_scenario(&mut scenario);
    let options = args.session_options();
    // What the machine cannot hold, or a tick it cannot keep, is refused
    // before anything starts.
    let exporter = if options.prometheus.is_some() {
        capacity::EXPORTER_THREADS
    } else {
        0
    };
    let fits = capacity::check(&scenario, &MachineLimits::read(), exporter)
        .and_then(|footprint| capacity::refuse_short_tick(&scenario, &footprint, options.tick));
    if let Err(e) = fits {
        return bad_input(&e);
    }
    let session = Session::from(scenario);
    match launch::run(session, &options, args.output.headless) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            pipetop::stderr::note(format!("error: {e:#}"));
            ExitCode::from(launch::exit_status(&e))
        }
    }
}

fn bad_input(error: &ScenarioError) -> ExitCode {
    pipetop::stderr::note(format!("error: {error}"));
    ExitCode::from(2)
}
