//! Virtual-time speed (issue 17): item-stage services per second on one
//! core, headless, on a three-stage tandem, and the time a simulated day of
//! `steady` takes. Plain timing, no criterion: each figure is one long run.
//!
//! `cargo bench --bench virtual_time` (or with `-- tandem` / `-- steady24h`).
//! Each line gives wall and this thread's CPU time: on a shared machine the
//! wall time is only an upper bound.
//! Figures go in docs/PERFORMANCE.md.

use std::time::{Duration, Instant};

use pipetop::model::{
    Arrivals, PipelineSpec, QueueCapacity, Rate, ServiceDist, SourceSpec, StageSpec,
};
use pipetop::scenario;
use pipetop::simulator::{SimSetup, Simulation};

fn setup(stop_after: Duration, tick: Duration) -> SimSetup {
    SimSetup {
        tick,
        window_secs: 5,
        timeline: Vec::new(),
        stop_after: Some(stop_after),
        memory_cap: None,
        cores: 1,
        drain_timeout: None,
    }
}

/// CPU time this thread has used (user + system): on a shared machine
/// the figure that wall time only bounds.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// What one run took.
struct Took {
    wall: Duration,
    cpu: Duration,
    services: u64,
    snapshots: u64,
}

impl Took {
    /// "in W s wall, C s CPU: R M services/s (CPU)"
    fn line(&self) -> String {
        format!(
            "{} item-stage services, {} snapshots in {:.2} s wall, {:.2} s CPU: {:.2} M services/s of CPU",
            self.services,
            self.snapshots,
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64(),
            self.services as f64 / self.cpu.as_secs_f64() / 1e6
        )
    }
}

/// Runs to the end on this thread.
fn run(mut sim: Simulation) -> Took {
    let (start, cpu) = (Instant::now(), thread_cpu());
    let mut snapshots = 0;
    while sim.next_snapshot().is_some() {
        snapshots += 1;
    }
    Took {
        wall: start.elapsed(),
        cpu: thread_cpu() - cpu,
        services: sim.services(),
        snapshots,
    }
}

/// ciw's three-stage tandem: Poisson arrivals, exponential service, one
/// worker each, ρ = 0.8 at every stage.
fn tandem() {
    let exp = ServiceDist::Exp {
        mean: Duration::from_micros(800),
    };
    let spec = PipelineSpec {
        seed: 1,
        source: SourceSpec {
            rate: Rate::PerSecond(1000.0),
            arrivals: Arrivals::Poisson,
            burst: 0,
        },
        stages: ["a", "b", "c"]
            .map(|name| StageSpec {
                queue: QueueCapacity::Bounded(256),
                ..StageSpec::new(name, exp)
            })
            .to_vec(),
    };
    // The core alone (one snapshot per simulated hour), then with the
    // snapshots a run makes at the CLI's slowest and default ticks.
    for tick_s in [3600.0, 10.0, 0.25] {
        let tick = Duration::from_secs_f64(tick_s);
        let sim = Simulation::new(&spec, setup(Duration::from_secs(3600), tick));
        println!(
            "tandem, tick {tick_s} s: 1 simulated hour, {}",
            run(sim).line()
        );
    }
}

/// Simulated hours of the `steady` demo (`PIPETOP_BENCH_HOURS`, default
/// 2, so the bench stays near a minute; a day is 12 times this) at the
/// default tick and at 10 s.
fn steady_day() {
    let s = scenario::load("steady").expect("demo");
    let hours: u64 = std::env::var("PIPETOP_BENCH_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(2);
    for tick_s in [0.25, 10.0] {
        let tick = Duration::from_secs_f64(tick_s);
        let took = run(Simulation::new(
            &s.pipeline,
            setup(Duration::from_secs(hours * 3600), tick),
        ));
        println!(
            "steady, tick {tick_s} s: {hours} simulated hours, {}; a day: {:.1} s CPU",
            took.line(),
            took.cpu.as_secs_f64() * 24.0 / hours as f64
        );
    }
}

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if wants("tandem") {
        tandem();
    }
    if wants("steady24h") {
        steady_day();
    }
}
