//! The source thread: asks the arrival process when items are due, takes
//! them from the [`Source`], stamps id and birth, and pushes them into the
//! first queue (all that is due at once as one batch, while the first stage
//! takes batches). It publishes its backlog (items due but not admitted) so the
//! sampler can show `source_pending` and `source_lag_ms` even while it is
//! blocked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, unbounded};
use crossbeam_utils::CachePadded;

use super::batch::{BATCH_MAX, Batch};
use super::clock;
use super::item::Item;
use super::queue::{PushObserver, QueueWriter};
use super::run_context::RunContext;
use super::source::Source;
use super::thread_exit::LiveThreads;
use crate::metrics::recorder::{FlushOrigin, Recorder};
use crate::metrics::sampler::Sampler;
use crate::metrics::time_account::WorkerState;
use crate::metrics::worker_group::SharedWorkerStats;
use crate::metrics::worker_stats::WorkerStats;
use crate::model::arrival_process::{ArrivalProcess, MaxSpacing};
use crate::model::spec::{Arrivals, Rate};

/// A change to the source while it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceCommand {
    Burst(u64),
    Rate(Rate),
    Pause,
    Resume,
    /// Stop taking items; the item in hand is still delivered.
    Stop,
}

/// What the source publishes for the sampler.
#[derive(Debug, Default)]
pub struct SourceStatus {
    pending: AtomicU64,
    /// Due time of the oldest pending item, `u64::MAX` when none.
    oldest_due_ns: AtomicU64,
    exhausted: AtomicBool,
    /// Arrivals due and not admitted when the source thread ended.
    unadmitted: AtomicU64,
}

impl SourceStatus {
    fn publish(&self, (pending, oldest): (u64, Option<u64>)) {
        self.pending.store(pending, Ordering::Relaxed);
        self.oldest_due_ns
            .store(oldest.unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Items due but not admitted, and how late the oldest is at `now_ns`, in ms.
    pub fn backlog(&self, now_ns: u64) -> (u64, f64) {
        let pending = self.pending.load(Ordering::Relaxed);
        let oldest = self.oldest_due_ns.load(Ordering::Relaxed);
        if pending == 0 || oldest == u64::MAX {
            return (0, 0.0);
        }
        (pending, now_ns.saturating_sub(oldest) as f64 / 1e6)
    }

    /// The source ran out of items.
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Acquire)
    }

    /// Arrivals that were due when the source stopped and never admitted
    /// (set as the source thread ends).
    pub fn unadmitted(&self) -> u64 {
        self.unadmitted.load(Ordering::Acquire)
    }
}

/// The controller's handle on the running source thread.
pub struct SourceHandle {
    pub commands: Sender<SourceCommand>,
    pub status: Arc<SourceStatus>,
    pub thread: JoinHandle<()>,
    /// Reads 0 once the thread has ended (and woken the controller).
    pub live: LiveThreads,
}

/// A source waiting to be started, with its pacing.
pub trait LaunchSource: Send {
    fn first_id(&self) -> u64;
    fn rate(&self) -> Rate;
    fn launch(
        self: Box<Self>,
        ctx: RunContext,
        sampler: &mut Sampler,
    ) -> std::io::Result<SourceHandle>;
}

/// A typed source, its pacing and the first queue it feeds.
pub struct SourceRunner<S: Source> {
    pub source: S,
    pub writer: QueueWriter<S::Item>,
    pub rate: Rate,
    pub arrivals: Arrivals,
    pub seed: u64,
}

impl<S: Source> LaunchSource for SourceRunner<S> {
    fn first_id(&self) -> u64 {
        self.source.first_id()
    }

    fn rate(&self) -> Rate {
        self.rate
    }

    fn launch(
        self: Box<Self>,
        ctx: RunContext,
        sampler: &mut Sampler,
    ) -> std::io::Result<SourceHandle> {
        let now = ctx.clock.now_ns();
        let stats: SharedWorkerStats = Arc::new(CachePadded::new(WorkerStats::new(now)));
        sampler.track_source(stats.clone());
        let (commands, inbox) = unbounded();
        let status = Arc::new(SourceStatus::default());
        let thread_status = status.clone();
        let live = LiveThreads::new(ctx.exits.clone());
        let exit = live.enlist();
        let spawner = ctx.spawner.clone();
        let thread = spawner.spawn("pipetop:source".into(), move || {
            let _exit = exit;
            self.run(ctx, stats, inbox, thread_status);
        })?;
        Ok(SourceHandle {
            commands,
            status,
            thread,
            live,
        })
    }
}

impl<S: Source> SourceRunner<S> {
    fn run(
        self,
        ctx: RunContext,
        stats: SharedWorkerStats,
        inbox: Receiver<SourceCommand>,
        status: Arc<SourceStatus>,
    ) {
        clock::tighten_timer_slack();
        let Self {
            mut source,
            writer,
            rate,
            arrivals,
            seed,
        } = self;
        let clock = ctx.clock;
        let mut recorder = Recorder::new(
            FlushOrigin::Source,
            ctx.flush_every_ns,
            clock.now_ns(),
            ctx.flushes.clone(),
        );
        let mut process =
            ArrivalProcess::new(rate, arrivals, MaxSpacing::Immediate, seed, clock.now_ns());
        let mut next_id = source.first_id();
        let mut stopping = false;
        let mut outgoing = Vec::with_capacity(BATCH_MAX);
        'run: loop {
            loop {
                match inbox.try_recv() {
                    Ok(SourceCommand::Stop) | Err(TryRecvError::Disconnected) => break 'run,
                    Ok(command) => apply(&mut process, command, clock.now_ns()),
                    Err(TryRecvError::Empty) => break,
                }
            }
            if ctx.abort.is_set() || stopping {
                break;
            }
            let now = clock.now_ns();
            match process.next_due(now) {
                Some(due) if due <= now => {
                    // Everything due now goes in: one item, or a batch as
                    // large as the first stage asks for.
                    let limit = writer.batch_items();
                    while outgoing.len() < limit
                        && process.next_due(now).is_some_and(|due| due <= now)
                    {
                        let Some(payload) = source.next_item() else {
                            status.exhausted.store(true, Ordering::Release);
                            break;
                        };
                        outgoing.push(Item {
                            id: next_id,
                            born_ns: process.take(now),
                            enqueued_ns: now,
                            payload,
                        });
                        next_id += 1;
                    }
                    if outgoing.is_empty() {
                        break; // exhausted
                    }
                    stats.time.enter(WorkerState::Busy, now);
                    WorkerStats::bump(&stats.taken, outgoing.len() as u64);
                    let mut observer = SourceObserver {
                        stats: &stats,
                        recorder: &mut recorder,
                        ctx: &ctx,
                        process: &mut process,
                        status: &status,
                        inbox: &inbox,
                        stopping: &mut stopping,
                    };
                    let pushed = writer.push(Batch::take_from(&mut outgoing), &mut observer);
                    WorkerStats::bump(&stats.pushed, pushed.accepted);
                    if pushed.aborted || status.exhausted() {
                        break;
                    }
                    status.publish(process.backlog(now));
                }
                next_due => {
                    status.publish(process.backlog(now));
                    stats.time.enter(WorkerState::Idle, now);
                    let wake = next_due.map_or(recorder.next_flush_ns(), |due| {
                        due.min(recorder.next_flush_ns())
                    });
                    match inbox.recv_deadline(clock.instant_at(wake)) {
                        Ok(SourceCommand::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                        Ok(command) => apply(&mut process, command, clock.now_ns()),
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                }
            }
            recorder.flush_if_due(now);
        }
        // A source that ran out of items leaves nothing behind: the due slot
        // that found no item was never an arrival.
        if !status.exhausted() {
            let (unadmitted, _) = process.backlog(clock.now_ns());
            status.unadmitted.store(unadmitted, Ordering::Release);
        }
        status.publish((0, None));
        recorder.flush(clock.now_ns());
        stats.time.enter(WorkerState::Exited, clock.now_ns());
    }
}

fn apply(process: &mut ArrivalProcess, command: SourceCommand, now_ns: u64) {
    match command {
        SourceCommand::Burst(items) => process.burst(items, now_ns),
        SourceCommand::Rate(rate) => process.set_rate(rate, now_ns),
        SourceCommand::Pause => process.pause(now_ns),
        SourceCommand::Resume => process.resume(now_ns),
        SourceCommand::Stop => {}
    }
}

/// Accounts the source's blocked time; while blocked, keeps its backlog
/// fresh and still takes commands (a burst or a new rate applies at once; a
/// stop waits until the item in hand is delivered).
struct SourceObserver<'a> {
    stats: &'a SharedWorkerStats,
    recorder: &'a mut Recorder,
    ctx: &'a RunContext,
    process: &'a mut ArrivalProcess,
    status: &'a SourceStatus,
    inbox: &'a Receiver<SourceCommand>,
    stopping: &'a mut bool,
}

impl PushObserver for SourceObserver<'_> {
    fn now_ns(&mut self) -> u64 {
        self.ctx.clock.now_ns()
    }

    fn blocked(&mut self) {
        self.stats
            .time
            .enter(WorkerState::Blocked, self.ctx.clock.now_ns());
    }

    fn keep_waiting(&mut self, waiting: usize, oldest_born_ns: u64) -> bool {
        let now = self.ctx.clock.now_ns();
        while let Ok(command) = self.inbox.try_recv() {
            match command {
                SourceCommand::Stop => *self.stopping = true,
                command => apply(self.process, command, now),
            }
        }
        // The items of the batch still waiting to go in are due and not yet
        // admitted: they count in the backlog too.
        let (pending, oldest) = self.process.backlog(now);
        let oldest = oldest.map_or(oldest_born_ns, |due| due.min(oldest_born_ns));
        self.status
            .publish((pending + waiting as u64, Some(oldest)));
        self.recorder.flush_if_due(now);
        !self.ctx.abort.is_set()
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
