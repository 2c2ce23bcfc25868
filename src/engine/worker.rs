//! One worker thread of a stage: take an item, process it (retrying failed
//! attempts, surviving panics), pass the result on, record what it measured.
//! It leaves only between items: when retired, when its input is drained and
//! closed, or when the run is aborted.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError, select};

use super::clock::{self, Clock};
use super::failures::Failure;
use super::item::Item;
use super::panic_guard;
use super::queue::{PushObserver, Pushed, QueueWriter};
use super::stage_shared::{AbortFlag, StageShared};
use super::work::{Work, WorkError, WorkFactory};
use crate::metrics::recorder::Recorder;
use crate::metrics::time_account::WorkerState;
use crate::metrics::worker_group::SharedWorkerStats;
use crate::metrics::worker_stats::WorkerStats;

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
    /// A token here crashes one worker in the middle of its next item.
    pub crash: Receiver<()>,
}

/// Everything one worker needs.
pub struct Worker<In, Out> {
    pub serial: u64,
    pub input: Receiver<Item<In>>,
    pub output: Output<Out>,
    pub signals: PoolSignals,
    pub stats: SharedWorkerStats,
    pub recorder: Recorder,
    pub clock: Clock,
    pub shared: Arc<StageShared>,
    pub factory: WorkFactory<In, Out>,
}

impl<In: Send + 'static, Out: Send + 'static> Worker<In, Out> {
    /// Runs until retired, drained or aborted.
    pub fn run(mut self) {
        clock::tighten_timer_slack();
        panic_guard::quiet_this_thread();
        let mut work = (self.factory)(self.serial);
        // Crash orders taken but not yet carried out.
        let mut crashes_due = 0u32;
        while let Some(item) = self.next_item(&mut crashes_due) {
            let passed_on = self.handle(item, &mut work, &mut crashes_due);
            if !passed_on || self.signals.retire.try_recv().is_ok() {
                break;
            }
        }
        self.recorder.flush(self.clock.now_ns());
        self.stats
            .time
            .enter(WorkerState::Exited, self.clock.now_ns());
    }

    /// The next item, waiting idle for one if the queue is empty; `None` when
    /// this worker should leave (retired, input drained and closed, aborted).
    fn next_item(&mut self, crashes_due: &mut u32) -> Option<Item<In>> {
        if self.shared.abort.is_set() {
            return None;
        }
        match self.input.try_recv() {
            Ok(item) => return Some(item),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) => {}
        }
        self.stats
            .time
            .enter(WorkerState::Idle, self.clock.now_ns());
        loop {
            let timeout = self.clock.instant_at(self.recorder.next_flush_ns());
            select! {
                recv(self.input) -> msg => return msg.ok(),
                recv(self.signals.retire) -> _ => return None,
                recv(self.signals.crash) -> _ => *crashes_due += 1,
                default(timeout.saturating_duration_since(std::time::Instant::now())) => {
                    self.recorder.flush_if_due(self.clock.now_ns());
                    if self.shared.abort.is_set() {
                        return None;
                    }
                }
            }
        }
    }

    /// Processes one item to its end: passed on, completed, dropped or
    /// dead-lettered. False when the run was aborted while it waited.
    fn handle(
        &mut self,
        item: Item<In>,
        work: &mut Box<dyn Work<In, Out>>,
        crashes_due: &mut u32,
    ) -> bool {
        let mut now = self.clock.now_ns();
        self.stats.time.enter(WorkerState::Busy, now);
        WorkerStats::bump(&self.stats.taken, 1);
        self.recorder
            .now
            .wait
            .record(now.saturating_sub(item.enqueued_ns));
        let mut attempts = 0;
        let mut restarts = self
            .stats
            .restarts
            .load(std::sync::atomic::Ordering::Relaxed);
        let output = loop {
            attempts += 1;
            if *crashes_due == 0 && self.signals.crash.try_recv().is_ok() {
                *crashes_due = 1;
            }
            let crash = *crashes_due > 0;
            *crashes_due = crashes_due.saturating_sub(1);
            let started = now;
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                if crash {
                    panic!("worker crashed by operator");
                }
                work.process(&item.payload)
            }));
            self.apply_slowdown(started);
            now = self.clock.now_ns();
            self.recorder.now.service.record(now - started);
            let error = match result {
                Ok(Ok(output)) => break Some(output),
                Ok(Err(error)) => (false, error),
                Err(_) => {
                    // A fresh worker replaces the one that panicked, with
                    // an incarnation number of its own (a simulated worker
                    // seeds from it, so it does not replay the same panic).
                    WorkerStats::bump(&self.stats.restarts, 1);
                    restarts += 1;
                    *work = (self.factory)(self.serial | (restarts << 32));
                    let message = panic_guard::take_last_message();
                    (
                        true,
                        WorkError::new(message.unwrap_or_else(|| "panicked".into())),
                    )
                }
            };
            let (panicked, error) = error;
            let t_s = now as f64 / 1e9;
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
                break None;
            }
            WorkerStats::bump(&self.stats.retried, 1);
            let backoff = (Duration::from_millis(1) * attempts).min(MAX_BACKOFF);
            clock::sleep_until(std::time::Instant::now() + backoff);
            now = self.clock.now_ns();
        };
        let Some(output) = output else {
            WorkerStats::bump(&self.stats.dead_lettered, 1);
            self.recorder.now.finished.push(item.id);
            self.recorder.flush_if_due(now);
            return true;
        };
        let pushed = match &self.output {
            Output::Sink(sink) => {
                sink(output);
                now = self.clock.now_ns();
                self.recorder
                    .now
                    .end_to_end
                    .record(now.saturating_sub(item.born_ns));
                self.recorder.now.finished.push(item.id);
                WorkerStats::bump(&self.stats.completed, 1);
                true
            }
            Output::Queue(writer) => {
                let next = Item {
                    id: item.id,
                    born_ns: item.born_ns,
                    enqueued_ns: now,
                    payload: output,
                };
                let mut observer = ProducerObserver {
                    stats: &self.stats,
                    recorder: &mut self.recorder,
                    clock: self.clock,
                    abort: &self.shared.abort,
                };
                match writer.push(next, &mut observer) {
                    Pushed::Accepted => {
                        WorkerStats::bump(&self.stats.pushed, 1);
                        true
                    }
                    Pushed::Dropped(id) => {
                        WorkerStats::bump(&self.stats.dropped_next, 1);
                        self.recorder.now.finished.push(id);
                        true
                    }
                    Pushed::Aborted => false,
                }
            }
        };
        let now = self.clock.now_ns();
        self.stats.time.enter(WorkerState::Busy, now);
        self.recorder.flush_if_due(now);
        pushed
    }

    /// Stretches the attempt that started at `started_ns` by the stage's slowdown.
    fn apply_slowdown(&self, started_ns: u64) {
        let factor = self.shared.slowdown();
        if factor <= 1.0 {
            return;
        }
        let took = self.clock.now_ns().saturating_sub(started_ns);
        let extra = Duration::from_nanos(((factor - 1.0) * took as f64) as u64);
        match self.shared.mode {
            crate::engine::WorkMode::Spin => clock::spin_for_cpu(extra),
            crate::engine::WorkMode::Sleep => clock::sleep_until(std::time::Instant::now() + extra),
        }
    }
}

/// Accounts a producer's blocked time and evictions while it pushes.
pub struct ProducerObserver<'a> {
    pub stats: &'a SharedWorkerStats,
    pub recorder: &'a mut Recorder,
    pub clock: Clock,
    pub abort: &'a AbortFlag,
}

impl PushObserver for ProducerObserver<'_> {
    fn blocked(&mut self) {
        self.stats
            .time
            .enter(WorkerState::Blocked, self.clock.now_ns());
    }

    fn keep_waiting(&mut self) -> bool {
        self.recorder.flush_if_due(self.clock.now_ns());
        !self.abort.is_set()
    }

    fn evicted(&mut self, id: u64) {
        WorkerStats::bump(&self.stats.evicted_next, 1);
        self.recorder.now.finished.push(id);
    }
}
