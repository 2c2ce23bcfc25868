//! Snapshots at virtual ticks: the recordings of the tick go to the same
//! [`Sampler`](crate::metrics::sampler::Sampler) the engine feeds, with the
//! gauges read from the simulation, so a virtual snapshot is built exactly
//! as a real one. CPU % does not apply in virtual time (it reads 0); the
//! RSS field carries the memory *model* instead, so that nothing of the
//! wall clock or the host reaches a virtual run's outputs.

use crate::metrics::checkpoint::FinishedIds;
use crate::metrics::latency::LatencyCounts;
use crate::metrics::recorder::{Flush, FlushOrigin};
use crate::metrics::sampler::{SourceGauge, StageGauge, TickInput};
use crate::metrics::{ProcessSnapshot, RunState, Snapshot};
use crate::model::{Event, EventKind};

use super::simulation::Simulation;

/// What a virtual run's process is taken to hold before any item: about
/// what the real process holds at the start.
pub const BASE_MEMORY_BYTES: u64 = 9 * 1024 * 1024;

/// What one item in flight is taken to cost: a queue slot and the
/// allocator's share, as measured for the real engine (see
/// demos/unbounded-memory.toml).
pub const BYTES_PER_ITEM: u64 = 40;

impl Simulation {
    /// Runs to the next tick (or to the end of the run, if sooner) and
    /// returns its snapshot; `None` once the final one was taken.
    pub fn next_snapshot(&mut self) -> Option<Snapshot> {
        if self.over {
            return None;
        }
        self.check_drained();
        if !self.state.is_final() {
            self.run_until(self.next_tick_ns);
        }
        Some(self.tick())
    }

    /// Carries out everything due up to `at_ns` (before the next tick),
    /// so that an operator's command can act at that virtual time.
    pub fn advance_to(&mut self, at_ns: u64) {
        if !self.state.is_final() {
            self.run_until(at_ns.min(self.next_tick_ns.saturating_sub(1)));
        }
    }

    /// The memory model: a base plus every item in flight.
    pub fn memory_estimate(&self) -> u64 {
        BASE_MEMORY_BYTES + self.in_flight() * BYTES_PER_ITEM
    }

    fn tick(&mut self) -> Snapshot {
        let now = self.now;
        for (i, stage) in self.stages.iter_mut().enumerate() {
            let flush = Flush {
                origin: FlushOrigin::Stage(i),
                service: stage.service_tally.take_counts(),
                wait: stage.wait_tally.take_counts(),
                end_to_end: LatencyCounts::default(),
                finished: FinishedIds::default(),
            };
            self.sampler.absorb(flush, now);
        }
        let flush = Flush {
            origin: FlushOrigin::Source,
            service: LatencyCounts::default(),
            wait: LatencyCounts::default(),
            end_to_end: self.end_to_end.take_counts(),
            finished: std::mem::take(&mut self.finished),
        };
        self.sampler.absorb(flush, now);

        let gauges: Vec<StageGauge> = self
            .stages
            .iter_mut()
            .map(|s| StageGauge {
                queue_len: s.queue_len(),
                queue_length_integral: s.length_integral(now),
                queue_capacity: s.capacity,
                policy: s.policy,
                workers_target: s.target,
                slowdown: s.slowdown,
                hit_capacity: std::mem::take(&mut s.hit_capacity),
                failures: s.failures(),
            })
            .collect();
        let (pending, lag_ms) = self.source_backlog();
        let source = SourceGauge {
            rate: self.rate,
            paused: self.state == RunState::Paused,
            pending,
            lag_ms,
            unadmitted: self.source.unadmitted,
        };
        let mut snapshot = self.sampler.sample(TickInput {
            now_ns: now,
            state: self.state,
            source,
            stages: &gauges,
            events: std::mem::take(&mut self.events),
        });
        snapshot.drain_left_s = self.drain_left_s();
        let derived = self.watch.events(&snapshot);
        snapshot.events.extend(derived);
        let rss = self.memory_estimate();
        snapshot.process = ProcessSnapshot {
            cpu_percent: 0.0,
            rss_bytes: rss,
            // Wall-clock cost would make reports differ run to run.
            tick_ms: 0.0,
        };
        if self.state.is_final() {
            self.over = true;
        } else if let Some(cap) = self.memory_cap
            && rss > cap
        {
            self.events.push(Event::new(
                now as f64 / 1e9,
                EventKind::MemoryCap {
                    rss_bytes: rss,
                    cap_bytes: cap,
                },
            ));
            self.abort();
        }
        while self.next_tick_ns <= now {
            self.next_tick_ns += self.tick_ns;
        }
        snapshot
    }

    /// Items due from the source and not admitted, and how late the
    /// oldest is, in ms (the held item counts).
    fn source_backlog(&self) -> (u64, f64) {
        if self.source.stopped {
            return (0, 0.0);
        }
        let (mut pending, mut oldest) = self.source.process.backlog(self.now);
        if let Some(held) = self.source.held {
            pending += 1;
            oldest = Some(oldest.map_or(held.born_ns, |o| o.min(held.born_ns)));
        }
        match oldest {
            Some(oldest) if pending > 0 => (pending, self.now.saturating_sub(oldest) as f64 / 1e6),
            _ => (0, 0.0),
        }
    }
}
