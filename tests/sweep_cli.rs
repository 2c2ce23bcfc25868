//! `pipetop sweep` from the command line: a grid of variants in virtual
//! time, judged by goals, the cheapest marked; bad --vary and --goal exit 2
//! with a message that says what to write.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn the_cheapest_variant_meeting_the_goal_is_marked_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("sweep.json");
    let out = cargo_bin_cmd!("pipetop")
        .args(["sweep", "steady", "--vary", "enrich.workers=2..5"])
        .args(["--goal", "p99<100ms", "--goal", "drops=0"])
        .args(["--replications", "2", "--duration", "15s", "--report"])
        .arg(&report)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    assert!(table.contains("enrich.workers=2"), "{table}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let variants = report["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 4);
    let cheapest = report["cheapest"]
        .as_u64()
        .expect("some variant meets the goals") as usize;
    // Fewest workers among those that meet every goal, and no cheaper one does.
    let workers = |v: &Value| v["workers_total"].as_u64().unwrap();
    for v in variants {
        if v["meets_goals"] == true {
            assert!(workers(v) >= workers(&variants[cheapest]));
        }
    }
    assert_eq!(variants[cheapest]["meets_goals"], true);
    // Two workers cannot keep up with 800/s at 4 ms: it misses the p99 goal.
    assert_eq!(variants[0]["meets_goals"], false);
    assert_eq!(variants[0]["bottleneck"], "enrich");
    let marked = table
        .lines()
        .find(|l| l.starts_with('*'))
        .expect("a marked line");
    let name = variants[cheapest]["vary"][0][1].as_str().unwrap();
    assert!(
        marked.contains(&format!("enrich.workers={name}")),
        "{table}"
    );
}

#[test]
fn the_same_sweep_gives_the_same_table() {
    let run = || {
        cargo_bin_cmd!("pipetop")
            .args(["sweep", "bottleneck", "--vary", "source.rate=400..800,400"])
            .args(["--vary", "enrich.queue=32,128", "--duration", "5s"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let first = run();
    assert_eq!(first, run());
    let table = String::from_utf8(first).unwrap();
    assert_eq!(
        table.lines().filter(|l| l.contains("source.rate=")).count(),
        4
    );
}

#[test]
fn bad_vary_and_goal_exit_2_saying_what_to_write() {
    for (args, says) in [
        (vec!["--vary", "enrch.workers=1..3"], "no stage `enrch`"),
        (vec!["--vary", "enrich.colour=1..3"], "no field `colour`"),
        (vec!["--vary", "enrich.workers=5..2"], "from low to high"),
        (vec!["--vary", "enrich.workers"], "no `=`"),
        (
            vec!["--vary", "enrich.workers=1..2", "--goal", "p99<soon"],
            "not a duration",
        ),
        (
            vec!["--vary", "enrich.workers=1..2", "--goal", "p98<5ms"],
            "not a goal's metric",
        ),
        (
            vec!["--vary", "enrich.workers=1..2", "--replications", "0"],
            "replications",
        ),
        (
            vec![
                "--vary",
                "enrich.workers=1..2",
                "--report",
                "/nonexistent/dir/r.json",
            ],
            "cannot write the sweep report",
        ),
    ] {
        cargo_bin_cmd!("pipetop")
            .args(["sweep", "steady", "--duration", "1s"])
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}
