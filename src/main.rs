//! The `pipetop` binary: parses the command line and dispatches. Errors are
//! printed on stderr and mapped to exit codes here, in one place:
//! 0 ok, 1 runtime failure, 2 bad usage or bad input.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use pipetop::cli::{Cli, Cmd, CompareArgs, ReplayArgs, RunArgs, SweepArgs};
use pipetop::flink;
use pipetop::launch;
use pipetop::scenario::machine_limits::MachineLimits;
use pipetop::scenario::{self, ScenarioError, capacity};
use pipetop::session::{Pace, Session, SessionOptions};
use pipetop::simulator;
use pipetop::tui::replay::ReplayOptions;

fn main() -> ExitCode {
    match Cli::parse().command {
        None => run(RunArgs::default()),
        Some(Cmd::Run(args)) => run(*args),
        Some(Cmd::Sweep(args)) => sweep(args),
        Some(Cmd::Check { file, on }) => {
            let checked = scenario::load(&file).and_then(|s| {
                let footprint = capacity::check(&s, &MachineLimits::read(), 0)?;
                Ok((scenario::check_summary(&s, &footprint), s.timeline))
            });
            match checked {
                Ok((summary, timeline)) => {
                    match on.map(|_| flink::submit::check_timeline(&timeline)) {
                        Some(Err(e)) => flink_failed(&e),
                        Some(Ok(())) | None => print(&summary),
                    }
                }
                Err(e) => bad_input(&e),
            }
        }
        Some(Cmd::Replay(args)) => replay(&args),
        Some(Cmd::Compare(args)) => compare(&args),
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
    args.override_scenario(&mut scenario);
    if let Err(e) = scenario::apply_overrides(&mut scenario, &args.sets) {
        pipetop::stderr::note(format!("error: {e}"));
        return ExitCode::from(2);
    }
    let options = args.session_options();
    let session = if let Some(url) = &args.on {
        match flink::submit::submit_session(url, scenario) {
            Ok(session) => session,
            Err(e) => return flink_failed(&e),
        }
    } else if args.virtual_time {
        // Headless virtual runs go as fast as possible; the dashboard starts at 1×.
        let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        let headless = args.output.headless || !interactive;
        let speed = if headless { Pace::FASTEST } else { 1.0 };
        simulator::session(scenario, Pace::new(speed))
    } else {
        // What the machine cannot hold, or a tick it cannot keep, is
        // refused before anything starts.
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
        Session::from(scenario)
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

fn flink_failed(error: &flink::FlinkError) -> ExitCode {
    pipetop::stderr::note(format!("error: {error}"));
    ExitCode::from(if error.is_bad_usage() { 2 } else { 1 })
}

fn bad_input(error: &ScenarioError) -> ExitCode {
    pipetop::stderr::note(format!("error: {error}"));
    ExitCode::from(2)
}
