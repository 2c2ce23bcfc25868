//! One simulated stage: its input queue (with the time integral of its
//! length, for Little's law), its worker slots, the producers blocked on
//! its queue, and what it keeps of its failures.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::metrics::latency_tally::LatencyTally;
use crate::metrics::worker_group::SharedWorkerStats;
use crate::model::{
    DEAD_LETTERS_KEPT, DeadLetter, FAILURES_KEPT, FailKind, Failure, FailureView, Origin,
    QueuePolicy, StageSpec, WorkMode,
};

use super::service::{ServiceTime, stage_seed};

/// An item on its way: its id, when the arrival process scheduled it, and
/// when it was admitted into the queue it is in (or last was in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimItem {
    pub id: u64,
    pub born_ns: u64,
    pub enqueued_ns: u64,
}

/// Every wait at a stage, exactly (the histograms keep three digits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitStats {
    /// Items taken from the queue (or handed straight to an idle worker).
    pub taken: u64,
    /// Of those, items that waited at all.
    pub waited: u64,
    /// The sum of their waits, ns.
    pub total_ns: u128,
}

impl WaitStats {
    /// Notes one item's wait.
    #[inline]
    pub fn record(&mut self, wait_ns: u64) {
        self.taken += 1;
        self.waited += u64::from(wait_ns > 0);
        self.total_ns += u128::from(wait_ns);
    }

    /// The mean wait in ms (0 with nothing taken).
    pub fn mean_ms(&self) -> f64 {
        if self.taken == 0 {
            0.0
        } else {
            self.total_ns as f64 / self.taken as f64 / 1e6
        }
    }

    /// The fraction of items that waited.
    pub fn p_wait(&self) -> f64 {
        if self.taken == 0 {
            0.0
        } else {
            self.waited as f64 / self.taken as f64
        }
    }
}

/// Who pushes into a queue: the source, or a worker of the stage before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producer {
    Source,
    Worker(usize),
}

/// What a worker slot is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// Waiting for input.
    Idle,
    /// Serving an attempt that ends as drawn: `fails` after its time,
    /// `crash` at once (a crash order, or a panic).
    Serving {
        item: SimItem,
        attempt: u32,
        started_ns: u64,
        fails: bool,
        crash: Option<Origin>,
    },
    /// Waiting out the back-off before the next attempt (busy, as in the engine).
    Backoff { item: SimItem, attempt: u32 },
    /// Holding a finished item the full next queue will not take yet.
    Blocked { item: SimItem },
    /// Retired; the slot may be reused.
    Exited,
}

/// One worker slot.
#[derive(Debug)]
pub struct SimWorker {
    pub stats: SharedWorkerStats,
    pub phase: Phase,
    /// Crash orders taken and not yet carried out.
    pub crashes_due: VecDeque<Origin>,
}

/// A stage and its input queue.
#[derive(Debug)]
pub struct SimStage {
    pub name: String,
    pub service: ServiceTime,
    pub mode: WorkMode,
    pub fail_rate: f64,
    pub fail_kind: FailKind,
    pub max_attempts: u32,
    pub seed: u64,
    pub capacity: Option<usize>,
    pub policy: QueuePolicy,
    pub slowdown: f64,
    queue: VecDeque<SimItem>,
    /// ∫ queue length dt since the start, in item·ns.
    queue_area: u128,
    queue_since_ns: u64,
    pub workers: Vec<SimWorker>,
    /// Exited slots, reused by the next worker started.
    pub free_slots: Vec<usize>,
    /// Idle workers, the last to go idle on top.
    pub idle: Vec<usize>,
    /// Requested pool size.
    pub target: usize,
    /// Retirements ordered and not yet taken by a worker.
    pub retire_pending: usize,
    /// Crash orders not yet taken by a worker.
    pub crash_pending: VecDeque<Origin>,
    /// Producers waiting for room in this queue, first come first served.
    pub blocked: VecDeque<Producer>,
    /// A producer found the queue full since the last tick.
    pub hit_capacity: bool,
    pub service_tally: LatencyTally,
    pub wait_tally: LatencyTally,
    /// Exact waits, beside the histogram: for the exactness tests.
    pub waits: WaitStats,
    recent: VecDeque<Failure>,
    dead_letters: VecDeque<DeadLetter>,
    failures_view: FailureView,
    failures_changed: bool,
}

fn push_bounded<T>(list: &mut VecDeque<T>, item: T, bound: usize) {
    if list.len() == bound {
        list.pop_front();
    }
    list.push_back(item);
}

impl SimStage {
    pub fn new(spec: &StageSpec, index: usize, run_seed: u64) -> Self {
        Self {
            name: spec.name.clone(),
            service: ServiceTime::new(spec.service),
            mode: spec.mode,
            fail_rate: spec.fail_rate,
            fail_kind: spec.fail_kind,
            max_attempts: spec.max_attempts.max(1),
            seed: stage_seed(run_seed, index),
            capacity: spec.queue.bound(),
            policy: spec.policy,
            slowdown: 1.0,
            queue: VecDeque::new(),
            queue_area: 0,
            queue_since_ns: 0,
            workers: Vec::new(),
            free_slots: Vec::new(),
            idle: Vec::new(),
            target: 0,
            retire_pending: 0,
            crash_pending: VecDeque::new(),
            blocked: VecDeque::new(),
            hit_capacity: false,
            service_tally: LatencyTally::keeping_its_array(),
            wait_tally: LatencyTally::keeping_its_array(),
            waits: WaitStats::default(),
            recent: VecDeque::new(),
            dead_letters: VecDeque::new(),
            failures_view: FailureView::default(),
            failures_changed: false,
        }
    }

    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Whether the queue has room for one more item.
    pub fn has_room(&self) -> bool {
        self.capacity.is_none_or(|cap| self.queue.len() < cap)
    }

    fn account(&mut self, now_ns: u64) {
        let dt = now_ns.saturating_sub(self.queue_since_ns);
        self.queue_area += self.queue.len() as u128 * u128::from(dt);
        self.queue_since_ns = now_ns;
    }

    /// Admits `item` at the back of the queue at `now_ns`.
    pub fn enqueue(&mut self, mut item: SimItem, now_ns: u64) {
        self.account(now_ns);
        item.enqueued_ns = now_ns;
        self.queue.push_back(item);
    }

    /// Takes the oldest queued item at `now_ns`.
    pub fn dequeue(&mut self, now_ns: u64) -> Option<SimItem> {
        if self.queue.is_empty() {
            return None;
        }
        self.account(now_ns);
        self.queue.pop_front()
    }

    /// The area under the queue's length curve up to `now_ns`, in
    /// item-nanoseconds, modulo 2^64 (what the engine's queues report).
    pub fn length_integral(&self, now_ns: u64) -> u64 {
        let dt = now_ns.saturating_sub(self.queue_since_ns);
        (self.queue_area + self.queue.len() as u128 * u128::from(dt)) as u64
    }

    /// Time-averaged queue length from the start to `now_ns`.
    pub fn queue_len_mean(&self, now_ns: u64) -> f64 {
        if now_ns == 0 {
            return 0.0;
        }
        let dt = now_ns.saturating_sub(self.queue_since_ns);
        let area = self.queue_area + self.queue.len() as u128 * u128::from(dt);
        area as f64 / now_ns as f64
    }

    /// Notes a failed attempt.
    pub fn attempt_failed(&mut self, failure: Failure) {
        push_bounded(&mut self.recent, failure, FAILURES_KEPT);
        self.failures_changed = true;
    }

    /// Notes an item given up on.
    pub fn dead_lettered(&mut self, id: u64, attempts: u32, t_s: f64, error: &str) {
        let letter = DeadLetter {
            id,
            stage: self.name.clone(),
            attempts,
            t_s,
            error: error.to_string(),
        };
        push_bounded(&mut self.dead_letters, letter, DEAD_LETTERS_KEPT);
        self.failures_changed = true;
    }

    /// The kept failures, copied only when they changed.
    pub fn failures(&mut self) -> FailureView {
        if self.failures_changed {
            self.failures_changed = false;
            self.failures_view = FailureView {
                dead_letters: Arc::new(self.dead_letters.iter().cloned().collect()),
                recent: Arc::new(self.recent.iter().cloned().collect()),
            };
        }
        self.failures_view.clone()
    }
}
