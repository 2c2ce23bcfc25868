//! One worker thread of a stage: take an item, process it (retrying failed
//! attempts, surviving panics), pass the result on, record what it measured.
//! It leaves only between items: when retired, when its input is drained and
//! closed, or when the run is aborted.
//!
//! While items are quick to serve, a worker takes a batch's worth of what is
//! queued in one go (see [`batch_size_for`]): its *hand*. It also gathers
//! what it finishes in an *outbox* and passes it on as one [`Batch`] once the
//! hand is served, the outbox holds as many as the next stage asks for, or
//! its oldest item has waited [`OUTBOX_NS`]. Both save channel operations,
//! which are most of the cost of a quick item. Both are honest about time:
//! an item's wait runs until its service starts, and it counts as in service
//! (taken) from the moment it left the queue until it is in the next one. A
//! retired worker serves its hand and empties its outbox before it leaves;
//! `drop-oldest` evicts only from the queue, never from a hand or an outbox.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError, select};

use super::attempt;
use super::batch::{BATCH_MAX, Batch, batch_size_for};
use super::clock::{self, Clock};
use super::hand::Hand;
use super::item::Item;
use super::panic_guard;
use super::queue::{PushObserver, QueueReader, QueueWriter};
use super::service;
use super::stage_shared::{AbortFlag, StageShared};
use super::thread_exit::ExitNotice;
use super::wait;
use super::work::{Work, WorkError, WorkFactory};
use crate::metrics::recorder::Recorder;
use crate::metrics::time_account::WorkerState;
use crate::metrics::worker_group::SharedWorkerStats;
use crate::metrics::worker_stats::WorkerStats;
use crate::model::Failure;
use crate::model::Origin;

/// The longest a finished item waits in the outbox for others to join it,
/// checked as each one joins (a slow item served meanwhile can stretch it).
const OUTBOX_NS: u64 = 5_000;

/// How often an idle worker with nothing to flush looks up (at the abort
/// flag) when no message wakes it. A safety net only (an abort dismisses
/// idle workers with a message): at 4096 workers, once a second each was
/// 4096 wake-ups a second of the whole process's.
const IDLE_LOOK_NS: u64 = 5_000_000_000;

/// The longest a failed attempt waits before the retry.
const MAX_BACKOFF: Duration = Duration::from_millis(50);

/// Where a stage's results go.
pub enum Output<T> {
    /// Into the next stage's queue.
    Queue(QueueWriter<T>),
    /// To the pipeline's sink: the item is complete.
    Sink(Arc<dyn Fn(T) + Send + Sync>),
}

impl<T> Clone for Output<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Queue(writer) => Self::Queue(writer.clone()),
            Self::Sink(sink) => Self::Sink(sink.clone()),
        }
    }
}

/// What the pool tells its workers, one message per worker that should act.
#[derive(Debug, Clone)]
pub struct PoolSignals {
    /// A token here retires one worker (between items).
    pub retire: Receiver<()>,
    /// A token here crashes one worker in the middle of its next item; it
    /// says who ordered the crash.
    pub crash: Receiver<Origin>,
    /// Tokens sent and not yet taken, so a busy worker looks at the two
    /// channels only when there is something to take.
    pub pending: Arc<AtomicUsize>,
}

/// A signal a worker took.
enum Signal {
    Retire,
    Crash(Origin),
}

impl PoolSignals {
    /// Takes a waiting token, if any (retirement first).
    #[inline]
    fn take(&self) -> Option<Signal> {
        if self.pending.load(Ordering::Acquire) == 0 {
            return None;
        }
        let signal = if self.retire.try_recv().is_ok() {
            Signal::Retire
        } else if let Ok(origin) = self.crash.try_recv() {
            Signal::Crash(origin)
        } else {
            return None;
        };
        self.pending.fetch_sub(1, Ordering::AcqRel);
        Some(signal)
    }
}

/// Everything one worker needs.
pub struct Worker<In, Out> {
    pub serial: u64,
    pub input: QueueReader<In>,
    pub output: Output<Out>,
    pub signals: PoolSignals,
    pub stats: SharedWorkerStats,
    pub recorder: Recorder,
    pub clock: Clock,
    pub shared: Arc<StageShared>,
    pub factory: WorkFactory<In, Out>,
    /// Held for its drop: declared last, so it goes after everything else
    /// (the last flush, the output's sender) when the worker ends.
    pub _exit: ExitNotice,
}

/// A worker's running state between items.
struct Shift<In, Out> {
    work: Box<dyn Work<In, Out>>,
    /// Crash orders taken but not yet carried out, by who gave them.
    crashes_due: VecDeque<Origin>,
    /// The latest clock reading: one item's end is the next one's start, so
    /// a worker that never waits reads the clock once per item.
    now: u64,
    /// Items taken from the queue and not yet started.
    hand: Hand<In>,
    /// Items finished and not yet passed on, oldest first.
    outbox: Vec<Item<Out>>,
    /// Items per batch for this worker's pace ([`batch_size_for`] of its
    /// last item): it fills its hand up to this many before it starts.
    batch_items: usize,
    /// Told to retire: leaves once the hand is empty.
    retiring: bool,
    /// Whether yielding before parking on an empty queue pays off.
    yield_habit: wait::YieldHabit,
}

impl<In: Send + 'static, Out: Send + 'static> Worker<In, Out> {
    /// Runs until retired, drained or aborted.
    pub fn run(mut self) {
        clock::tighten_timer_slack();
        panic_guard::quiet_this_thread();
        let mut shift = Shift {
            work: (self.factory)(self.serial),
            crashes_due: VecDeque::new(),
            now: self.clock.now_ns(),
            hand: Hand::new(),
            outbox: Vec::with_capacity(BATCH_MAX),
            batch_items: 1,
            retiring: false,
            yield_habit: wait::YieldHabit::default(),
        };
        while let Some(item) = self.next_item(&mut shift) {
            if !self.handle(item, &mut shift) {
                break;
            }
            // A retiring worker takes no more tokens: each retirement and
            // crash is meant for one of the workers that stay.
            if shift.retiring {
                continue;
            }
            match self.signals.take() {
                Some(Signal::Retire) => shift.retiring = true,
                Some(Signal::Crash(origin)) => shift.crashes_due.push_back(origin),
                None => {}
            }
        }
        let now = self.clock.now_ns();
        self.recorder.flush(now);
        self.stats.time.enter(WorkerState::Exited, now);
    }

    /// The next item, from the hand or else the queue, waiting idle for one
    /// if the queue is empty; `None` when this worker should leave (retired,
    /// input drained and closed, aborted).
    fn next_item(&mut self, shift: &mut Shift<In, Out>) -> Option<Item<In>> {
        if self.shared.abort.is_set() {
            return None;
        }
        if let Some(item) = shift.hand.next() {
            return Some(item);
        }
        // The hand is served: what it produced goes on before this worker
        // waits for more or leaves.
        if !self.send_outbox(shift) || shift.retiring {
            return None;
        }
        let batch = self.take_from_queue(shift)?;
        self.take_in_hand(batch, shift.now, shift);
        while shift.hand.len() < shift.batch_items {
            let Ok(more) = self.input.try_take(shift.now) else {
                break;
            };
            self.take_in_hand(more, shift.now, shift);
        }
        WorkerStats::bump(&self.stats.taken, shift.hand.len() as u64);
        shift.hand.next()
    }

    /// Puts a batch that left the queue at `now` in the hand; its items'
    /// wait in the queue ends here (time in the hand is the worker's).
    fn take_in_hand(&mut self, batch: Batch<In>, now: u64, shift: &mut Shift<In, Out>) {
        for item in batch.items() {
            self.recorder
                .now
                .wait
                .record(now.saturating_sub(item.enqueued_ns));
        }
        shift.hand.take(batch);
    }

    /// The oldest batch in the queue, waiting idle for one if need be; it
    /// left the queue at `shift.now`.
    fn take_from_queue(&mut self, shift: &mut Shift<In, Out>) -> Option<Batch<In>> {
        // A queue that is empty now is often refilled within microseconds:
        // yield a few times before parking the thread (see `wait`; those
        // microseconds still count as busy).
        let clock = self.clock;
        let input = &self.input;
        let taken_at = std::cell::Cell::new(shift.now);
        let mut look = || {
            taken_at.set(clock.now_ns());
            match input.try_take(taken_at.get()) {
                Ok(batch) => Some(Some(batch)),
                Err(TryRecvError::Disconnected) => Some(None),
                Err(TryRecvError::Empty) => None,
            }
        };
        if let Some(taken) = look() {
            shift.now = taken_at.get();
            return taken;
        }
        if let Some(taken) = shift.yield_habit.yield_until(&mut look) {
            shift.now = taken_at.get();
            return taken;
        }
        shift.now = self.clock.now_ns();
        self.stats.time.enter(WorkerState::Idle, shift.now);
        loop {
            // Nothing to flush: no reason to wake but a message (an abort
            // dismisses idle workers with one) or, rarely, to look at the
            // abort flag. Thousands of idle workers then cost no CPU.
            let wake_ns = if self.recorder.has_pending() {
                self.recorder.next_flush_ns()
            } else {
                self.clock.now_ns() + IDLE_LOOK_NS
            };
            let timeout = self.clock.instant_at(wake_ns);
            let taken = select! {
                recv(self.input.receiver()) -> msg => {
                    shift.now = self.clock.now_ns();
                    return msg.ok().map(|batch| self.input.took(batch, shift.now));
                }
                recv(self.signals.retire) -> _ => Signal::Retire,
                recv(self.signals.crash) -> origin => match origin {
                    Ok(origin) => Signal::Crash(origin),
                    Err(_) => continue,
                },
                default(timeout.saturating_duration_since(Instant::now())) => {
                    self.recorder.flush_if_due(self.clock.now_ns());
                    if self.shared.abort.is_set() {
                        return None;
                    }
                    continue;
                }
            };
            self.signals.pending.fetch_sub(1, Ordering::AcqRel);
            match taken {
                // The hand is empty here: the worker can leave at once.
                Signal::Retire => return None,
                Signal::Crash(origin) => shift.crashes_due.push_back(origin),
            }
        }
    }

    /// Processes one item to its end: passed on, completed, dropped or
    /// dead-lettered. False when the run was aborted while it waited.
    fn handle(&mut self, item: Item<In>, shift: &mut Shift<In, Out>) -> bool {
        self.stats.time.enter(WorkerState::Busy, shift.now);
        let passed_on = match self.attempt(&item, shift) {
            Some(output) => self.pass_on(&item, output, shift),
            None => {
                WorkerStats::bump(&self.stats.dead_lettered, 1);
                self.recorder.now.finished.push(item.id);
                true
            }
        };
        self.recorder.flush_if_due(shift.now);
        passed_on
    }

    /// Attempts the work until it succeeds or the attempts run out (then the
    /// item is dead-lettered and `None` returned).
    fn attempt(&mut self, item: &Item<In>, shift: &mut Shift<In, Out>) -> Option<Out> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let crash = shift.crashes_due.pop_front();
            let started = shift.now;
            let work = &mut shift.work;
            attempt::begin(item.id, attempts);
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                if let Some(origin) = crash {
                    panic!("worker crashed by {}", origin.who());
                }
                work.process(&item.payload)
            }));
            shift.now = self.clock.now_ns();
            if self.shared.slowdown() > 1.0 {
                self.apply_slowdown(shift.now - started);
                shift.now = self.clock.now_ns();
            }
            let service_ns = shift.now - started;
            shift.batch_items = batch_size_for(service_ns);
            self.input.control.set_batch_items(shift.batch_items);
            self.recorder.now.service.record(service_ns);
            let (panicked, error) = match result {
                Ok(Ok(output)) => return Some(output),
                Ok(Err(error)) => (false, error),
                Err(_) => {
                    // A fresh worker replaces the one that panicked, with an
                    // incarnation number of its own (a simulated worker seeds
                    // from it, so it does not replay the same panic).
                    let restarts = self.stats.restarts.load(Ordering::Relaxed) + 1;
                    WorkerStats::bump(&self.stats.restarts, 1);
                    shift.work = (self.factory)(self.serial | (restarts << 32));
                    let message = panic_guard::take_last_message();
                    (
                        true,
                        WorkError::new(message.unwrap_or_else(|| "panicked".into())),
                    )
                }
            };
            let t_s = shift.now as f64 / 1e9;
            self.shared.failures.attempt_failed(Failure {
                id: item.id,
                attempt: attempts,
                t_s,
                panicked,
                error: error.message().to_string(),
            });
            if attempts >= self.shared.max_attempts {
                self.shared
                    .failures
                    .dead_lettered(item.id, attempts, t_s, error.message());
                return None;
            }
            WorkerStats::bump(&self.stats.retried, 1);
            // Finished items do not wait out a retry's back-off (an abort
            // while they are pushed is seen before the next item).
            let _ = self.send_outbox(shift);
            let backoff = (Duration::from_millis(1) * attempts).min(MAX_BACKOFF);
            clock::sleep_until(Instant::now() + backoff);
            shift.now = self.clock.now_ns();
        }
    }

    /// Hands the result on: to the sink, or into the outbox for the next
    /// queue (sent at once unless more items are coming to join it).
    fn pass_on(&mut self, item: &Item<In>, output: Out, shift: &mut Shift<In, Out>) -> bool {
        let writer = match &self.output {
            Output::Sink(sink) => {
                self.recorder
                    .now
                    .end_to_end
                    .record(shift.now.saturating_sub(item.born_ns));
                sink(output);
                self.recorder.now.finished.push(item.id);
                WorkerStats::bump(&self.stats.completed, 1);
                return true;
            }
            Output::Queue(writer) => writer,
        };
        shift.outbox.push(Item {
            id: item.id,
            born_ns: item.born_ns,
            enqueued_ns: shift.now,
            payload: output,
        });
        let gather = !shift.hand.is_empty()
            && shift.outbox.len() < writer.batch_items()
            && shift.now - shift.outbox[0].enqueued_ns < OUTBOX_NS;
        gather || self.send_outbox(shift)
    }

    /// Pushes the outbox into the next queue; false when the run was
    /// aborted while it waited there.
    fn send_outbox(&mut self, shift: &mut Shift<In, Out>) -> bool {
        let Output::Queue(writer) = &self.output else {
            return true;
        };
        if shift.outbox.is_empty() {
            return true;
        }
        let mut observer = ProducerObserver {
            stats: &self.stats,
            recorder: &mut self.recorder,
            clock: self.clock,
            abort: &self.shared.abort,
            blocked: false,
        };
        let pushed = writer.push(Batch::take_from(&mut shift.outbox), &mut observer);
        if observer.blocked {
            shift.now = self.clock.now_ns();
            self.stats.time.enter(WorkerState::Busy, shift.now);
        }
        WorkerStats::bump(&self.stats.pushed, pushed.accepted);
        !pushed.aborted
    }

    /// Stretches an attempt that took `took_ns` by the stage's slowdown.
    fn apply_slowdown(&self, took_ns: u64) {
        let factor = self.shared.slowdown();
        let extra = Duration::from_nanos(((factor - 1.0) * took_ns as f64) as u64);
        service::spend(extra, self.shared.mode);
    }
}

/// Accounts a producer's blocked time and evictions while it pushes.
pub struct ProducerObserver<'a> {
    pub stats: &'a SharedWorkerStats,
    pub recorder: &'a mut Recorder,
    pub clock: Clock,
    pub abort: &'a AbortFlag,
    /// Whether the push had to wait.
    pub blocked: bool,
}

impl PushObserver for ProducerObserver<'_> {
    fn now_ns(&mut self) -> u64 {
        self.clock.now_ns()
    }

    fn blocked(&mut self) {
        self.blocked = true;
        self.stats
            .time
            .enter(WorkerState::Blocked, self.clock.now_ns());
    }

    fn keep_waiting(&mut self, _: usize, _: u64) -> bool {
        self.recorder.flush_if_due(self.clock.now_ns());
        !self.abort.is_set()
    }

    fn dropped(&mut self, id: u64) {
        WorkerStats::bump(&self.stats.dropped_next, 1);
        self.recorder.now.finished.push(id);
    }

    fn evicted(&mut self, id: u64) {
        WorkerStats::bump(&self.stats.evicted_next, 1);
        self.recorder.now.finished.push(id);
    }
}
