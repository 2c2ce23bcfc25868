//! The control thread of a running pipeline: applies commands (from a
//! [`Controller`](super::Controller), the timeline or the run's time limit),
//! samples a snapshot every tick, and carries out `Stop` (drain, stage by
//! stage) and `Abort`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, select, unbounded};

use super::clock::Clock;
use super::command::{Command, Event, Origin, TimedCommand};
use super::pipeline::Pipeline;
use super::pool::StageControl;
use super::run::{MAX_SLOWDOWN, MAX_WORKERS, RunOptions};
use super::run_context::RunContext;
use super::source_thread::{SourceCommand, SourceHandle};
use super::spec::Rate;
use super::stage_shared::AbortFlag;
use crate::metrics::derived_events::EventWatch;
use crate::metrics::recorder::Flush;
use crate::metrics::sampler::{Sampler, SourceGauge, StageGauge, TickInput};
use crate::metrics::{RunState, Snapshot};

/// The state of the control thread.
pub(crate) struct ControlLoop {
    ctx: RunContext,
    stages: Vec<Box<dyn StageControl>>,
    source: Option<SourceHandle>,
    sampler: Sampler,
    watch: EventWatch,
    flushes: Receiver<Flush>,
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
    events: Vec<Event>,
}

impl ControlLoop {
    pub(crate) fn start(
        pipeline: Pipeline,
        options: RunOptions,
        commands: Receiver<Command>,
        snapshots: Sender<Arc<Snapshot>>,
    ) -> Self {
        let clock = Clock::start();
        let tick_ns = options.tick.as_nanos().max(1_000_000) as u64;
        let (flush_tx, flushes) = unbounded();
        let (exits_tx, exits) = unbounded();
        let abort: Arc<AbortFlag> = pipeline.parts.abort.clone();
        let ctx = RunContext {
            clock,
            flushes: flush_tx,
            flush_every_ns: (tick_ns / 2).clamp(10_000_000, 100_000_000),
            abort,
            exits: exits_tx,
        };
        let names = pipeline.stage_names();
        let mut parts = pipeline.parts;
        let launch = parts.source.take().expect("a built pipeline has a source");
        let mut sampler = Sampler::new(&names, options.window_secs, launch.first_id());
        let rate = launch.rate();
        let source = launch.launch(ctx.clone(), &mut sampler);
        for stage in &mut parts.stages {
            stage.start(ctx.clone(), &mut sampler);
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
        Self {
            closed: vec![false; parts.stages.len()],
            memory_cap: options.memory_cap,
            ctx,
            stages: parts.stages,
            source: Some(source),
            sampler,
            watch: EventWatch::default(),
            flushes,
            exits,
            commands,
            snapshots,
            timeline: timeline.into(),
            tick_ns,
            next_tick_ns: tick_ns,
            state: RunState::Running,
            rate,
            events: Vec::new(),
        }
    }

    fn now_s(&self) -> f64 {
        self.ctx.clock.now_ns() as f64 / 1e9
    }

    pub(crate) fn run(&mut self) {
        loop {
            let now = self.ctx.clock.now_ns();
            while self
                .timeline
                .front()
                .is_some_and(|t| t.at.as_nanos() as u64 <= now)
            {
                let entry = self.timeline.pop_front().expect("front exists");
                self.apply(entry.command, Origin::Timeline, entry.note);
            }
            if self.state != RunState::Draining
                && !self.state.is_final()
                && self.source.as_ref().is_some_and(|s| s.status.exhausted())
            {
                self.events.push(Event::new(
                    self.now_s(),
                    "source-done",
                    "the source ran out of items",
                ));
                self.begin_drain();
            }
            if self.state == RunState::Draining && self.advance_drain() {
                self.state = RunState::Done;
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
            deadline = deadline.min(next.at.as_nanos() as u64);
        }
        let timeout = Duration::from_nanos(deadline.saturating_sub(now));
        select! {
            recv(self.commands) -> command => {
                if let Ok(command) = command {
                    self.apply(command, Origin::Operator, None);
                }
            }
            recv(self.flushes) -> flush => {
                if let Ok(flush) = flush {
                    self.sampler.absorb(flush, now);
                }
                while let Ok(flush) = self.flushes.try_recv() {
                    self.sampler.absorb(flush, now);
                }
            }
            recv(self.exits) -> _ => {}
            default(timeout) => {}
        }
    }

    fn tick(&mut self) {
        let now = self.ctx.clock.now_ns();
        while let Ok(flush) = self.flushes.try_recv() {
            self.sampler.absorb(flush, now);
        }
        let gauges: Vec<StageGauge> = self.stages.iter_mut().map(|s| s.gauge()).collect();
        let (pending, lag_ms) = self
            .source
            .as_ref()
            .map_or((0, 0.0), |s| s.status.backlog(now));
        let source = SourceGauge {
            rate: self.rate,
            paused: self.state == RunState::Paused,
            pending,
            lag_ms,
        };
        let mut snapshot = self.sampler.sample(TickInput {
            now_ns: now,
            state: self.state,
            source,
            stages: &gauges,
            events: std::mem::take(&mut self.events),
        });
        let derived = self.watch.events(&snapshot);
        snapshot.events.extend(derived);
        let rss = snapshot.process.rss_bytes;
        let _ = self.snapshots.send(Arc::new(snapshot));
        if let Some(cap) = self.memory_cap
            && rss > cap
            && !self.state.is_final()
        {
            self.events.push(Event::new(
                self.now_s(),
                "memory-cap",
                format!(
                    "memory cap reached: RSS {:.1} MiB > {:.1} MiB, aborting",
                    rss as f64 / 1_048_576.0,
                    cap as f64 / 1_048_576.0
                ),
            ));
            self.abort();
        }
        while self.next_tick_ns <= now {
            self.next_tick_ns += self.tick_ns;
        }
    }

    fn send_source(&self, command: SourceCommand) {
        if let Some(source) = &self.source {
            let _ = source.commands.send(command);
        }
    }

    fn apply(&mut self, command: Command, origin: Origin, note: Option<String>) {
        let t_s = self.now_s();
        let kind = command.kind();
        if self.state.is_final() {
            return;
        }
        let stopped = self.state == RunState::Draining;
        let stage_name = |stages: &[Box<dyn StageControl>], i: usize| {
            stages.get(i).map(|s| s.name().to_string())
        };
        let mut event = Event::new(t_s, kind, "");
        event.origin = origin;
        event.note = note;
        match command {
            Command::Workers { stage, count } => {
                let Some(name) = stage_name(&self.stages, stage) else {
                    return self.ignore(event, format!("no stage {stage}"));
                };
                let count = count.min(MAX_WORKERS);
                let before = self.stages[stage].target();
                self.stages[stage].resize(count, &mut self.sampler);
                event.message = format!("{name}: workers {before} → {count}");
                event.stage = Some(name);
                event.count = Some(count);
            }
            Command::Burst { items } if !stopped => {
                self.send_source(SourceCommand::Burst(items));
                event.message = format!("burst of {items} items");
                event.items = Some(items);
            }
            Command::Rate(rate) if !rate.is_paceable() => {
                return self.ignore(
                    event,
                    format!("a rate is a positive number of items/s or max, not {rate}"),
                );
            }
            Command::Rate(rate) if !stopped => {
                self.send_source(SourceCommand::Rate(rate));
                event.message = format!("source rate {} → {rate}", self.rate);
                event.rate = Some(rate);
                self.rate = rate;
            }
            Command::Pause if !stopped => {
                self.send_source(SourceCommand::Pause);
                self.state = RunState::Paused;
                event.message = "source paused".into();
            }
            Command::Resume if !stopped => {
                self.send_source(SourceCommand::Resume);
                self.state = RunState::Running;
                event.message = "source resumed".into();
            }
            Command::Burst { .. } | Command::Rate(_) | Command::Pause | Command::Resume => {
                return self.ignore(event, "the source has stopped".into());
            }
            Command::Policy { stage, policy } => {
                let Some(name) = stage_name(&self.stages, stage) else {
                    return self.ignore(event, format!("no stage {stage}"));
                };
                let before = self.stages[stage].policy();
                self.stages[stage].set_policy(policy);
                event.message = format!("{name}: policy {before} → {policy}");
                event.stage = Some(name);
                event.policy = Some(policy);
            }
            Command::Slowdown { stage, factor } => {
                let factor = factor.min(MAX_SLOWDOWN);
                let Some(name) = stage_name(&self.stages, stage) else {
                    return self.ignore(event, format!("no stage {stage}"));
                };
                self.stages[stage].set_slowdown(factor);
                event.message = if factor <= 1.0 {
                    format!("{name}: speed restored")
                } else {
                    format!("{name}: slowed ×{factor}")
                };
                event.stage = Some(name);
                event.factor = Some(factor.max(1.0));
            }
            Command::Crash { stage } => {
                let Some(name) = stage_name(&self.stages, stage) else {
                    return self.ignore(event, format!("no stage {stage}"));
                };
                self.stages[stage].crash();
                event.message = format!("{name}: crashing one worker");
                event.stage = Some(name);
            }
            Command::Stop => {
                if stopped {
                    return;
                }
                event.message = "stop: source stopped, draining".into();
                self.events.push(event);
                return self.begin_drain();
            }
            Command::Abort => {
                event.message = "abort: ending now".into();
                self.events.push(event);
                return self.abort();
            }
        }
        self.events.push(event);
    }

    fn ignore(&mut self, mut event: Event, why: String) {
        event.message = format!("{} ignored: {why}", event.kind);
        self.events.push(event);
    }

    fn begin_drain(&mut self) {
        self.send_source(SourceCommand::Stop);
        self.state = RunState::Draining;
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
        if left > 0 {
            self.events.push(Event {
                items: Some(left),
                ..Event::new(
                    self.now_s(),
                    "unadmitted",
                    format!(
                        "the source stopped with {left} arrivals due and not admitted: \
                         never generated, they are in no count or latency"
                    ),
                )
            });
        }
    }

    /// Moves the drain along, stage by stage; true when everything is joined.
    fn advance_drain(&mut self) -> bool {
        // A stage with no workers would stall the drain (and everything
        // upstream of it): it gets one back.
        for stage in &mut self.stages {
            if stage.target() == 0 {
                stage.resize(1, &mut self.sampler);
                self.events.push(Event {
                    stage: Some(stage.name().to_string()),
                    count: Some(1),
                    ..Event::new(
                        self.ctx.clock.now_ns() as f64 / 1e9,
                        "workers",
                        format!("{}: one worker back to drain the queue", stage.name()),
                    )
                });
            }
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
