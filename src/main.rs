//! The `pipetop` binary: parses the command line and dispatches. Errors are
//! printed on stderr and mapped to exit codes here, in one place.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pipetop::scenario;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Validate a scenario file and print a summary of it.
    Check {
        /// A scenario .toml file or a built-in demo name.
        file: String,
    },
    /// List the built-in demos, one line each.
    Demos,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Check { file } => match scenario::load(&file) {
            Ok(s) => {
                print!("{}", scenario::check_summary(&s));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Demos => {
            let width = scenario::demos::all()
                .iter()
                .map(|d| d.name.len())
                .max()
                .unwrap_or(0);
            for d in scenario::demos::all() {
                println!("{:width$}  {}", d.name, d.description);
            }
            ExitCode::SUCCESS
        }
    }
}
