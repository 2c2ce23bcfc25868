//! Turns what workers recorded into a [`Snapshot`] at each tick.
//!
//! The engine's control thread owns the sampler: it feeds it the workers'
//! flushes and, at each tick, the live gauges (queue lengths, pool targets),
//! and gets back an immutable snapshot. Counters are read terminal-first and
//! `generated` last: an item is generated before it can finish, so the
//! in-flight count read this way is never negative, and an item counted twice
//! or lost shows up as a wrong `in_flight` after the drain.

use super::bottleneck;
use super::checkpoint::Checkpoint;
use super::latency::WindowedLatency;
use super::process::ProcessProbe;
use super::recorder::{Flush, FlushOrigin};
use super::snapshot::{Backpressure, RunState, Snapshot, SourceSnapshot, StageSnapshot, Totals};
use super::stage_window::{WindowCounts, WindowTrail};
use super::time_account::StateTimes;
use super::worker_group::{GroupSample, SharedWorkerStats, WorkerGroup, utilization};
use crate::model::{Event, FailureView, QueuePolicy, Rate};

/// What the engine knows about a stage right now, beyond its workers.
#[derive(Debug, Clone, PartialEq)]
pub struct StageGauge {
    pub queue_len: usize,
    /// The area under the queue's length curve since the start, in
    /// item-nanoseconds, modulo 2^64 (only differences are read).
    pub queue_length_integral: u64,
    pub queue_capacity: Option<usize>,
    pub policy: QueuePolicy,
    pub workers_target: usize,
    pub slowdown: f64,
    /// A producer found the queue full since the last tick.
    pub hit_capacity: bool,
    pub failures: FailureView,
}

/// What the engine knows about the source right now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceGauge {
    pub rate: Rate,
    pub paused: bool,
    pub pending: u64,
    pub lag_ms: f64,
    /// Arrivals due and never admitted, once the source has stopped.
    pub unadmitted: u64,
}

/// The live state a tick is sampled from.
#[derive(Debug, Clone)]
pub struct TickInput<'a> {
    pub now_ns: u64,
    pub state: RunState,
    pub source: SourceGauge,
    pub stages: &'a [StageGauge],
    pub events: Vec<Event>,
}

#[derive(Debug)]
struct StageTrack {
    name: String,
    group: WorkerGroup,
    service: WindowedLatency,
    wait: WindowedLatency,
    queue_max: usize,
    /// The last `queue_length_integral` and the area summed from the
    /// differences, in item-seconds.
    last_length_integral: u64,
    queue_area: f64,
    window: WindowTrail,
    time_total: StateTimes,
    last_accepted: u64,
    last_processed: u64,
}

/// Builds snapshots from worker recordings and live gauges.
pub struct Sampler {
    tick: u64,
    last_ns: u64,
    source: WorkerGroup,
    last_generated: u64,
    stages: Vec<StageTrack>,
    end_to_end: WindowedLatency,
    checkpoint: Checkpoint,
    process: ProcessProbe,
    last_in_flight: u64,
}

impl Sampler {
    /// A sampler for stages named `names`, with a window of `window_secs`
    /// one-second histograms, whose ids start at `first_id`.
    pub fn new(names: &[String], window_secs: usize, first_id: u64) -> Self {
        Self {
            tick: 0,
            last_ns: 0,
            source: WorkerGroup::default(),
            last_generated: 0,
            stages: names
                .iter()
                .map(|name| StageTrack {
                    name: name.clone(),
                    group: WorkerGroup::default(),
                    service: WindowedLatency::new(window_secs),
                    wait: WindowedLatency::new(window_secs),
                    queue_max: 0,
                    last_length_integral: 0,
                    queue_area: 0.0,
                    window: WindowTrail::new(window_secs),
                    time_total: [0; 3],
                    last_accepted: 0,
                    last_processed: 0,
                })
                .collect(),
            end_to_end: WindowedLatency::new(window_secs),
            checkpoint: Checkpoint::starting_at(first_id),
            process: ProcessProbe::new(),
            last_in_flight: 0,
        }
    }

    /// Tracks the source thread's stats.
    pub fn track_source(&mut self, stats: SharedWorkerStats) {
        self.source.track(stats);
    }

    /// Tracks a new worker of stage `stage`.
    pub fn track_worker(&mut self, stage: usize, stats: SharedWorkerStats) {
        self.stages[stage].group.track(stats);
    }

    /// Merges one flush of recordings, made around `now_ns`.
    pub fn absorb(&mut self, flush: Flush, now_ns: u64) {
        let second = now_ns / 1_000_000_000;
        if let FlushOrigin::Stage(i) = flush.origin {
            let stage = &mut self.stages[i];
            stage.service.add(second, &flush.service);
            stage.wait.add(second, &flush.wait);
        }
        self.end_to_end.add(second, &flush.end_to_end);
        for &(start, len) in &flush.finished.runs {
            self.checkpoint.finish_run(start, len);
        }
    }

    /// Items in flight at the last snapshot.
    pub fn in_flight_at_last_tick(&self) -> u64 {
        self.last_in_flight
    }

    /// The snapshot at `input.now_ns`.
    pub fn sample(&mut self, input: TickInput<'_>) -> Snapshot {
        let now_ns = input.now_ns;
        let dt = (now_ns.saturating_sub(self.last_ns)) as f64 / 1e9;
        let per_second = |delta: u64| if dt > 0.0 { delta as f64 / dt } else { 0.0 };
        let second = now_ns / 1_000_000_000;

        // Terminal counters first (stages, and the source's drops), generated last.
        let groups: Vec<GroupSample> = self
            .stages
            .iter_mut()
            .map(|s| s.group.sample(now_ns))
            .collect();
        let source = self.source.sample(now_ns);

        let mut stages = Vec::with_capacity(groups.len());
        for (i, (track, gauge)) in self.stages.iter_mut().zip(input.stages).enumerate() {
            let own = &groups[i].counts;
            let producer = if i == 0 {
                &source.counts
            } else {
                &groups[i - 1].counts
            };
            let accepted = producer.pushed;
            let processed = own.pushed + own.dropped_next + own.completed;
            if gauge.hit_capacity
                && let Some(cap) = gauge.queue_capacity
            {
                track.queue_max = track.queue_max.max(cap);
            }
            track.queue_max = track.queue_max.max(gauge.queue_len);
            track.queue_area +=
                area_between(track.last_length_integral, gauge.queue_length_integral);
            track.last_length_integral = gauge.queue_length_integral;
            let elapsed_s = now_ns as f64 / 1e9;
            let now = groups[i].utilization();
            for (total, delta) in track.time_total.iter_mut().zip(groups[i].time) {
                *total += delta;
            }
            stages.push(StageSnapshot {
                name: track.name.clone(),
                workers: groups[i].live,
                workers_target: gauge.workers_target,
                queue_len: gauge.queue_len,
                queue_capacity: gauge.queue_capacity,
                queue_max: track.queue_max,
                queue_len_mean: if elapsed_s > 0.0 {
                    track.queue_area / elapsed_s
                } else {
                    0.0
                },
                window: track.window.record(
                    now_ns,
                    WindowCounts {
                        accepted,
                        processed: processed + own.dead_lettered,
                        dropped: producer.dropped_next + producer.evicted_next,
                    },
                    track.queue_area,
                ),
                policy: gauge.policy,
                in_service: groups[i].in_hand,
                in_rate: per_second(accepted.saturating_sub(track.last_accepted)),
                out_rate: per_second(processed.saturating_sub(track.last_processed)),
                accepted,
                processed,
                dropped: producer.dropped_next + producer.evicted_next,
                retried: own.retried,
                dead_lettered: own.dead_lettered,
                restarts: own.restarts,
                service_ms: track.service.latency(second),
                wait_ms: track.wait.latency(second),
                busy: now.busy,
                idle: now.idle,
                blocked: now.blocked,
                backpressure: Backpressure::from_blocked(now.blocked),
                utilization_total: utilization(&track.time_total),
                slowdown: gauge.slowdown,
                watermark: None,
                failures: gauge.failures.clone(),
            });
            track.last_accepted = accepted;
            track.last_processed = processed;
        }

        let completed = groups.last().map_or(0, |g| g.counts.completed);
        let dropped = stages.iter().map(|s| s.dropped).sum();
        let dead_lettered = stages.iter().map(|s| s.dead_lettered).sum();
        let generated = self.source.taken();
        let in_flight = generated.saturating_sub(completed + dropped + dead_lettered);

        let source_blocked = source.utilization().blocked;
        let source_backpressure = Backpressure::from_blocked(source_blocked);
        // A run that has ended limits nothing: its workers are gone and its
        // queues empty, whatever the last interval's blocked time says.
        let found = if input.state.is_final() {
            None
        } else {
            bottleneck::find(source_backpressure, &stages)
        };
        let bottleneck = found.map(|(i, _)| i);
        let bottleneck_reason =
            found.map(|(i, cause)| bottleneck::reason(source_blocked, &stages, i, cause));

        let snapshot = Snapshot {
            tick: self.tick,
            t_s: now_ns as f64 / 1e9,
            state: input.state,
            source: SourceSnapshot {
                rate: input.source.rate,
                paused: input.source.paused,
                source_pending: input.source.pending,
                source_lag_ms: input.source.lag_ms,
                out_rate: per_second(source.counts.pushed.saturating_sub(self.last_generated)),
                blocked: source_blocked,
                backpressure: source_backpressure,
            },
            totals: Totals {
                generated,
                completed,
                dropped,
                dead_lettered,
                in_flight,
                unadmitted: input.source.unadmitted,
            },
            checkpoint: self.checkpoint.watermark(),
            checkpoints: None,
            end_to_end_ms: self.end_to_end.latency(second),
            stages,
            bottleneck,
            bottleneck_reason,
            process: self.process.read(),
            drain_left_s: None,
            events: input.events,
        };
        self.last_in_flight = in_flight;
        self.tick += 1;
        self.last_ns = now_ns;
        self.last_generated = source.counts.pushed;
        snapshot
    }
}

/// Item-seconds between two readings of a queue's length integral (its
/// sums wrap, so the difference is taken modulo 2^64). The difference is
/// signed: a reading that catches an admission or a departure half done
/// (the sums and the length are separate atomics) comes out high by up to
/// `now` per item, and the next reading puts it right. Read unsigned, that
/// correction wrapped to ~2^64 and made `queue_len_mean` ~10^10.
fn area_between(earlier: u64, later: u64) -> f64 {
    later.wrapping_sub(earlier) as i64 as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::area_between;

    #[test]
    fn a_torn_reading_of_the_length_integral_is_undone_by_the_next() {
        // Readings in item-nanoseconds: 1 s of area, then one caught mid
        // admission 2 s in (2e9 too high), then the true 1.5 s.
        let readings = [u64::MAX - 10, 999_999_989, 3_000_000_000, 1_499_999_989];
        let area: f64 = readings.windows(2).map(|w| area_between(w[0], w[1])).sum();
        assert!((area - 1.5).abs() < 1e-9, "{area}");
        assert!(area_between(3_000_000_000, 1_499_999_989) < 0.0);
    }
}
