//! The `pipetop` binary: parses the command line and dispatches. Errors are
//! printed on stderr and mapped to exit codes here, in one place:
//! 0 ok, 1 runtime failure, 2 bad usage or bad input.

use std::process::ExitCode;

use clap::Parser;
use pipetop::cli::{Cli, Cmd, RunArgs};
use pipetop::flink;
use pipetop::launch;
use pipetop::scenario::{self, ScenarioError};
use pipetop::session::{Session, SessionOptions};

fn main() -> ExitCode {
    match Cli::parse().command {
        None => run(RunArgs::default()),
        Some(Cmd::Run(args)) => run(args),
        Some(Cmd::Check { file, on }) => match scenario::load(&file) {
            Ok(s) => match on.map(|_| flink::submit::check_timeline(&s.timeline)) {
                Some(Err(e)) => flink_failed(&e),
                Some(Ok(())) | None => print(&scenario::check_summary(&s)),
            },
            Err(e) => bad_input(&e),
        },
        Some(Cmd::Watch(args)) => {
            match flink::submit::watch_session(&args.url, args.job.as_deref()) {
                Ok(session) => launch_session(
                    session,
                    &args.output.session_options(),
                    args.output.headless,
                ),
                Err(e) => flink_failed(&e),
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
    if let Some(seed) = args.seed {
        scenario.pipeline.seed = seed;
    }
    let options = args.session_options();
    let session = match &args.on {
        Some(url) => match flink::submit::submit_session(url, scenario) {
            Ok(session) => session,
            Err(e) => return flink_failed(&e),
        },
        None => Session::from(scenario),
    };
    launch_session(session, &options, args.output.headless)
}

fn launch_session(session: Session, options: &SessionOptions, headless: bool) -> ExitCode {
    match launch::run(session, options, headless) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            pipetop::stderr::note(format!("error: {e:#}"));
            ExitCode::from(launch::exit_status(&e))
        }
    }
}

fn flink_failed(error: &flink::FlinkError) -> ExitCode {
    pipetop::stderr::note(format!("error: {error}"));
    ExitCode::from(if error.is_bad_usage() { 2 } else { 1 })
}

fn bad_input(error: &ScenarioError) -> ExitCode {
    pipetop::stderr::note(format!("error: {error}"));
    ExitCode::from(2)
}
