//! pipetop against a real Apache Flink cluster, started by the project's own
//! script (bound to 127.0.0.1, stopped by PID when the test ends). One test
//! runs every scenario in turn on one cluster: a cluster takes ~15 s to start.
//! Skipped, saying why, only when Java is absent.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use pipetop::engine::Command;
use pipetop::flink::submit::{submit_session, watch_session};
use pipetop::metrics::{Backpressure, RunState, Snapshot};
use pipetop::model::EventKind;
use pipetop::session::SessionOptions;
use pipetop::tui::{Action, App};

/// Not the default 8081, so a cluster of the user's is left alone.
const PORT: &str = "18381";
/// The most any one awaited change may take: Flink shows backpressure after
/// its buffers fill and rescales in ~17 s on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(120);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The cluster, stopped by the PIDs its script recorded when dropped.
struct Cluster {
    url: String,
}

impl Cluster {
    fn start() -> Self {
        let out = script("start");
        let url = String::from_utf8(out).unwrap().trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Self { url }
    }

    fn stop(&self) {
        script("stop");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn script(verb: &str) -> Vec<u8> {
    let out = Process::new(root().join("scripts/flink-cluster.sh"))
        .arg(verb)
        .env("PIPETOP_FLINK_PORT", PORT)
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/flink-cluster.sh runs");
    assert!(out.status.success(), "flink-cluster.sh {verb} failed");
    out.stdout
}

fn java_present() -> bool {
    Process::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Reads snapshots until one satisfies `pred`; fails after [`PATIENCE`]
/// or if the run ends first. Events seen on the way are kept in `events`.
fn until(
    snapshots: &Receiver<Arc<Snapshot>>,
    events: &mut Vec<EventKind>,
    what: &str,
    mut pred: impl FnMut(&Snapshot, &[EventKind]) -> bool,
) -> Arc<Snapshot> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let snapshot = snapshots
            .recv_deadline(deadline)
            .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
        events.extend(snapshot.events.iter().map(|e| e.kind.clone()));
        assert!(
            !snapshot.state.is_final(),
            "the run ended waiting for {what}"
        );
        if pred(&snapshot, events) {
            eprintln!("{:>6.1}s into the watch: {what}", snapshot.t_s);
            return snapshot;
        }
    }
}

fn options() -> SessionOptions {
    SessionOptions {
        tick: Duration::from_millis(250),
        ..SessionOptions::default()
    }
}

fn scenario(name: &str) -> pipetop::scenario::Scenario {
    let path: PathBuf = root().join("tests/flink").join(name);
    pipetop::scenario::load(path.to_str().unwrap()).expect("the test scenario loads")
}

#[test]
fn pipetop_watches_rescales_and_runs_scenarios_on_a_real_flink_cluster() {
    if !java_present() {
        eprintln!("skipped: Java is not installed, and Flink needs it");
        return;
    }
    let cluster = Cluster::start();
    let url = cluster.url.clone();

    // A job with a slow operator, submitted from a scenario; watched as any job.
    let slow_job = submit_session(&url, scenario("slow.toml")).expect("submits");
    drop(slow_job); // Not watched as a scenario: the job runs on.
    watch_shows_backpressure_and_rescales(&url);
    scenario_on_flink_shows_a_burst(&url);
    a_failing_stage_shows_flinks_restart(&url);
    a_submitted_job_does_not_outlive_a_killed_pipetop(&url);
    killed_cluster_ends_the_watch_with_a_message(&cluster);
}

fn watch_shows_backpressure_and_rescales(url: &str) {
    let session = watch_session(url, None).expect("the one running job is found");
    assert!(session.info.controls.refusal_of("crash").is_some());
    let info = session.info.clone();
    let (running, _) = session.start(&options());
    let snapshots = running.snapshots().clone();
    let mut events = Vec::new();

    // Stages: source, parse, slow (with its chained sink), with their parallelism.
    let seen = until(&snapshots, &mut events, "parse back-pressured", |s, _| {
        s.stages
            .get(1)
            .is_some_and(|p| p.backpressure == Backpressure::High)
    });
    let names: Vec<&str> = seen.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[0].starts_with("Source: "), "{names:?}");
    assert_eq!(names[1], "parse");
    assert!(names[2].starts_with("slow"), "{names:?}");
    let workers: Vec<usize> = seen.stages.iter().map(|s| s.workers).collect();
    assert_eq!(workers, [1, 2, 1]);
    assert!(seen.stages[1].blocked > 0.5);
    assert!(
        seen.stages[0].service_ms.unavailable,
        "no latency from Flink"
    );
    let seen = until(
        &snapshots,
        &mut events,
        "slow named the bottleneck",
        |s, _| s.bottleneck == Some(2),
    );
    assert!(seen.stages[2].busy > 0.5);
    // Announced as the engine announces it: the report sums up the time.
    until(&snapshots, &mut events, "the bottleneck told", |_, seen| {
        events_have(seen, "bottleneck")
    });

    // `+` on slow asks Flink for parallelism 2; the job restarts with it.
    let mut app = App::new(info);
    app.on_snapshot(seen.clone());
    app.apply(Action::SelectDown);
    app.apply(Action::SelectDown);
    let command = app.apply(Action::AddWorker).expect("+ sends a command");
    assert_eq!(command, Command::Workers { stage: 2, count: 2 });
    running.controller().send(command);
    let rescaled = until(&snapshots, &mut events, "slow at parallelism 2", |s, _| {
        s.stages[2].workers == 2
    });
    assert_eq!(rescaled.stages[2].workers_target, 2);
    assert!(
        events.iter().any(|e| e.word() == "workers"),
        "the request is in the event log: {events:?}"
    );
    // Flink's restart may fall between two looks; the new parallelism cannot.
    until(&snapshots, &mut events, "the rescale told", |_, seen| {
        events_have(seen, "rescaled")
    });

    // A key Flink cannot carry out says why.
    running.controller().send(Command::Crash { stage: 1 });
    until(&snapshots, &mut events, "crash refused", |_, seen| {
        events_have(seen, "crash")
    });
    running.controller().send(Command::Stop);
    let last = snapshots.iter().last().expect("a final snapshot");
    assert_eq!(last.state, RunState::Done);
    running.join().expect("watching ends cleanly");
}

fn events_have(events: &[EventKind], word: &str) -> bool {
    events.iter().any(|e| e.word() == word)
}

fn scenario_on_flink_shows_a_burst(url: &str) {
    let session = submit_session(url, scenario("burst.toml")).expect("submits");
    let (running, _) = session.start(&options());
    let snapshots = running.snapshots().clone();
    let mut events = Vec::new();
    let steady = until(&snapshots, &mut events, "the stages running", |s, _| {
        s.stages.iter().map(|s| s.workers).collect::<Vec<_>>() == [2, 1] && s.totals.generated > 0
    });
    let names: Vec<&str> = steady.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["parse", "score"]);
    // Two jobs run now: `watch` without --job lists them and exits 2.
    let several = Process::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["watch", url, "--headless"])
        .output()
        .expect("pipetop runs");
    let stderr = String::from_utf8_lossy(&several.stderr);
    assert_eq!(several.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pipetop: flink-slow") && stderr.contains("pipetop: flink-burst"),
        "{stderr}"
    );
    running.controller().send(Command::Burst { items: 20_000 });
    let burst = until(&snapshots, &mut events, "score's input full", |s, _| {
        s.stages[1].occupancy() >= 0.5 && s.stages[0].backpressure != Backpressure::Ok
    });
    assert!(events_have(&events, "burst"), "{events:?}");
    assert!(burst.totals.in_flight > 0);
    let t = burst.totals;
    assert_eq!(
        t.generated,
        t.completed + t.dropped + t.dead_lettered + t.in_flight
    );
    // The job stamps items with their birth: every stage has a watermark,
    // and score's, behind the filled buffers, lags. Checkpoints complete.
    let seen = until(
        &snapshots,
        &mut events,
        "watermarks and a checkpoint",
        |s, _| {
            s.stages.iter().all(|st| st.watermark.is_some())
                && s.checkpoints
                    .as_ref()
                    .is_some_and(|c| c.last_completed.is_some())
        },
    );
    let lag = seen.stages[1].watermark.expect("score's watermark").lag_ms;
    assert!(lag > 0.0, "score's watermark lags the wall clock: {lag} ms");
    let checkpoints = seen.checkpoints.clone().expect("checkpoints");
    let last = checkpoints.last_completed.as_ref().expect("one completed");
    assert!(
        checkpoints.completed >= 1 && last.id >= 1,
        "{checkpoints:?}"
    );
    assert_eq!(seen.checkpoint, last.id);
    running.controller().send(Command::Stop);
    let last = snapshots.iter().last().expect("a final snapshot");
    assert_eq!(last.state, RunState::Done);
    running.join().expect("the scenario run ends cleanly");
}

fn a_failing_stage_shows_flinks_restart(url: &str) {
    let session = submit_session(url, scenario("fail.toml")).expect("submits");
    let (running, _) = session.start(&options());
    let snapshots = running.snapshots().clone();
    let mut events = Vec::new();
    until(&snapshots, &mut events, "the job restarting", |_, seen| {
        events_have(seen, "job-restarting")
    });
    let restart = events
        .iter()
        .find(|e| e.word() == "job-restarting")
        .map(EventKind::message)
        .unwrap_or_default();
    assert!(
        restart.contains("pipetop: item") && restart.contains("in stage risky"),
        "{restart}"
    );
    running.controller().send(Command::Stop);
    assert!(
        snapshots
            .iter()
            .last()
            .is_some_and(|s| s.state == RunState::Done)
    );
    running.join().expect("the run ends cleanly");
}

/// pipetop killed with SIGKILL cannot cancel its job: the job's source sees
/// its owner's process gone (control_file.rs) and ends, so the job leaves
/// RUNNING by itself. Polled through the REST API up to [`PATIENCE`].
fn a_submitted_job_does_not_outlive_a_killed_pipetop(url: &str) {
    let scenario = root().join("tests/flink/orphan.toml");
    let mut child = Process::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", scenario.to_str().unwrap(), "--on", url, "--headless"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pipetop starts");
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut before = Vec::new();
    let live = lines.map_while(Result::ok).find(|l| {
        before.push(l.clone());
        l.contains("running")
    });
    assert!(
        live.is_some(),
        "pipetop run --on printed no progress: {before:?}"
    );
    let rest = pipetop::flink::rest::Rest::new(url).unwrap();
    let job = pipetop::flink::poll::live_jobs(&rest)
        .unwrap()
        .into_iter()
        .find(|j| j.name == "pipetop: flink-orphan" && j.state == "RUNNING")
        .expect("the submitted job runs");
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let killed = Instant::now();
    let deadline = killed + PATIENCE;
    let state = loop {
        let details: serde_json::Value = rest.get(&format!("/jobs/{}", job.jid)).unwrap();
        let state = details["state"].as_str().unwrap_or_default().to_string();
        if state != "RUNNING" || Instant::now() >= deadline {
            break state;
        }
        // A poll of the cluster's answer, bounded by the deadline.
        std::thread::sleep(Duration::from_millis(250));
    };
    // FINISHED: its source ended by itself (no one was left to cancel it).
    assert_eq!(
        state, "FINISHED",
        "the job outlived its killed pipetop: {state} after {PATIENCE:?}"
    );
    eprintln!(
        "{:>6.1}s after SIGKILL: the orphaned job {state}",
        killed.elapsed().as_secs_f64()
    );
}

fn killed_cluster_ends_the_watch_with_a_message(cluster: &Cluster) {
    let mut child = Process::new(env!("CARGO_BIN_EXE_pipetop"))
        .args([
            "watch",
            &cluster.url,
            "--headless",
            "--job",
            "pipetop: flink-slow",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pipetop starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // The watch is live once its first progress line is out.
    let mut before = Vec::new();
    let first = lines.by_ref().map_while(Result::ok).find(|l| {
        before.push(l.clone());
        l.contains("running")
    });
    assert!(
        first.is_some(),
        "pipetop watch printed no progress: {before:?}"
    );
    cluster.stop();
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let _ = tx.send(rest);
    });
    let Ok(rest) = rx.recv_timeout(PATIENCE) else {
        let _ = child.kill();
        panic!("pipetop watch hung after the cluster was killed");
    };
    let status = child.wait().unwrap();
    let text = rest.join("\n");
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("stopped answering"), "{text}");
}
