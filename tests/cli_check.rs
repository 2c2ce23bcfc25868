//! `pipetop check` and `pipetop demos`: exit codes and messages.

use assert_cmd::cargo::cargo_bin_cmd;
use pipetop::scenario::demos;
use predicates::prelude::*;

fn scenario_file(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

#[test]
fn check_accepts_every_demo_file() {
    for demo in demos::all() {
        cargo_bin_cmd!("pipetop")
            .args(["check", &format!("demos/{}.toml", demo.name)])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "ok, scenario `{}`",
                demo.name
            )))
            .stdout(predicate::str::contains("stage"));
    }
}

#[test]
fn check_accepts_a_demo_name() {
    cargo_bin_cmd!("pipetop")
        .args(["check", "bottleneck"])
        .assert()
        .success()
        .stdout(predicate::str::contains("demos/bottleneck.toml: ok"));
}

#[test]
fn check_rejects_an_unknown_key_with_exit_2_and_its_place() {
    let file = scenario_file(
        "[source]\nrate = 10\n\n[[stage]]\nname = \"a\"\nservice = { dist = \"exp\", mean = \"1ms\" }\nqueu = 5\n",
    );
    let origin = file.path().display().to_string();
    cargo_bin_cmd!("pipetop")
        .arg("check")
        .arg(file.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{origin}:7:1: `stage[0].queu` is not a known key"
        )))
        .stderr(predicate::str::contains("did you mean `queue`?"));
}

#[test]
fn check_rejects_a_bad_value_with_exit_2_and_its_place() {
    let file = scenario_file("[source]\nrate = \"fast\"\n");
    let origin = file.path().display().to_string();
    cargo_bin_cmd!("pipetop")
        .arg("check")
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{origin}:2:8: `source.rate` must be items per second or \"max\""
        )));
}

#[test]
fn check_rejects_an_empty_file_with_exit_2() {
    let file = scenario_file("");
    cargo_bin_cmd!("pipetop")
        .arg("check")
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":1:1: is an empty scenario"));
}

#[test]
fn check_rejects_a_missing_file_with_exit_2() {
    cargo_bin_cmd!("pipetop")
        .args(["check", "no/such/file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such/file.toml: cannot be read",
        ));
}

#[test]
fn demos_lists_every_demo_on_its_own_line() {
    let assert = cargo_bin_cmd!("pipetop").arg("demos").assert().success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), demos::all().len(), "{out}");
    for (line, demo) in lines.iter().zip(demos::all()) {
        assert!(line.starts_with(demo.name), "{line}");
        assert!(line.ends_with(&demo.description()), "{line}");
    }
    for name in ["steady", "burst", "bottleneck"] {
        assert!(out.contains(name), "{out}");
    }
}

#[test]
fn check_reports_a_bad_rate_profile_with_exit_2_and_its_place() {
    let file = scenario_file(
        "[source]\nrate = 10\n\n[[stage]]\nname = \"a\"\nservice = { dist = \"exp\", mean = \"1ms\" }\n\n[[timeline]]\nat = \"1s\"\ndo = \"sine\"\nmean = 100\namplitude = 150\nperiod = \"1m\"\nover = \"2m\"\n",
    );
    let origin = file.path().display().to_string();
    cargo_bin_cmd!("pipetop")
        .arg("check")
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{origin}:12:13: `timeline[0].amplitude` must be 0 or more and less than `mean`"
        )));
}

#[test]
fn check_counts_a_profile_s_steps_and_shows_the_memory_cap() {
    cargo_bin_cmd!("pipetop")
        .args(["check", "demos/diurnal.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("timeline: 187 commands"));
    cargo_bin_cmd!("pipetop")
        .args(["check", "unbounded-memory"])
        .assert()
        .success()
        .stdout(predicate::str::contains("memory cap: 64 MiB"));
}

#[test]
fn a_reader_that_went_away_ends_the_output_quietly() {
    // `pipetop demos | head -0`: the pipe is closed before anything is written.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .arg("demos")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn check_refuses_a_file_over_the_size_limit_without_reading_it_all() {
    // /dev/zero never ends: the check must stop at the limit.
    cargo_bin_cmd!("pipetop")
        .args(["check", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/dev/zero: is larger than 1024 KiB",
        ));
    let big = scenario_file(&format!("# {}\n", "x".repeat(1024 * 1024)));
    cargo_bin_cmd!("pipetop")
        .args(["check", big.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is larger than 1024 KiB"));
}

#[test]
fn check_refuses_a_stage_name_that_is_too_long_or_has_escapes_with_its_place() {
    let demo = std::fs::read_to_string("demos/steady.toml").unwrap();
    let long = "n".repeat(70_000);
    for (name, problem) in [
        (
            long.as_str(),
            "is 70000 characters long; a name has at most 64",
        ),
        (
            "\\u001b]0;pwned\\u0007",
            "must not contain control characters",
        ),
    ] {
        let text = demo.replacen("name = \"ingest\"", &format!("name = \"{name}\""), 1);
        assert_ne!(text, demo, "steady.toml has an `ingest` stage");
        let file = scenario_file(&text);
        let path = file.path().to_str().unwrap().to_string();
        let check = vec!["check", path.as_str()];
        let run = vec!["run", path.as_str(), "--headless", "--duration", "1s"];
        for args in [check, run] {
            cargo_bin_cmd!("pipetop")
                .args(args)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(problem))
                .stderr(predicate::str::contains(format!("{path}:37:")));
        }
    }
}

#[test]
fn escape_codes_in_a_description_or_lesson_never_reach_the_terminal() {
    let demo = std::fs::read_to_string("demos/steady.toml").unwrap();
    // Clear the screen, retitle the window, ring the bell.
    let hostile = "\\u001b[2J\\u001b]0;pwned\\u0007";
    let text = demo
        .replacen("description = \"", &format!("description = \"{hostile}"), 1)
        .replacen("lesson = \"\"\"", &format!("lesson = \"\"\"{hostile}"), 1);
    assert_ne!(text, demo);
    let file = scenario_file(&text);
    let path = file.path().to_str().unwrap().to_string();
    for args in [
        vec!["check", path.as_str()],
        vec!["run", path.as_str(), "--headless", "--duration", "1s"],
    ] {
        let output = cargo_bin_cmd!("pipetop").args(&args).output().unwrap();
        assert!(output.status.success(), "{output:?}");
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !stream.iter().any(|&b| b == 0x1b || b == 0x07),
                "{args:?} printed a raw control character"
            );
        }
        let all = String::from_utf8_lossy(&output.stderr) + String::from_utf8_lossy(&output.stdout);
        if args[0] == "check" {
            assert!(all.contains("\\u{1b}[2J"), "shown as an escape: {all}");
        }
    }
}

#[test]
fn a_scenario_without_a_memory_cap_gets_half_the_machine_s_memory() {
    let half_mib = pipetop::metrics::default_memory_cap().expect("Linux says its memory") >> 20;
    cargo_bin_cmd!("pipetop")
        .args(["check", "steady"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "memory cap: {half_mib} MiB (the default, half of this machine's memory"
        )));
    let session = pipetop::session::Session::from(pipetop::scenario::load("steady").unwrap());
    let cap = session.memory_cap.expect("the run has a cap");
    assert_eq!(
        cap >> 20,
        half_mib,
        "the run is held to the cap check shows"
    );
}

#[test]
fn memory_cap_none_or_the_command_line_overrides_the_default_cap() {
    use clap::Parser;
    use pipetop::cli::{Cli, Cmd};
    use pipetop::session::Session;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("uncapped.toml");
    std::fs::write(
        &file,
        "memory_cap = \"none\"\n[source]\nrate = 50\n[[stage]]\nname = \"a\"\nservice = { dist = \"fixed\", mean = \"1ms\" }\n",
    )
    .unwrap();
    let scenario = pipetop::scenario::load(file.to_str().unwrap()).unwrap();
    assert_eq!(Session::from(scenario).memory_cap, None, "no cap at all");
    cargo_bin_cmd!("pipetop")
        .arg("check")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("memory cap: none"));

    // The demo declares 64MiB; the command line wins, either way.
    let overridden = |cap: &str| {
        let Some(Cmd::Run(args)) =
            Cli::try_parse_from(["pipetop", "run", "unbounded-memory", "--memory-cap", cap])
                .unwrap()
                .command
        else {
            panic!("a run");
        };
        let mut scenario = pipetop::scenario::load(&args.scenario).unwrap();
        assert_eq!(Session::from(scenario.clone()).memory_cap, Some(64 << 20));
        args.override_scenario(&mut scenario);
        Session::from(scenario).memory_cap
    };
    assert_eq!(overridden("none"), None);
    assert_eq!(overridden("1GiB"), Some(1 << 30));

    cargo_bin_cmd!("pipetop")
        .args(["run", "steady", "--headless", "--memory-cap", "12MB"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ambiguous"));
}
