//! The up-front capacity check through the binary: a scenario the machine
//! cannot hold is refused by `check` and by `run` with exit 2, before
//! anything starts, naming the numbers; a tick too short for its stages is
//! refused with the smallest allowed.

use std::fmt::Write as _;
use std::os::unix::process::CommandExt;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

fn scenario(stages: usize, workers: usize) -> tempfile::NamedTempFile {
    let mut text = String::from("[source]\nrate = 50\n");
    for i in 0..stages {
        let _ = write!(
            text,
            "[[stage]]\nname = \"s{i}\"\nworkers = {workers}\nservice = {{ dist = \"fixed\", mean = \"1ms\" }}\n"
        );
    }
    let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

/// The binary with its `ulimit -u` lowered to `threads`, so that the
/// refusal does not depend on how large this machine's limits are.
fn pipetop_with_thread_limit(threads: u64) -> Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pipetop"));
    // SAFETY: setrlimit is async-signal-safe; it runs in the child between
    // fork and exec, and only lowers the soft limit.
    unsafe {
        command.pre_exec(move || {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit.rlim_cur = threads.min(limit.rlim_max);
            if libc::setrlimit(libc::RLIMIT_NPROC, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut command = Command::from_std(command);
    command.timeout(Duration::from_secs(30));
    command
}

#[test]
fn a_hundred_stages_of_1024_workers_are_refused_by_check_and_run() {
    let file = scenario(100, 1024);
    let path = file.path().to_str().unwrap().to_owned();
    for args in [
        vec!["check", path.as_str()],
        vec!["run", path.as_str(), "--headless", "--duration", "1s"],
    ] {
        pipetop_with_thread_limit(50_000)
            .args(&args)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::starts_with(format!(
                "error: {path}: needs about 102403 threads"
            )))
            .stderr(predicate::str::contains("102403 threads > "))
            .stderr(predicate::str::contains(
                "left of the user's thread limit (50000 with",
            ))
            .stderr(predicate::str::contains("raise `ulimit -u`"))
            .stderr(predicate::str::contains(
                "100 stages, 102400 workers in all",
            ));
    }
}

#[test]
fn a_modest_scenario_under_a_tight_thread_limit_is_refused_and_a_demo_passes() {
    // Six threads cannot hold the steady demo's 32 workers, whatever else
    // this user runs.
    pipetop_with_thread_limit(6)
        .args(["run", "steady", "--headless", "--duration", "1s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "demos/steady.toml: needs about 35 threads",
        ));
    pipetop_with_thread_limit(u64::MAX)
        .args(["check", "steady"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "footprint: about 35 threads (32 workers)",
        ));
}

#[test]
fn a_tick_too_short_for_two_hundred_stages_is_refused_with_the_smallest_allowed() {
    let file = scenario(200, 1);
    pipetop_with_thread_limit(u64::MAX)
        .arg("run")
        .arg(file.path())
        .args(["--headless", "--tick", "10ms", "--duration", "1s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "200 stages and 200 workers cannot be sampled every 10ms: the smallest tick for them is",
        ))
        .stderr(predicate::str::contains("help: use --tick"));
}
