//! A stage's worker pool: spawns, retires and joins the threads that serve
//! one input queue, and exposes the stage to the controller untyped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Sender, unbounded};
use crossbeam_utils::CachePadded;

use super::queue::QueueReader;
use super::run_context::RunContext;
use super::stage_shared::StageShared;
use super::thread_exit::LiveThreads;
use super::work::WorkFactory;
use super::worker::{Output, PoolSignals, Worker};
use crate::metrics::recorder::{FlushOrigin, Recorder};
use crate::metrics::sampler::{Sampler, StageGauge};
use crate::metrics::time_account::WorkerState;
use crate::metrics::worker_stats::WorkerStats;
use crate::model::FailureView;
use crate::model::Origin;
use crate::model::spec::QueuePolicy;

/// A stage as the controller sees it, whatever its item types.
pub trait StageControl: Send {
    fn name(&self) -> &str;
    /// Starts the initial workers (see [`Self::resize`]).
    fn start(&mut self, ctx: RunContext, sampler: &mut Sampler) -> Result<(), SpawnRefused>;
    /// Sets the pool size: grows by spawning, shrinks by retiring workers
    /// between items. A thread the OS refuses to start ends the growth: the
    /// pool stays at what it has, and the OS's error comes back.
    fn resize(&mut self, count: usize, sampler: &mut Sampler) -> Result<(), SpawnRefused>;
    /// The requested pool size.
    fn target(&self) -> usize;
    fn set_policy(&self, policy: QueuePolicy);
    fn policy(&self) -> QueuePolicy;
    fn set_slowdown(&self, factor: f64);
    /// Makes one worker crash in the middle of its next item, saying who
    /// ordered it.
    fn crash(&self, origin: Origin);
    /// The live gauges for the sampler.
    fn gauge(&mut self, now_ns: u64) -> StageGauge;
    /// Joins workers that have exited; returns how many are still running.
    /// Each exit wakes the controller, so it need not poll.
    fn reap(&mut self) -> usize;
    /// Wakes every worker to leave (the run is aborting), leaving the
    /// requested pool size as the operator set it, for the report.
    fn dismiss_all(&mut self);
    /// Waits for every worker to exit (they leave at once after an abort).
    fn join_all(&mut self);
    /// Lets go of the output, so the next queue closes once this stage's
    /// workers are gone.
    fn close_output(&mut self);
}

/// The OS would not start a worker thread.
#[derive(Debug)]
pub struct SpawnRefused {
    /// Workers the pool runs now (its size from here on).
    pub running: usize,
    /// The OS's error.
    pub error: std::io::Error,
}

/// The typed pool behind a [`StageControl`].
pub struct StagePool<In, Out> {
    index: usize,
    name: String,
    initial_workers: usize,
    input: QueueReader<In>,
    output: Option<Output<Out>>,
    factory: WorkFactory<In, Out>,
    shared: Arc<StageShared>,
    signals: PoolSignals,
    retire_tx: Sender<()>,
    crash_tx: Sender<Origin>,
    threads: Vec<JoinHandle<()>>,
    /// How many of `threads` are still running (set at start).
    live: Option<LiveThreads>,
    next_serial: u64,
    target: usize,
    ctx: Option<RunContext>,
    /// The failures as last copied, and the version they were copied at.
    failures: (u64, FailureView),
}

impl<In: Send + 'static, Out: Send + 'static> StagePool<In, Out> {
    pub fn new(
        index: usize,
        name: String,
        workers: usize,
        input: QueueReader<In>,
        output: Output<Out>,
        factory: WorkFactory<In, Out>,
        shared: Arc<StageShared>,
    ) -> Self {
        let (retire_tx, retire) = unbounded();
        let (crash_tx, crash) = unbounded();
        let pending = Arc::new(AtomicUsize::new(0));
        Self {
            index,
            name,
            initial_workers: workers,
            input,
            output: Some(output),
            factory,
            shared,
            signals: PoolSignals {
                retire,
                crash,
                pending,
            },
            retire_tx,
            crash_tx,
            threads: Vec::new(),
            live: None,
            next_serial: 0,
            target: 0,
            ctx: None,
            failures: (0, FailureView::default()),
        }
    }

    /// Tells `count` workers to leave between items.
    fn send_retirements(&self, count: usize) {
        for _ in 0..count {
            // The pool holds a receiver, so this cannot fail.
            self.signals.pending.fetch_add(1, Ordering::AcqRel);
            let _ = self.retire_tx.send(());
        }
    }

    fn spawn(&mut self, sampler: &mut Sampler) -> std::io::Result<()> {
        let (Some(ctx), Some(output), Some(live)) = (&self.ctx, &self.output, &self.live) else {
            return Ok(());
        };
        let now = ctx.clock.now_ns();
        let stats = Arc::new(CachePadded::new(WorkerStats::new(now)));
        sampler.track_worker(self.index, stats.clone());
        let tracked = stats.clone();
        let worker = Worker {
            serial: self.next_serial,
            input: self.input.clone(),
            output: output.clone(),
            signals: self.signals.clone(),
            stats,
            recorder: Recorder::new(
                FlushOrigin::Stage(self.index),
                ctx.flush_every_ns,
                now,
                ctx.flushes.clone(),
            ),
            clock: ctx.clock,
            shared: self.shared.clone(),
            factory: self.factory.clone(),
            _exit: live.enlist(),
        };
        let name = format!("pipetop:{}#{}", self.name, self.next_serial);
        // A refused thread never ran: its stats are marked exited, and its
        // exit notice is dropped with the closure, as a thread that ended.
        let handle = ctx
            .spawner
            .spawn(name, move || worker.run())
            .inspect_err(|_| tracked.time.enter(WorkerState::Exited, now))?;
        self.next_serial += 1;
        self.threads.push(handle);
        Ok(())
    }
}

impl<In: Send + 'static, Out: Send + 'static> StageControl for StagePool<In, Out> {
    fn name(&self) -> &str {
        &self.name
    }

    fn start(&mut self, ctx: RunContext, sampler: &mut Sampler) -> Result<(), SpawnRefused> {
        self.live = Some(LiveThreads::new(ctx.exits.clone()));
        self.ctx = Some(ctx);
        self.resize(self.initial_workers, sampler)
    }

    fn resize(&mut self, count: usize, sampler: &mut Sampler) -> Result<(), SpawnRefused> {
        if count <= self.target {
            self.send_retirements(self.target - count);
            self.target = count;
            return Ok(());
        }
        let mut to_add = count - self.target;
        // Take back retirements not yet picked up before spawning anew.
        while to_add > 0 && self.signals.retire.try_recv().is_ok() {
            self.signals.pending.fetch_sub(1, Ordering::AcqRel);
            to_add -= 1;
            self.target += 1;
        }
        for _ in 0..to_add {
            if let Err(error) = self.spawn(sampler) {
                return Err(SpawnRefused {
                    running: self.target,
                    error,
                });
            }
            self.target += 1;
        }
        Ok(())
    }

    fn target(&self) -> usize {
        self.target
    }

    fn set_policy(&self, policy: QueuePolicy) {
        self.input.control.set_policy(policy);
    }

    fn policy(&self) -> QueuePolicy {
        self.input.control.policy()
    }

    fn set_slowdown(&self, factor: f64) {
        self.shared.set_slowdown(factor);
    }

    fn crash(&self, origin: Origin) {
        self.signals.pending.fetch_add(1, Ordering::AcqRel);
        let _ = self.crash_tx.send(origin);
    }

    fn gauge(&mut self, now_ns: u64) -> StageGauge {
        let version = self.shared.failures.version();
        if version != self.failures.0 {
            self.failures = (version, self.shared.failures.view());
        }
        StageGauge {
            failures: self.failures.1.clone(),
            queue_len: self.input.control.len(),
            queue_length_integral: self.input.length_integral(now_ns),
            queue_capacity: self.input.control.capacity(),
            policy: self.input.control.policy(),
            workers_target: self.target,
            slowdown: self.shared.slowdown(),
            hit_capacity: self.input.control.take_hit_capacity(),
        }
    }

    fn reap(&mut self) -> usize {
        let live = self.live.as_ref().map_or(0, LiveThreads::count);
        if live == 0 {
            self.join_all();
            return 0;
        }
        // No thread has ended since the last look: nothing to join (this
        // runs at every tick and every thread exit).
        if live == self.threads.len() {
            return live;
        }
        let (done, running): (Vec<_>, Vec<_>) =
            self.threads.drain(..).partition(|t| t.is_finished());
        for thread in done {
            // Work panics are caught inside the worker; a join error here
            // would be an engine bug, and the worker's counts are already in.
            let _ = thread.join();
        }
        self.threads = running;
        live
    }

    fn dismiss_all(&mut self) {
        self.send_retirements(self.target);
    }

    fn join_all(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }

    fn close_output(&mut self) {
        self.output = None;
    }
}
