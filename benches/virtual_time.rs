//! Virtual-time speed (issue 17): item-stage services per second on one
//! core, headless, on a three-stage tandem, and the time a simulated day of
//! `steady` takes. Plain timing, no criterion: each figure is one long run.
//!
//! `cargo bench --bench virtual_time` (or with `-- tandem` / `-- steady24h`).
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
    }
}

/// Runs to the end; returns (wall time, services, snapshots).
fn run(mut sim: Simulation) -> (Duration, u64, u64) {
    let start = Instant::now();
    let mut snapshots = 0;
    while sim.next_snapshot().is_some() {
        snapshots += 1;
    }
    (start.elapsed(), sim.services(), snapshots)
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
        let (wall, services, snapshots) = run(sim);
        println!(
            "tandem, tick {tick_s} s: 1 simulated hour, {services} item-stage services, {snapshots} snapshots in {:.2} s: {:.2} M services/s",
            wall.as_secs_f64(),
            services as f64 / wall.as_secs_f64() / 1e6
        );
    }
}

/// A simulated day of the `steady` demo.
fn steady_day() {
    let s = scenario::load("steady").expect("demo");
    let day = Duration::from_secs(24 * 3600);
    let tick = Duration::from_secs(10);
    let (wall, services, snapshots) = run(Simulation::new(&s.pipeline, setup(day, tick)));
    println!(
        "steady, tick 10 s: 24 simulated hours, {services} item-stage services, {snapshots} snapshots in {:.1} s: {:.2} M services/s",
        wall.as_secs_f64(),
        services as f64 / wall.as_secs_f64() / 1e6
    );
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
