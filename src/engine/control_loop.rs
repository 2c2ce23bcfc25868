//! The control thread of a running pipeline: applies commands (from a
//! [`Controller`](super::Controller), the timeline or the run's time limit),
//! samples a snapshot every tick, and carries out `Stop` (drain, stage by
//! stage) and `Abort`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select, unbounded};

use super::clock::Clock;
use super::command_rules::{self, Controls, SourceChange};
use super::pipeline::Pipeline;
use super::pool::{SpawnRefused, StageControl};
use super::run::RunOptions;
use super::run_context::RunContext;
use super::source_thread::{SourceCommand, SourceHandle};
use super::stage_shared::AbortFlag;
use super::tick_schedule::SkippedTicks;
use crate::metrics::derived_events::EventWatch;
use crate::metrics::recorder::Flush;
use crate::metrics::sampler::{Sampler, SourceGauge, StageGauge, TickInput};
use crate::metrics::{RunState, Snapshot};
use crate::model::spec::Rate;
use crate::model::{Command, Event, EventKind, Origin, QueuePolicy, StageRef, TimedCommand};

/// The state of the control thread.
pub(crate) struct ControlLoop {
    ctx: RunContext,
    stages: Vec<Box<dyn StageControl>>,
    source: Option<SourceHandle>,
    sampler: Sampler,
    watch: EventWatch,
    /// Workers' recordings: absorbed every [`ABSORB_EVERY_NS`] and at each
    /// tick, never one wake-up per message (thousands of workers flush
    /// thousands of times a second).
    flushes: Receiver<Flush>,
    next_absorb_ns: u64,
    /// A message per engine thread that ends: the drain's next step may be due.
    exits: Receiver<()>,
    commands: Receiver<Command>,
    snapshots: Sender<Arc<Snapshot>>,
    timeline: VecDeque<TimedCommand>,
    tick_ns: u64,
    next_tick_ns: u64,
    state: RunState,
    rate: Rate,
    /// Stages whose output is closed during a drain.
    closed: Vec<bool>,
    memory_cap: Option<u64>,
    /// The longest a drain may last, and when the current one started.
    drain_timeout: Option<Duration>,
    drain_started_ns: Option<u64>,
    /// Arrivals the source left due and never admitted (known once it is joined).
    unadmitted: u64,
    /// How long the previous tick's sampling took, ms (the next snapshot shows it).
    last_tick_ms: f64,
    events: Vec<Event>,
    /// Ticks whose time passed with no snapshot, counted and reported.
    skipped: SkippedTicks,
}

impl ControlLoop {
    pub(crate) fn start(
        pipeline: Pipeline,
        options: RunOptions,
        commands: Receiver<Command>,
        snapshots: Sender<Arc<Snapshot>>,
    ) -> std::io::Result<Self> {
        let clock = Clock::start();
        let tick_ns = nanos(options.tick).max(1_000_000);
        let (flush_tx, flushes) = unbounded();
        let (exits_tx, exits) = unbounded();
        let abort: Arc<AbortFlag> = pipeline.parts.abort.clone();
        let ctx = RunContext {
            clock,
            flushes: flush_tx,
            flush_every_ns: (tick_ns / 2).clamp(10_000_000, 100_000_000),
            abort,
            exits: exits_tx,
            spawner: options.spawner.clone(),
        };
        let names = pipeline.stage_names();
        let mut parts = pipeline.parts;
        let launch = parts.source.take().expect("a built pipeline has a source");
        let mut sampler = Sampler::new(&names, options.window_secs, launch.first_id());
        let rate = launch.rate();
        let source = launch.launch(ctx.clone(), &mut sampler)?;
        let mut refused = Vec::new();
        for (index, stage) in parts.stages.iter_mut().enumerate() {
            if let Err(e) = stage.start(ctx.clone(), &mut sampler) {
                refused.push((index, e));
            }
        }
        let mut timeline = options.timeline;
        if let Some(at) = options.stop_after {
            timeline.push(TimedCommand {
                at,
                command: Command::Stop,
                note: Some("duration reached".into()),
            });
        }
        timeline.sort_by_key(|t| t.at);
        let mut control = Self {
            closed: vec![false; parts.stages.len()],
            memory_cap: options.memory_cap,
            drain_timeout: options.drain_timeout,
            drain_started_ns: None,
            unadmitted: 0,
            last_tick_ms: 0.0,
            ctx,
            stages: parts.stages,
            source: Some(source),
            sampler,
            watch: EventWatch::default(),
            flushes,
            next_absorb_ns: 0,
            exits,
            commands,
            snapshots,
            timeline: timeline.into(),
            tick_ns,
            next_tick_ns: tick_ns,
            state: RunState::Running,
            rate,
            events: Vec::new(),
            skipped: SkippedTicks::default(),
        };
        for (index, refused) in refused {
            control.refused_spawn(index, refused);
        }
        Ok(control)
    }

    fn now_s(&self) -> f64 {
        self.ctx.clock.now_ns() as f64 / 1e9
    }

    pub(crate) fn run(&mut self) {
        loop {
            let now = self.ctx.clock.now_ns();
            while self.timeline.front().is_some_and(|t| nanos(t.at) <= now) {
                let entry = self.timeline.pop_front().expect("front exists");
                command_rules::apply(self, entry.command, Origin::Timeline, entry.note);
            }
            if self.state != RunState::Draining
                && !self.state.is_final()
                && self.source.as_ref().is_some_and(|s| s.status.exhausted())
            {
                self.events
                    .push(Event::new(self.now_s(), EventKind::SourceDone));
                self.begin_drain();
            }
            if self.state == RunState::Draining {
                self.advance_drain();
            }
            if self.state == RunState::Draining && self.drain_overdue(now) {
                self.cut_drain_short();
            }
            if self.state.is_final() || now >= self.next_tick_ns {
                // A tick may itself end the run (the memory cap): the final
                // snapshot then comes on the next turn.
                let ending = self.state.is_final();
                self.tick();
                if ending {
                    return;
                }
            }
            self.wait();
        }
    }

    /// Waits for a command, a flush, a thread's exit, the next tick or
    /// timeline entry.
    fn wait(&mut self) {
        let now = self.ctx.clock.now_ns();
        let mut deadline = self.next_tick_ns;
        if let Some(next) = self.timeline.front() {
            deadline = deadline.min(nanos(next.at));
        }
        if let Some(left) = self.drain_left_s(now) {
            deadline = deadline.min(now + (left * 1e9) as u64);
        }
        deadline = deadline.min(self.next_absorb_ns.max(now));
        let timeout = Duration::from_nanos(deadline.saturating_sub(now));
        select! {
            recv(self.commands) -> command => {
                if let Ok(command) = command {
                    command_rules::apply(self, command, Origin::Operator, None);
                }
            }
            recv(self.exits) -> _ => self.join_exited(),
            default(timeout) => {}
        }
        let now = self.ctx.clock.now_ns();
        if now >= self.next_absorb_ns {
            self.absorb_flushes(now);
        }
    }

    /// Takes in the workers' recordings that have arrived.
    fn absorb_flushes(&mut self, now: u64) {
        while let Ok(flush) = self.flushes.try_recv() {
            self.sampler.absorb(flush, now);
        }
        self.next_absorb_ns = now.saturating_add(ABSORB_EVERY_NS);
    }

    /// Joins worker threads that have ended (retired, crashed out), so a
    /// pool resized again and again keeps no stacks of threads long gone.
    /// A thread wakes the controller as it ends; one that was still
    /// unwinding then is joined at the next wake-up or tick.
    fn join_exited(&mut self) {
        for stage in &mut self.stages {
            stage.reap();
        }
    }

    fn tick(&mut self) {
        self.join_exited();
        let now = self.ctx.clock.now_ns();
        let tick_started = Instant::now();
        self.absorb_flushes(now);
        let gauges: Vec<StageGauge> = self.stages.iter_mut().map(|s| s.gauge(now)).collect();
        let (pending, lag_ms) = self
            .source
            .as_ref()
            .map_or((0, 0.0), |s| s.status.backlog(now));
        if let Some((skipped, total)) = self.skipped.report(now, self.state.is_final()) {
            let kind = EventKind::TicksSkipped { skipped, total };
            self.events.push(Event::new(self.now_s(), kind));
        }
        let source = SourceGauge {
            rate: self.rate,
            paused: self.state == RunState::Paused,
            pending,
            lag_ms,
            unadmitted: self.unadmitted,
        };
        let drain_left_s = self.drain_left_s(now);
        let mut snapshot = self.sampler.sample(TickInput {
            now_ns: now,
            state: self.state,
            source,
            stages: &gauges,
            events: std::mem::take(&mut self.events),
        });
        snapshot.drain_left_s = drain_left_s;
        snapshot.process.tick_ms = self.last_tick_ms;
        let derived = self.watch.events(&snapshot);
        snapshot.events.extend(derived);
        let rss = snapshot.process.rss_bytes;
        let _ = self.snapshots.send(Arc::new(snapshot));
        self.last_tick_ms = tick_started.elapsed().as_secs_f64() * 1e3;
        if let Some(cap) = self.memory_cap
            && rss > cap
            && !self.state.is_final()
        {
            self.events.push(Event::new(
                self.now_s(),
                EventKind::MemoryCap {
                    rss_bytes: rss,
                    cap_bytes: cap,
                },
            ));
            self.abort();
        }
        self.skipped
            .advance(&mut self.next_tick_ns, now, self.tick_ns);
    }

    fn send_source(&self, command: SourceCommand) {
        if let Some(source) = &self.source {
            let _ = source.commands.send(command);
        }
    }

    /// Stage `index` (which exists), named for an event.
    fn named(&self, index: usize) -> StageRef {
        StageRef {
            index,
            name: self.stages[index].name().to_string(),
        }
    }

    /// Resizes stage `index`'s pool; a thread the OS refused becomes an event.
    fn resize(&mut self, index: usize, count: usize) {
        if let Err(refused) = self.stages[index].resize(count, &mut self.sampler) {
            self.refused_spawn(index, refused);
        }
    }

    fn refused_spawn(&mut self, index: usize, refused: SpawnRefused) {
        let kind = EventKind::SpawnRefused {
            stage: self.named(index),
            running: refused.running,
            error: refused.error.to_string(),
        };
        self.events.push(Event::new(self.now_s(), kind));
    }

    fn begin_drain(&mut self) {
        self.send_source(SourceCommand::Stop);
        self.state = RunState::Draining;
        self.drain_started_ns.get_or_insert(self.ctx.clock.now_ns());
    }

    /// Seconds left before the drain is cut short, while draining.
    fn drain_left_s(&self, now: u64) -> Option<f64> {
        let started = self
            .drain_started_ns
            .filter(|_| self.state == RunState::Draining)?;
        let limit = self.drain_timeout?.as_nanos() as u64;
        Some(limit.saturating_sub(now.saturating_sub(started)) as f64 / 1e9)
    }

    fn drain_overdue(&self, now: u64) -> bool {
        self.drain_left_s(now).is_some_and(|left| left <= 0.0)
    }

    /// The drain outlasted its limit: abort, reporting what is in flight.
    fn cut_drain_short(&mut self) {
        let limit_s = self.drain_timeout.unwrap_or_default().as_secs_f64();
        let in_flight = self.sampler.in_flight_at_last_tick();
        self.events.push(Event::new(
            self.now_s(),
            EventKind::DrainTimeout { limit_s, in_flight },
        ));
        self.abort();
    }

    /// Joins the source thread, if it still runs. Arrivals it left due and
    /// never admitted get an event: they were never generated, so no count
    /// or latency includes them, and they are the ones that waited longest.
    fn join_source(&mut self) {
        let Some(source) = self.source.take() else {
            return;
        };
        let _ = source.thread.join();
        let left = source.status.unadmitted();
        self.unadmitted = left;
        if left > 0 {
            self.events.push(Event::new(
                self.now_s(),
                EventKind::Unadmitted { items: left },
            ));
        }
    }

    /// Moves the drain along, stage by stage; the run is done when
    /// everything is joined (or aborted, with no thread to drain with).
    fn advance_drain(&mut self) {
        if self.drain_step() {
            self.state = RunState::Done;
        }
    }

    /// One step of the drain; true when everything is joined.
    fn drain_step(&mut self) -> bool {
        // A stage with no workers would stall the drain (and everything
        // upstream of it): it gets one back.
        for index in 0..self.stages.len() {
            if self.stages[index].target() > 0 {
                continue;
            }
            let stage = self.named(index);
            self.resize(index, 1);
            if self.stages[index].target() == 0 {
                // No thread to drain it with: what is left is reported.
                self.abort();
                return false;
            }
            let kind = EventKind::DrainWorker { stage };
            self.events.push(Event::new(self.now_s(), kind));
        }
        if self.source.as_ref().is_some_and(|s| s.live.count() == 0) {
            self.join_source();
        }
        if self.source.is_some() {
            return false;
        }
        for (i, stage) in self.stages.iter_mut().enumerate() {
            if self.closed[i] {
                continue;
            }
            if stage.reap() > 0 {
                return false;
            }
            stage.close_output();
            self.closed[i] = true;
        }
        true
    }

    fn abort(&mut self) {
        self.ctx.abort.set();
        self.send_source(SourceCommand::Stop);
        self.join_source();
        for stage in &mut self.stages {
            stage.dismiss_all();
            stage.join_all();
            stage.close_output();
        }
        self.state = RunState::Aborted;
    }
}

impl Controls for ControlLoop {
    fn state(&self) -> RunState {
        self.state
    }

    fn set_state(&mut self, state: RunState) {
        self.state = state;
    }

    fn now_s(&self) -> f64 {
        ControlLoop::now_s(self)
    }

    fn stage_name(&self, index: usize) -> Option<String> {
        self.stages.get(index).map(|s| s.name().to_string())
    }

    fn pool_target(&self, index: usize) -> usize {
        self.stages[index].target()
    }

    fn set_pool(&mut self, index: usize, count: usize) {
        self.resize(index, count);
    }

    fn stage_policy(&self, index: usize) -> QueuePolicy {
        self.stages[index].policy()
    }

    fn set_stage_policy(&mut self, index: usize, policy: QueuePolicy) {
        self.stages[index].set_policy(policy);
    }

    fn set_stage_slowdown(&mut self, index: usize, factor: f64) {
        self.stages[index].set_slowdown(factor);
    }

    fn crash_worker(&mut self, index: usize, origin: Origin) {
        self.stages[index].crash(origin);
    }

    fn steer_source(&mut self, change: SourceChange) {
        self.send_source(match change {
            SourceChange::Burst(items) => SourceCommand::Burst(items),
            SourceChange::Rate(rate) => SourceCommand::Rate(rate),
            SourceChange::Pause => SourceCommand::Pause,
            SourceChange::Resume => SourceCommand::Resume,
        });
    }

    fn replace_rate(&mut self, rate: Rate) -> Rate {
        std::mem::replace(&mut self.rate, rate)
    }

    fn log_event(&mut self, event: Event) {
        self.events.push(event);
    }

    fn begin_drain(&mut self) {
        ControlLoop::begin_drain(self);
    }

    fn abort(&mut self) {
        ControlLoop::abort(self);
    }
}

/// How often the control thread takes in the workers' recordings between
/// ticks (so the channel holds at most this long of them).
const ABSORB_EVERY_NS: u64 = 50_000_000;

/// `d` in engine nanoseconds, saturating: a time past what 64 bits hold
/// (584 years, from a library's timeline or time limit) is never, not a
/// time that wrapped around to the start of the run.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
