//! The `pipetop` binary: parses the command line and dispatches. Errors are
//! printed on stderr and mapped to exit codes here, in one place:
//! 0 ok, 1 runtime failure, 2 bad usage or bad input.

use std::process::ExitCode;

use clap::Parser;
use pipetop::cli::{Cli, Cmd, CompareArgs, ReplayArgs, RunArgs};
use pipetop::launch;
use pipetop::scenario::machine_limits::MachineLimits;
use pipetop::scenario::{self, ScenarioError, capacity};
use pipetop::session::{Session, SessionOptions};
use pipetop::tui::replay::ReplayOptions;

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
        Some(Cmd::Replay(args)) => replay(&args),
        Some(Cmd::Compare(args)) => compare(&args),
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
    if let Err(e) = scenario::apply_overrides(&mut scenario, &args.sets) {
        pipetop::stderr::note(format!("error: {e}"));
        return ExitCode::from(2);
    }
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

fn replay(args: &ReplayArgs) -> ExitCode {
    let options = ReplayOptions {
        screenshot: args.screenshot.clone(),
        at: args.at.unwrap_or_default(),
        size: SessionOptions::default().screenshot_size,
        speed: args.speed,
    };
    if let Err(e) = pipetop::replay::SeriesReader::open(&args.file) {
        pipetop::stderr::note(format!("error: {e}"));
        return ExitCode::from(2);
    }
    if options.screenshot.is_none() && !launch::interactive() {
        pipetop::stderr::note(
            "error: replay draws the dashboard and needs a terminal; \
             for a frame without one use --screenshot FILE.svg --at DUR",
        );
        return ExitCode::from(2);
    }
    match pipetop::tui::replay::run(&args.file, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            pipetop::stderr::note(format!("error: {e:#}"));
            ExitCode::from(launch::exit_status(&e))
        }
    }
}

fn compare(args: &CompareArgs) -> ExitCode {
    use pipetop::replay::{RunSummary, comparison};
    let read = |path: &std::path::Path| RunSummary::read(path);
    let (a, b) = match (read(&args.a), read(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            pipetop::stderr::note(format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&comparison::report(&a, &b)).unwrap_or_default();
        if let Err(e) = std::fs::write(path, json + "\n") {
            pipetop::stderr::note(format!(
                "error: cannot write the report {}: {e}",
                path.display()
            ));
            return ExitCode::from(2);
        }
    }
    if args.headless || !launch::interactive() {
        return print(&comparison::table(&a, &b));
    }
    match pipetop::tui::compare::run(&args.a, &args.b) {
        Ok(()) => ExitCode::SUCCESS,
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
