//! Virtual time: a scenario run as a discrete-event simulation, with the
//! same meaning as the real engine and the same [`Snapshot`] stream, so
//! the dashboard, the headless summary and every output work unchanged
//! (`pipetop run --virtual`). Nothing here waits for service times: a
//! simulated hour takes as long as its events take to compute.
//!
//! - [`simulation`]: the event queue and what workers and the source do;
//!   [`commands`](self) and ticks are impl blocks of the same type.
//! - Arrival and service times come from the same code the engine's
//!   simulated source and stages use ([`crate::model::arrival_process`],
//!   [`crate::model::service_time`], drawn per attempt in `service`), from
//!   the same seed.
//! - `cpu`: processor sharing for `spin` stages over `cores`.
//! - `producer`: the thread that paces virtual time against the wall
//!   (the dashboard's speed keys) and hands snapshots to the driver.
//!
//! Imports: model, metrics, session, scenario, and of the engine only the
//! producer seam (`RunningPipeline::spawn_producer`, `RunOptions`,
//! `EngineFailure`, `Spawner`). Nothing below imports this module.

mod commands;
mod cpu;
mod producer;
mod service;
pub mod simulation;
mod stage;
mod tick;

use crate::engine::{RunOptions, RunningPipeline};
use crate::model::PipelineSpec;
use crate::scenario::Scenario;
use crate::session::{Pace, Producer, RunClock, Session, StartProducer};

pub use simulation::{SimSetup, Simulation};
pub use stage::WaitStats;
pub use tick::{BASE_MEMORY_BYTES, BYTES_PER_ITEM};

/// Why a session cannot run in virtual time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is a library pipeline: its stages run your own code, which cannot be simulated; \
     --virtual applies to scenarios (a .toml file or a built-in demo) only"
)]
pub struct NotSimulable(pub String);

/// This machine's core count: what `spin` stages share unless the
/// scenario says `cores`.
pub fn machine_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A scenario's session in virtual time, paced by `pace`.
pub fn session(scenario: Scenario, pace: Pace) -> Session {
    let cores = scenario.cores.unwrap_or_else(machine_cores);
    virtualize(Session::from(scenario), cores, pace)
        .expect("a scenario's session carries its pipeline spec")
}

/// Turns a scenario's session into a virtual-time one, with `cores` for
/// its `spin` stages; a library pipeline (user code) is refused.
pub fn virtualize(mut session: Session, cores: usize, pace: Pace) -> Result<Session, NotSimulable> {
    let Some(spec) = session.info.spec.clone() else {
        return Err(NotSimulable(session.info.name.clone()));
    };
    session.producer = Producer::Other(Box::new(VirtualRun {
        spec,
        cores,
        pace: pace.clone(),
    }));
    session.info.clock = RunClock::Virtual(pace);
    Ok(session)
}

/// The setup a run's options ask for.
pub fn setup(options: &RunOptions, cores: usize) -> SimSetup {
    SimSetup {
        tick: options.tick,
        window_secs: options.window_secs,
        timeline: options.timeline.clone(),
        stop_after: options.stop_after,
        memory_cap: options.memory_cap,
        cores,
        drain_timeout: options.drain_timeout,
    }
}

/// A virtual-time run waiting to start.
struct VirtualRun {
    spec: PipelineSpec,
    cores: usize,
    pace: Pace,
}

impl StartProducer for VirtualRun {
    fn start(self: Box<Self>, options: RunOptions) -> RunningPipeline {
        let names = self.spec.stages.iter().map(|s| s.name.clone()).collect();
        let spawner = options.spawner.clone();
        RunningPipeline::spawn_producer(
            "pipetop:simulator",
            names,
            &spawner,
            move |commands, snapshots| {
                let sim = Simulation::new(&self.spec, setup(&options, self.cores));
                producer::run(sim, &self.pace, &commands, &snapshots)
            },
        )
    }
}
