//! The discrete-event core: virtual time, the event queue (a binary heap
//! ordered by time, then by scheduling order, so equal times resolve the
//! same way on every run), and what workers and the source do when their
//! events come due. Commands are in `commands`, sampling in `tick`.
//!
//! Semantics follow the real engine (see docs/virtual-time.md):
//! - an item waits in a stage's queue from its admission to its taking;
//! - a worker whose next queue is full (under `block`) holds its item,
//!   blocked, until room frees, first come first served; that time is its
//!   blocked time, not the item's wait at the next stage;
//! - the source blocked on the first queue holds one item; arrivals keep
//!   coming due behind it (`source_pending`), born when they were due;
//! - a failed attempt is retried after a back-off of 1 ms per attempt (at
//!   most 50 ms, counted busy), a panic restarts the worker, the last
//!   failure dead-letters the item;
//! - workers retire and take crash orders between items.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_utils::CachePadded;

use crate::metrics::RunState;
use crate::metrics::checkpoint::FinishedIds;
use crate::metrics::derived_events::EventWatch;
use crate::metrics::latency_tally::LatencyTally;
use crate::metrics::sampler::Sampler;
use crate::metrics::time_account::WorkerState;
use crate::metrics::worker_group::SharedWorkerStats;
use crate::metrics::worker_stats::WorkerStats;
use crate::model::arrival_process::{ArrivalProcess, MAX_RATE_GAP_NS, MaxSpacing};
use crate::model::{Command, Event, FailKind, Failure, PipelineSpec, Rate, TimedCommand, WorkMode};

use super::cpu::Cores;
use super::service::draw;
use super::stage::{Phase, Producer, SimItem, SimStage, SimWorker, WaitStats};

/// The longest a failed attempt waits before the retry (as in the engine).
const MAX_BACKOFF_NS: u64 = 50_000_000;

/// How a virtual run is sampled and scripted.
#[derive(Debug, Clone)]
pub struct SimSetup {
    /// Virtual time between snapshots.
    pub tick: Duration,
    /// Seconds in the windowed percentiles.
    pub window_secs: usize,
    /// Commands at given virtual times.
    pub timeline: Vec<TimedCommand>,
    /// Stop the source at this virtual time, then drain.
    pub stop_after: Option<Duration>,
    /// Abort once the estimated memory passes this many bytes.
    pub memory_cap: Option<u64>,
    /// Cores the `spin` stages share.
    pub cores: usize,
    /// Cut a drain short (abort) once it has lasted this much virtual time.
    pub drain_timeout: Option<Duration>,
}

/// Something due at a virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// A sleeping attempt of (stage, worker) ends.
    AttemptEnd(u32, u32),
    /// (stage, worker)'s back-off ends: the next attempt starts.
    Retry(u32, u32),
    /// The source's next arrival, if the schedule is still this generation.
    Arrival(u64),
    /// The next spinning attempt ends, if the cores' schedule is still this generation.
    Cores(u64),
    /// The drain has lasted its `--drain-timeout`.
    DrainDeadline,
}

/// One entry of the event queue: ordered by time, then by the order of
/// scheduling (one `u128` compare), the due thing carried alongside.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u128,
    due: Due,
}

impl Entry {
    fn at(&self) -> u64 {
        (self.key >> 64) as u64
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// What a queue did with an offered item.
pub(super) enum Offered {
    /// Admitted, or dropped by the policy: the producer is free.
    Taken,
    /// The queue is full under `block`: the producer holds the item.
    Full(SimItem),
}

/// The source as the simulation runs it.
#[derive(Debug)]
pub(super) struct SimSource {
    pub process: ArrivalProcess,
    pub stats: SharedWorkerStats,
    /// The item the source holds, blocked on the first queue.
    pub held: Option<SimItem>,
    /// Told to stop while blocked: stops once the held item is in.
    pub stopping: bool,
    pub stopped: bool,
    /// Arrivals due when it stopped and never admitted.
    pub unadmitted: u64,
    pub next_id: u64,
    /// Bumped at every reschedule: older arrival events are stale.
    pub generation: u64,
}

/// Counts kept to know when a drain is over without sampling.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Flow {
    pub generated: u64,
    pub finished: u64,
}

/// A pipeline simulated in virtual time.
pub struct Simulation {
    pub(super) now: u64,
    seq: u64,
    due: BinaryHeap<Reverse<Entry>>,
    pub(super) stages: Vec<SimStage>,
    pub(super) source: SimSource,
    pub(super) cores: Cores,
    cores_generation: u64,
    pub(super) sampler: Sampler,
    pub(super) watch: EventWatch,
    pub(super) timeline: VecDeque<TimedCommand>,
    pub(super) tick_ns: u64,
    pub(super) next_tick_ns: u64,
    pub(super) state: RunState,
    pub(super) rate: Rate,
    pub(super) memory_cap: Option<u64>,
    pub(super) drain_timeout: Option<Duration>,
    /// When the drain will be cut short, once draining.
    pub(super) drain_deadline_ns: Option<u64>,
    pub(super) events: Vec<Event>,
    pub(super) end_to_end: LatencyTally,
    pub(super) finished: FinishedIds,
    pub(super) flow: Flow,
    /// The final snapshot has been taken.
    pub(super) over: bool,
    /// Attempts served, for the benchmark's figure.
    pub(super) services: u64,
    scratch: Vec<(usize, usize)>,
}

impl Simulation {
    /// A run of `spec` at virtual time 0, its workers started and its
    /// first arrival scheduled.
    pub fn new(spec: &PipelineSpec, setup: SimSetup) -> Self {
        let names: Vec<String> = spec.stages.iter().map(|s| s.name.clone()).collect();
        let mut sampler = Sampler::new(&names, setup.window_secs, 0);
        let stats: SharedWorkerStats = Arc::new(CachePadded::new(WorkerStats::new(0)));
        sampler.track_source(stats.clone());
        let mut timeline = setup.timeline;
        if let Some(at) = setup.stop_after {
            timeline.push(TimedCommand {
                at,
                command: Command::Stop,
                note: Some("duration reached".into()),
            });
        }
        timeline.sort_by_key(|t| t.at);
        let tick_ns = setup.tick.as_nanos().max(1_000_000) as u64;
        let mut sim = Self {
            now: 0,
            seq: 0,
            due: BinaryHeap::new(),
            stages: (spec.stages.iter().enumerate())
                .map(|(i, s)| SimStage::new(s, i, spec.seed))
                .collect(),
            source: SimSource {
                process: ArrivalProcess::new(
                    spec.source.rate,
                    spec.source.arrivals,
                    MaxSpacing::AtLeast(MAX_RATE_GAP_NS),
                    spec.seed,
                    0,
                ),
                stats,
                held: None,
                stopping: false,
                stopped: false,
                unadmitted: 0,
                next_id: 0,
                generation: 0,
            },
            cores: Cores::new(setup.cores),
            cores_generation: 0,
            sampler,
            watch: EventWatch::default(),
            timeline: timeline.into(),
            tick_ns,
            next_tick_ns: tick_ns,
            state: RunState::Running,
            rate: spec.source.rate,
            memory_cap: setup.memory_cap,
            drain_timeout: setup.drain_timeout,
            drain_deadline_ns: None,
            events: Vec::new(),
            end_to_end: LatencyTally::keeping_its_array(),
            finished: FinishedIds::default(),
            flow: Flow::default(),
            over: false,
            services: 0,
            scratch: Vec::new(),
        };
        for (index, stage) in spec.stages.iter().enumerate() {
            sim.resize(index, stage.workers);
        }
        sim.schedule_arrival();
        sim
    }

    /// Virtual nanoseconds since the start.
    pub fn now_ns(&self) -> u64 {
        self.now
    }

    /// When the next snapshot is due, in virtual nanoseconds.
    pub fn next_tick_ns(&self) -> u64 {
        self.next_tick_ns
    }

    /// True once the final snapshot has been taken.
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// Attempts served since the start (each one stage's service of one item).
    pub fn services(&self) -> u64 {
        self.services
    }

    /// Every wait at stage `index` so far, exactly.
    pub fn waits(&self, index: usize) -> WaitStats {
        self.stages[index].waits
    }

    /// Stage `index`'s queue length averaged over time since the start.
    pub fn queue_len_mean(&self, index: usize) -> f64 {
        self.stages[index].queue_len_mean(self.now)
    }

    pub(super) fn schedule(&mut self, at: u64, due: Due) {
        self.seq += 1;
        let key = (u128::from(at.max(self.now)) << 64) | u128::from(self.seq);
        self.due.push(Reverse(Entry { key, due }));
    }

    /// Carries out everything due up to `limit` (timeline first at equal
    /// times), stopping early when the run ends; then the clock reads
    /// `limit`.
    pub(super) fn run_until(&mut self, limit: u64) {
        while !self.state.is_final() {
            let at_command = self.timeline.front().map_or(u64::MAX, |t| {
                t.at.as_nanos().min(u128::from(u64::MAX)) as u64
            });
            let at_due = self.due.peek().map_or(u64::MAX, |Reverse(e)| e.at());
            let next = at_command.min(at_due);
            if next > limit {
                break;
            }
            self.now = self.now.max(next);
            if at_command <= at_due {
                let entry = self.timeline.pop_front().expect("front exists");
                crate::engine::command_rules::apply(
                    self,
                    entry.command,
                    crate::model::Origin::Timeline,
                    entry.note,
                );
            } else {
                let Some(Reverse(entry)) = self.due.pop() else {
                    break;
                };
                self.handle(entry.due);
            }
            self.check_drained();
        }
        if !self.state.is_final() && limit != u64::MAX {
            self.now = self.now.max(limit);
        }
    }

    fn handle(&mut self, due: Due) {
        match due {
            Due::AttemptEnd(s, w) => self.attempt_end(s as usize, w as usize),
            Due::Retry(s, w) => {
                let (s, w) = (s as usize, w as usize);
                if let Phase::Backoff { item, attempt } = self.stages[s].workers[w].phase {
                    self.start_attempt(s, w, item, attempt + 1);
                }
            }
            Due::Arrival(generation) => {
                if generation == self.source.generation {
                    self.source_pump();
                }
            }
            Due::Cores(generation) => {
                if generation == self.cores_generation {
                    let mut done = std::mem::take(&mut self.scratch);
                    self.cores.finished(self.now, &mut done);
                    for &(s, w) in &done {
                        self.attempt_end(s, w);
                    }
                    done.clear();
                    self.scratch = done;
                    self.reschedule_cores();
                }
            }
            Due::DrainDeadline => {
                if self.state == RunState::Draining {
                    self.cut_drain_short();
                }
            }
        }
    }

    fn reschedule_cores(&mut self) {
        self.cores_generation += 1;
        if let Some(at) = self.cores.next_finish() {
            self.schedule(at, Due::Cores(self.cores_generation));
        }
    }

    /// The stats cell of whoever pushes into stage `stage`'s queue.
    fn producer_stats(&self, stage: usize, producer: Producer) -> &SharedWorkerStats {
        match producer {
            Producer::Source => &self.source.stats,
            Producer::Worker(w) => &self.stages[stage - 1].workers[w].stats,
        }
    }

    /// Admits `item` into stage `t`: straight to an idle worker, else the queue.
    fn admit(&mut self, t: usize, mut item: SimItem) {
        item.enqueued_ns = self.now;
        match self.stages[t].idle.pop() {
            Some(w) => self.start_item(t, w, item),
            None => self.stages[t].enqueue(item, self.now),
        }
    }

    /// Offers `item` to stage `t`'s queue under its policy, counting what
    /// happens in the producer's stats.
    pub(super) fn offer(&mut self, t: usize, item: SimItem, producer: Producer) -> Offered {
        let stage = &self.stages[t];
        if !stage.idle.is_empty() || stage.has_room() {
            WorkerStats::bump(&self.producer_stats(t, producer).pushed, 1);
            self.admit(t, item);
            return Offered::Taken;
        }
        self.stages[t].hit_capacity = true;
        match self.stages[t].policy {
            crate::model::QueuePolicy::DropNewest => {
                WorkerStats::bump(&self.producer_stats(t, producer).dropped_next, 1);
                self.finished.push(item.id);
                self.flow.finished += 1;
                Offered::Taken
            }
            crate::model::QueuePolicy::DropOldest => {
                let now = self.now;
                if let Some(oldest) = self.stages[t].dequeue(now) {
                    WorkerStats::bump(&self.producer_stats(t, producer).evicted_next, 1);
                    self.finished.push(oldest.id);
                    self.flow.finished += 1;
                }
                WorkerStats::bump(&self.producer_stats(t, producer).pushed, 1);
                self.admit(t, item);
                Offered::Taken
            }
            crate::model::QueuePolicy::Block => Offered::Full(item),
        }
    }

    /// Starts a worker in a free slot of stage `s`; it takes what is queued.
    pub(super) fn spawn_worker(&mut self, s: usize) {
        let stats: SharedWorkerStats = Arc::new(CachePadded::new(WorkerStats::new(self.now)));
        self.sampler.track_worker(s, stats.clone());
        let worker = SimWorker {
            stats,
            phase: Phase::Idle,
            crashes_due: VecDeque::new(),
        };
        let stage = &mut self.stages[s];
        let w = match stage.free_slots.pop() {
            Some(w) => {
                stage.workers[w] = worker;
                w
            }
            None => {
                stage.workers.push(worker);
                stage.workers.len() - 1
            }
        };
        self.next_item(s, w);
    }

    /// Worker `w` of stage `s` retires.
    pub(super) fn retire(&mut self, s: usize, w: usize) {
        let worker = &mut self.stages[s].workers[w];
        worker.stats.time.enter(WorkerState::Exited, self.now);
        worker.phase = Phase::Exited;
        self.stages[s].free_slots.push(w);
    }

    /// Worker `w` has handed its item on: it retires if told to, takes a
    /// crash order if one waits, and goes for the next item.
    pub(super) fn worker_free(&mut self, s: usize, w: usize) {
        let stage = &mut self.stages[s];
        if stage.retire_pending > 0 {
            stage.retire_pending -= 1;
            self.retire(s, w);
            return;
        }
        if let Some(origin) = stage.crash_pending.pop_front() {
            stage.workers[w].crashes_due.push_back(origin);
        }
        self.next_item(s, w);
    }

    /// Worker `w` takes the oldest queued item, or goes idle.
    fn next_item(&mut self, s: usize, w: usize) {
        match self.stages[s].dequeue(self.now) {
            Some(item) => {
                self.room_freed(s);
                self.start_item(s, w, item);
            }
            None => {
                let worker = &mut self.stages[s].workers[w];
                worker.stats.time.enter(WorkerState::Idle, self.now);
                worker.phase = Phase::Idle;
                self.stages[s].idle.push(w);
            }
        }
    }

    /// An item left stage `t`'s queue: producers blocked on it get in, in
    /// the order they blocked, while there is room.
    pub(super) fn room_freed(&mut self, t: usize) {
        while self.stages[t].has_room() {
            let Some(producer) = self.stages[t].blocked.pop_front() else {
                return;
            };
            self.unblock(t, producer);
        }
    }

    /// Admits the item `producer` holds into stage `t` and frees the producer.
    pub(super) fn unblock(&mut self, t: usize, producer: Producer) {
        match producer {
            Producer::Source => {
                let Some(item) = self.source.held.take() else {
                    return;
                };
                WorkerStats::bump(&self.source.stats.pushed, 1);
                self.admit(t, item);
                if self.source.stopping {
                    self.stop_source();
                } else {
                    self.source_pump();
                }
            }
            Producer::Worker(w) => {
                let Phase::Blocked { item } = self.stages[t - 1].workers[w].phase else {
                    return;
                };
                let stats = &self.stages[t - 1].workers[w].stats;
                WorkerStats::bump(&stats.pushed, 1);
                stats.time.enter(WorkerState::Busy, self.now);
                self.admit(t, item);
                self.worker_free(t - 1, w);
            }
        }
    }

    fn start_item(&mut self, s: usize, w: usize, item: SimItem) {
        let stage = &mut self.stages[s];
        let wait_ns = self.now - item.enqueued_ns;
        stage.wait_tally.record(wait_ns);
        stage.waits.record(wait_ns);
        let stats = &stage.workers[w].stats;
        WorkerStats::bump(&stats.taken, 1);
        stats.time.enter(WorkerState::Busy, self.now);
        self.start_attempt(s, w, item, 1);
    }

    fn start_attempt(&mut self, s: usize, w: usize, item: SimItem, attempt: u32) {
        let now = self.now;
        let stage = &mut self.stages[s];
        if let Some(origin) = stage.workers[w].crashes_due.pop_front() {
            stage.workers[w].phase = Phase::Serving {
                item,
                attempt,
                started_ns: now,
                fails: true,
                crash: Some(origin),
            };
            self.attempt_end(s, w);
            return;
        }
        let drawn = draw(
            &stage.service,
            stage.fail_rate,
            stage.seed,
            item.id,
            attempt,
        );
        let mut service_ns = drawn.service_ns;
        if stage.slowdown > 1.0 {
            service_ns += ((stage.slowdown - 1.0) * service_ns as f64) as u64;
        }
        stage.workers[w].phase = Phase::Serving {
            item,
            attempt,
            started_ns: now,
            fails: drawn.fails,
            crash: None,
        };
        match stage.mode {
            WorkMode::Sleep => self.schedule(now + service_ns, Due::AttemptEnd(s as u32, w as u32)),
            WorkMode::Spin => {
                self.cores.start((s, w), service_ns, now);
                self.reschedule_cores();
            }
        }
    }

    fn attempt_end(&mut self, s: usize, w: usize) {
        let now = self.now;
        let stage = &mut self.stages[s];
        let Phase::Serving {
            item,
            attempt,
            started_ns,
            fails,
            crash,
        } = stage.workers[w].phase
        else {
            return;
        };
        self.services += 1;
        stage.service_tally.record(now - started_ns);
        if !fails {
            self.pass_on(s, w, item);
            return;
        }
        let panicked = crash.is_some() || stage.fail_kind == FailKind::Panic;
        let error = match crash {
            Some(origin) => format!("worker crashed by {}", origin.who()),
            None if panicked => "simulated panic".to_string(),
            None => "simulated failure".to_string(),
        };
        let stats = stage.workers[w].stats.clone();
        if panicked {
            WorkerStats::bump(&stats.restarts, 1);
        }
        let t_s = now as f64 / 1e9;
        stage.attempt_failed(Failure {
            id: item.id,
            attempt,
            t_s,
            panicked,
            error: error.clone(),
        });
        if attempt >= stage.max_attempts {
            stage.dead_lettered(item.id, attempt, t_s, &error);
            WorkerStats::bump(&stats.dead_lettered, 1);
            self.finished.push(item.id);
            self.flow.finished += 1;
            self.worker_free(s, w);
            return;
        }
        WorkerStats::bump(&stats.retried, 1);
        stage.workers[w].phase = Phase::Backoff { item, attempt };
        let backoff = (1_000_000 * u64::from(attempt)).min(MAX_BACKOFF_NS);
        self.schedule(now + backoff, Due::Retry(s as u32, w as u32));
    }

    fn pass_on(&mut self, s: usize, w: usize, item: SimItem) {
        if s + 1 == self.stages.len() {
            let stats = &self.stages[s].workers[w].stats;
            WorkerStats::bump(&stats.completed, 1);
            self.end_to_end.record(self.now - item.born_ns);
            self.finished.push(item.id);
            self.flow.finished += 1;
            self.worker_free(s, w);
            return;
        }
        match self.offer(s + 1, item, Producer::Worker(w)) {
            Offered::Taken => self.worker_free(s, w),
            Offered::Full(item) => {
                let worker = &mut self.stages[s].workers[w];
                worker.phase = Phase::Blocked { item };
                worker.stats.time.enter(WorkerState::Blocked, self.now);
                self.stages[s + 1].blocked.push_back(Producer::Worker(w));
            }
        }
    }

    /// Takes every arrival due now into the first queue, until it blocks;
    /// then schedules the next.
    pub(super) fn source_pump(&mut self) {
        if self.source.held.is_some() || self.source.stopped {
            return;
        }
        while self
            .source
            .process
            .next_due(self.now)
            .is_some_and(|due| due <= self.now)
        {
            let born_ns = self.source.process.take(self.now);
            let item = SimItem {
                id: self.source.next_id,
                born_ns,
                enqueued_ns: self.now,
            };
            self.source.next_id += 1;
            self.flow.generated += 1;
            WorkerStats::bump(&self.source.stats.taken, 1);
            if let Offered::Full(item) = self.offer(0, item, Producer::Source) {
                self.source.held = Some(item);
                self.source.stats.time.enter(WorkerState::Blocked, self.now);
                self.stages[0].blocked.push_back(Producer::Source);
                return;
            }
        }
        self.source.stats.time.enter(WorkerState::Idle, self.now);
        self.schedule_arrival();
    }

    /// Schedules the source's next arrival (and makes any earlier one stale).
    pub(super) fn schedule_arrival(&mut self) {
        self.source.generation += 1;
        if self.source.held.is_some() || self.source.stopped {
            return;
        }
        if let Some(at) = self.source.process.next_due(self.now) {
            self.schedule(at, Due::Arrival(self.source.generation));
        }
    }

    /// Items generated and not yet finished (completed, dropped or dead-lettered).
    pub(super) fn in_flight(&self) -> u64 {
        self.flow.generated - self.flow.finished
    }

    /// Ends a drain once the source has stopped and nothing is in flight.
    pub(super) fn check_drained(&mut self) {
        if self.state == RunState::Draining && self.source.stopped && self.in_flight() == 0 {
            self.state = RunState::Done;
            self.dismiss_all();
        }
    }

    /// Every worker leaves (the run is over).
    pub(super) fn dismiss_all(&mut self) {
        let now = self.now;
        for stage in &mut self.stages {
            for worker in &mut stage.workers {
                worker.stats.time.enter(WorkerState::Exited, now);
            }
        }
        self.cores.clear();
        self.due.clear();
    }
}
