//! When the engine itself fails: a worker thread the OS refuses to start
//! is an event and the run goes on; a panic in the control thread ends the
//! run as failed, in the driver's result and in the report.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use pipetop::engine::{
    Command, IterSource, Pipeline, RunOptions, Spawn, Spawner, StageConfig, ThreadBody,
    TimedCommand, WorkError,
};
use pipetop::model::EventKind;
use pipetop::session::{Session, SessionOptions};

/// The OS's threads, except that a thread whose name starts with `refused`
/// is refused once `allowed` of them have started.
struct RefusingAfter {
    refused: &'static str,
    allowed: usize,
    started: AtomicUsize,
}

impl Spawn for RefusingAfter {
    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<JoinHandle<()>> {
        if name.starts_with(self.refused)
            && self.started.fetch_add(1, Ordering::SeqCst) >= self.allowed
        {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "Resource temporarily unavailable",
            ));
        }
        std::thread::Builder::new().name(name).spawn(body)
    }
}

/// A spawner that panics (on the thread that asks) when asked for a
/// thread whose name starts with `fatal`.
struct PanickingOn(&'static str);

impl Spawn for PanickingOn {
    fn spawn(&self, name: String, body: ThreadBody) -> io::Result<JoinHandle<()>> {
        assert!(!name.starts_with(self.0), "injected fault spawning {name}");
        std::thread::Builder::new().name(name).spawn(body)
    }
}

fn two_stages(items: u32) -> Pipeline {
    Pipeline::from_source(IterSource::new(0..items))
        .stage(StageConfig::new("a").workers(2).queue(64), |n: &u32| {
            Ok::<_, WorkError>(*n)
        })
        .stage(StageConfig::new("b").workers(3).queue(64), |n: &u32| {
            Ok::<_, WorkError>(*n)
        })
        .sink(|_| {})
}

#[test]
fn a_refused_worker_thread_is_an_event_and_the_run_goes_on() {
    let spawner = Spawner::new(RefusingAfter {
        refused: "pipetop:b#",
        allowed: 1,
        started: AtomicUsize::new(0),
    });
    let options = RunOptions {
        tick: Duration::from_millis(10),
        spawner,
        ..RunOptions::default()
    };
    let running = two_stages(5_000).start(options);
    let snapshots: Vec<_> = running.snapshots().iter().collect();
    running
        .join()
        .expect("a refused worker is not an engine failure");
    let last = snapshots.last().expect("a final snapshot");
    assert!(last.state.is_final());
    let t = last.totals;
    assert_eq!(t.completed, 5_000, "{t:?}");
    assert_eq!(t.in_flight, 0);
    let refused: Vec<_> = snapshots
        .iter()
        .flat_map(|s| &s.events)
        .filter_map(|e| match &e.kind {
            EventKind::SpawnRefused { stage, running, .. } => Some((stage.name.clone(), *running)),
            _ => None,
        })
        .collect();
    assert_eq!(refused, [("b".to_string(), 1)], "one event: b stays at 1");
    assert_eq!(last.stages[1].workers_target, 1);
}

#[test]
fn a_panic_in_the_control_thread_fails_the_run_and_marks_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    // The timeline asks for a third worker of `a`: the control thread
    // panics while it starts the thread.
    let mut session = Session::new("fault", two_stages(u32::MAX))
        .spawner(Spawner::new(PanickingOn("pipetop:a#2")));
    session.info.timeline = vec![TimedCommand {
        at: Duration::from_millis(100),
        command: Command::Workers { stage: 0, count: 3 },
        note: None,
    }];
    let options = SessionOptions {
        tick: Duration::from_millis(20),
        report: Some(report_path.clone()),
        ..SessionOptions::default()
    };
    let error = pipetop::headless::run(session, &options).expect_err("the engine failed");
    assert_eq!(pipetop::launch::exit_status(&error), 1, "a runtime failure");
    let message = format!("{error:#}");
    assert!(
        message.contains("the control thread panicked: injected fault spawning pipetop:a#2"),
        "{message}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let failure = report["failure"]
        .as_str()
        .expect("the report says it failed");
    assert!(failure.contains("control thread panicked"), "{failure}");
    assert_ne!(
        report["state"], "done",
        "a failed run is not a finished one"
    );
}

#[test]
fn a_scripted_crash_names_the_timeline_as_its_cause() {
    let pipeline = Pipeline::from_source(IterSource::new(0..u32::MAX))
        .stage(StageConfig::new("a").workers(1), |n: &u32| {
            std::thread::sleep(Duration::from_micros(200));
            Ok::<_, WorkError>(*n)
        })
        .sink(|_| {});
    let options = RunOptions {
        tick: Duration::from_millis(10),
        timeline: vec![
            TimedCommand {
                at: Duration::from_millis(20),
                command: Command::Crash { stage: 0 },
                note: None,
            },
            TimedCommand {
                at: Duration::from_millis(200),
                command: Command::Stop,
                note: None,
            },
        ],
        ..RunOptions::default()
    };
    let running = pipeline.start(options);
    let snapshots: Vec<_> = running.snapshots().iter().collect();
    running.join().expect("the engine ran to its end");
    let last = snapshots.last().unwrap();
    let causes: Vec<&str> = last.stages[0]
        .failures
        .recent
        .iter()
        .map(|f| f.error.as_str())
        .collect();
    assert_eq!(causes, ["worker crashed by the timeline"]);
}
