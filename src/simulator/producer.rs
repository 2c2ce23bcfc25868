//! The simulator's thread: it runs the simulation tick by tick, hands each
//! snapshot to the driver, and applies the operator's commands at the
//! current virtual time. At a finite speed it paces virtual time against
//! the wall (a tick of virtual time takes tick/speed of wall time); as
//! fast as possible, it stays at most a few snapshots ahead of whoever
//! reads them, so a long run's memory stays flat.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::engine::EngineFailure;
use crate::metrics::Snapshot;
use crate::model::Command;
use crate::session::Pace;

use super::simulation::Simulation;

/// Snapshots the simulation may run ahead of their reader.
const AHEAD: usize = 32;

/// The longest the thread waits before looking at the speed again.
const LOOK_AGAIN: Duration = Duration::from_millis(50);

/// Where virtual time stood at a wall instant, at the speed then.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    wall: Instant,
    virtual_ns: u64,
    speed: f64,
}

impl Anchor {
    fn at(virtual_ns: u64, speed: f64) -> Self {
        Self {
            wall: Instant::now(),
            virtual_ns,
            speed,
        }
    }

    /// The virtual time that corresponds to `wall`.
    fn virtual_at(&self, wall: Instant) -> u64 {
        let elapsed = wall.saturating_duration_since(self.wall).as_nanos() as f64;
        self.virtual_ns + (elapsed * self.speed) as u64
    }

    /// The wall instant when virtual time reaches `virtual_ns`.
    fn wall_at(&self, virtual_ns: u64) -> Instant {
        let ahead = virtual_ns.saturating_sub(self.virtual_ns) as f64 / self.speed;
        self.wall + Duration::from_nanos(ahead.min(1e18) as u64)
    }
}

/// Runs `sim` to its end; a panic in it becomes the run's failure.
pub fn run(
    mut sim: Simulation,
    pace: &Pace,
    commands: &Receiver<Command>,
    snapshots: &Sender<Arc<Snapshot>>,
) -> Result<(), EngineFailure> {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pace_run(&mut sim, pace, commands, snapshots);
    }));
    run.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        EngineFailure(format!("the simulator panicked: {message}"))
    })
}

fn pace_run(
    sim: &mut Simulation,
    pace: &Pace,
    commands: &Receiver<Command>,
    snapshots: &Sender<Arc<Snapshot>>,
) {
    let mut anchor = Anchor::at(0, pace.speed());
    loop {
        let speed = pace.speed();
        if speed != anchor.speed {
            // Virtual time goes on from where it stands, at the new speed.
            let here = if anchor.speed.is_finite() {
                anchor
                    .virtual_at(Instant::now())
                    .clamp(sim.now_ns(), sim.next_tick_ns())
            } else {
                sim.now_ns()
            };
            anchor = Anchor::at(here, speed);
        }
        if speed.is_finite() {
            let due = anchor.wall_at(sim.next_tick_ns());
            let now = Instant::now();
            if now < due {
                match commands.recv_deadline(due.min(now + LOOK_AGAIN)) {
                    Ok(command) => {
                        sim.advance_to(anchor.virtual_at(Instant::now()));
                        sim.command(command);
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    // The handle is gone: nobody reads the snapshots either.
                    Err(RecvTimeoutError::Disconnected) => sim.command(Command::Abort),
                }
                continue;
            }
        } else {
            while let Ok(command) = commands.try_recv() {
                sim.command(command);
            }
        }
        let Some(snapshot) = sim.next_snapshot() else {
            return;
        };
        let last = snapshot.state.is_final();
        if snapshots.send(Arc::new(snapshot)).is_err() || last {
            return;
        }
        // As fast as possible: once the reader is AHEAD behind, wait until
        // it has caught up to a quarter of that, taking commands meanwhile
        // (so each wake-up computes many snapshots, not one).
        let behind = snapshots.len() >= AHEAD;
        while behind && snapshots.len() > AHEAD / 4 && pace.speed().is_infinite() {
            match commands.recv_timeout(Duration::from_millis(1)) {
                Ok(command) => sim.command(command),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    sim.command(Command::Abort);
                    break;
                }
            }
        }
        if !speed.is_finite() {
            anchor = Anchor::at(sim.now_ns(), speed);
        }
    }
}
