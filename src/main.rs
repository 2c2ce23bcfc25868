//! The `pipetop` binary: parses the command line and dispatches. Errors are
//! printed on stderr and mapped to exit codes here, in one place:
//! 0 ok, 1 runtime failure, 2 bad usage or bad input.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use pipetop::cli::{Cli, Cmd, RunArgs, SweepArgs};
use pipetop::launch;
use pipetop::scenario::{self, ScenarioError};
use pipetop::session::{Pace, Session};
use pipetop::simulator;

fn main() -> ExitCode {
    match Cli::parse().command {
        None => run(RunArgs::default()),
        Some(Cmd::Run(args)) => run(args),
        Some(Cmd::Sweep(args)) => sweep(args),
        Some(Cmd::Check { file }) => match scenario::load(&file) {
            Ok(s) => print(&scenario::check_summary(&s)),
            Err(e) => bad_input(&e),
        },
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
    let session = if args.virtual_time {
        // Headless virtual runs go as fast as possible; the dashboard starts at 1×.
        let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        let headless = args.output.headless || !interactive;
        let speed = if headless { Pace::FASTEST } else { 1.0 };
        simulator::session(scenario, Pace::new(speed))
    } else {
        Session::from(scenario)
    };
    match launch::run(session, &options, args.output.headless) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            pipetop::stderr::note(format!("error: {e:#}"));
            ExitCode::from(launch::exit_status(&e))
        }
    }
}

fn sweep(args: SweepArgs) -> ExitCode {
    let mut scenario = match scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => return bad_input(&e),
    };
    if let Some(seed) = args.seed {
        scenario.pipeline.seed = seed;
    }
    let Some(duration) = args.duration.or(scenario.duration) else {
        return bad_usage(&format!(
            "scenario `{}` runs until stopped: give each run a length with --duration (e.g. --duration 60s)",
            scenario.name
        ));
    };
    let plan = pipetop::sweep::SweepPlan {
        scenario,
        varies: args.varies,
        goals: args.goals,
        replications: usize::from(args.replications),
        duration,
        tick: args.tick,
    };
    if let Err(e) = pipetop::sweep::check(&plan) {
        return bad_usage(&e);
    }
    // A report that cannot be written is found before the runs, not after.
    let mut report_file = match args.report.as_ref().map(std::fs::File::create).transpose() {
        Ok(file) => file,
        Err(e) => {
            let path = args.report.as_ref().map(|p| p.display().to_string());
            return bad_usage(&format!(
                "cannot write the sweep report to {}: {e}",
                path.unwrap_or_default()
            ));
        }
    };
    let report = pipetop::sweep::run(&plan, &|_, _| {});
    if let Some(file) = report_file.as_mut() {
        use std::io::Write;
        let written = serde_json::to_string_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|json| file.write_all((json + "\n").as_bytes()));
        if let Err(e) = written {
            pipetop::stderr::note(format!("error: cannot write the sweep report: {e}"));
            return ExitCode::from(1);
        }
    }
    print(&pipetop::sweep::table(&report))
}

fn bad_usage(message: &str) -> ExitCode {
    pipetop::stderr::note(format!("error: {message}"));
    ExitCode::from(2)
}

fn bad_input(error: &ScenarioError) -> ExitCode {
    pipetop::stderr::note(format!("error: {error}"));
    ExitCode::from(2)
}
