//! A seeded fuzz of the demo scenarios: dropped keys, wrong types, huge,
//! negative, NaN and infinite values, long and unicode names, out-of-order
//! timelines and hundreds of stages. Every outcome of `check` is a summary
//! or an error that names its place (file:line:col or the file), never a
//! panic; a sample of the accepted mutants runs briefly and ends with
//! conservation holding, through the library and through the binary
//! (exit 0, or 2 with a place: never a panic, a signal or a hang).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use pipetop::engine::Command;
use pipetop::scenario::machine_limits::MachineLimits;
use pipetop::scenario::{self, Scenario, capacity, demos};
use pipetop::session::Session;

/// A small deterministic generator (SplitMix64): same seed, same mutants.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Values that have broken parsers and engines elsewhere.
const HOSTILE: &[&str] = &[
    "-1",
    "0",
    "-0.0",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "1e-300",
    "99999999999999999999",
    "9223372036854775807",
    "\"\"",
    "\"x\"",
    "\"max\"",
    "\"18446744074s\"",
    "\"0ms\"",
    "\"-5s\"",
    "\"1ns\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "{ dist = \"exp\", mean = \"0s\" }",
    "{ dist = \"uniform\", min = \"5ms\", max = \"1ms\" }",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let i = rng.below(lines.len());
    match rng.below(7) {
        // Drop a line (a key, a table header).
        0 => {
            lines.remove(i);
        }
        // A hostile value for some key.
        1 | 2 => {
            let assignments: Vec<usize> = (0..lines.len())
                .filter(|&j| lines[j].contains(" = ") && !lines[j].trim_start().starts_with('#'))
                .collect();
            if let Some(&j) = assignments.get(rng.below(assignments.len().max(1))) {
                let key = lines[j].split(" = ").next().unwrap_or("").to_string();
                lines[j] = format!("{key} = {}", HOSTILE[rng.below(HOSTILE.len())]);
            }
        }
        // A long or unicode name.
        3 => {
            let name = match rng.below(3) {
                0 => "n".repeat(70_000),
                1 => "é€😀".repeat(30),
                _ => "\\u001b[2J".to_string(),
            };
            if let Some(j) = lines.iter().position(|l| l.starts_with("name = ")) {
                lines[j] = format!("name = \"{name}\"");
            }
        }
        // Hundreds of stages.
        4 => {
            let stage =
                "\n[[stage]]\nname = \"s{}\"\nservice = { dist = \"fixed\", mean = \"1ms\" }\n";
            let copies = 100 + rng.below(400);
            let extra: String = (0..copies)
                .map(|k| stage.replace("{}", &k.to_string()))
                .collect();
            lines.push(extra);
        }
        // A timeline entry out of order, or one far in the future.
        5 => {
            let at = ["\"-1s\"", "\"0s\"", "\"99years\"", "\"1s\""][rng.below(4)];
            lines.push(format!(
                "\n[[timeline]]\nat = {at}\ndo = \"burst\"\nitems = 5"
            ));
        }
        // Duplicate a line (a duplicate key).
        _ => {
            let line = lines[i].clone();
            lines.insert(i, line);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn mutated_demos_give_a_summary_or_a_located_error_never_a_panic() {
    let mut rng = Rng(20_261_203);
    let limits = MachineLimits::read();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for round in 0..1_500 {
        let demo = &demos::all()[round % demos::all().len()];
        let original = std::fs::read_to_string(format!("demos/{}.toml", demo.name)).unwrap();
        let mut text = mutate(&original, &mut rng);
        if rng.below(3) == 0 {
            text = mutate(&text, &mut rng);
        }
        let origin = format!("fuzz/{round}.toml");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            scenario::parse(&text, &origin).and_then(|s| {
                let footprint = capacity::check(&s, &limits, 0)?;
                let _ = scenario::check_summary(&s, &footprint);
                Ok(s)
            })
        }));
        match outcome {
            Err(_) => panic!("check panicked on mutant {round}:\n{text}"),
            Ok(Ok(s)) => accepted.push((s, text)),
            Ok(Err(e)) => {
                refused += 1;
                let message = e.to_string();
                assert!(
                    message.starts_with(&format!("{origin}:")),
                    "mutant {round}: an error without its place: {message}"
                );
            }
        }
    }
    assert!(
        refused > 100 && accepted.len() > 100,
        "{refused} refused, {} accepted",
        accepted.len()
    );
    // The runs include the mutants of hundreds of stages: those the machine
    // cannot drive were refused above (their hand-offs need more cores than
    // it has); the rest start, drain and join well inside the bounds below.
    let mut runnable = accepted;
    runnable.sort_by_key(|(s, _)| std::cmp::Reverse(s.pipeline.stages.len()));
    assert!(
        runnable[0].0.pipeline.stages.len() >= 100,
        "no mutant of hundreds of stages was accepted to run"
    );
    runs_through_the_binary(&runnable);
    // A sample of the accepted mutants runs, briefly, to its end.
    for (s, _) in runnable.into_iter().step_by(150).take(8) {
        let name = s.name.clone();
        // The shortest tick `run` would allow for this many stages.
        let footprint = capacity::estimate(&s, 0, 2 << 20);
        let tick = capacity::smallest_tick(&footprint).max(Duration::from_millis(20));
        let session = Session::from(s);
        let options = pipetop::session::SessionOptions {
            tick,
            ..Default::default()
        };
        let (running, _) = session.start(&options);
        let controller = running.controller();
        let mut last = None;
        for snapshot in running.snapshots().iter() {
            let t = snapshot.totals;
            assert_eq!(
                t.generated,
                t.completed + t.dropped + t.dead_lettered + t.in_flight,
                "{name}"
            );
            if snapshot.t_s >= 0.3 {
                controller.send(Command::Abort);
            }
            last = Some(snapshot);
        }
        running.join().expect("the engine ran to its end");
        assert!(last.expect("a final snapshot").state.is_final(), "{name}");
    }
}

/// A sample of accepted mutants runs through the real binary for 300 ms:
/// each ends with exit 0 and a report that holds conservation, or exit 2
/// with an error naming the file (what the machine cannot hold, say);
/// never a panic (101), a signal or a hang (the timeout fails the test).
fn runs_through_the_binary(accepted: &[(Scenario, String)]) {
    let dir = tempfile::tempdir().unwrap();
    // The two of the most stages (first, as sorted), then a spread.
    let sample: Vec<_> = accepted
        .iter()
        .take(2)
        .chain(
            accepted
                .iter()
                .skip(2)
                .step_by((accepted.len() / 10).max(1))
                .take(10),
        )
        .enumerate()
        .map(|(k, (_, text))| {
            let file = dir.path().join(format!("mutant{k}.toml"));
            std::fs::write(&file, text).unwrap();
            let report = dir.path().join(format!("mutant{k}.json"));
            let errors = dir.path().join(format!("mutant{k}.err"));
            let child = std::process::Command::new(env!("CARGO_BIN_EXE_pipetop"))
                .arg("run")
                .arg(&file)
                // The drain is bounded too: ten runs share two cores, and a
                // mutant of many stages drains slowly under that load.
                .args(["--headless", "--duration", "300ms", "--drain-timeout", "5s"])
                .arg("--report")
                .arg(&report)
                .stdout(std::process::Stdio::null())
                // A file, not a pipe: a pipe nobody reads while the run
                // lasts fills (a 70 000-character name in progress lines)
                // and blocks the child.
                .stderr(std::fs::File::create(&errors).unwrap())
                .spawn()
                .unwrap();
            (file, report, errors, child, text)
        })
        .collect();
    for (file, report, errors, child, text) in sample {
        let status = wait_at_most(child, Duration::from_secs(60), &file);
        let stderr = std::fs::read_to_string(&errors).unwrap_or_default();
        match status.code() {
            // 1 only for a run its declared limits cut short (the drain
            // timeout, the memory cap): its report is written all the same.
            Some(code @ (0 | 1)) => {
                assert!(
                    code == 0 || stderr.contains("the run was cut short"),
                    "{} ended with 1 but not by a limit: {stderr}\n{text}",
                    file.display()
                );
                let report: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
                let t = &report["totals"];
                let n = |k: &str| t[k].as_u64().unwrap();
                assert_eq!(
                    n("generated"),
                    n("completed") + n("dropped") + n("dead_lettered") + n("in_flight"),
                    "conservation in the report of {}",
                    file.display()
                );
            }
            Some(2) => assert!(
                stderr.contains(&format!("error: {}:", file.display())),
                "exit 2 without the file's place: {stderr}\n{text}"
            ),
            code => panic!(
                "{} ended with {code:?} (a signal, or a panic at 101): {stderr}\n{text}",
                file.display()
            ),
        }
    }
}

/// The child's exit status, or a failure naming the mutant if it takes
/// longer than `limit` (it is killed first, so a hang never blocks the suite).
fn wait_at_most(
    mut child: std::process::Child,
    limit: Duration,
    file: &std::path::Path,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} hung: no exit after {limit:?}", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
