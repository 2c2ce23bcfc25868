//! Commands in virtual time: the same ones, with the same events and the
//! same reasons to ignore one, as the engine's control loop (see
//! `engine::control_loop::carry_out`). A command acts at the virtual time
//! it is applied: a timeline entry at its `at`, an operator's key at the
//! moment of virtual time the dashboard showed.

use crate::metrics::RunState;
use crate::model::{
    Applied, Command, Event, EventKind, MAX_SLOWDOWN, MAX_WORKERS, Origin, QueuePolicy, StageRef,
};

use super::simulation::{Offered, Simulation};
use super::stage::Producer;

impl Simulation {
    fn now_s(&self) -> f64 {
        self.now as f64 / 1e9
    }

    fn stage_ref(&self, index: usize) -> Result<StageRef, String> {
        match self.stages.get(index) {
            Some(stage) => Ok(StageRef {
                index,
                name: stage.name.clone(),
            }),
            None => Err(format!("no stage {index}")),
        }
    }

    /// An operator's command, at the current virtual time.
    pub fn command(&mut self, command: Command) {
        self.apply(command, Origin::Operator, None);
        self.check_drained();
    }

    /// Carries out `command` and logs its event.
    pub(super) fn apply(&mut self, command: Command, origin: Origin, note: Option<String>) {
        if self.state.is_final() {
            return;
        }
        let kind = match self.carry_out(command, origin) {
            Ok(Some(applied)) => EventKind::Applied(applied),
            Ok(None) => return,
            Err(why) => EventKind::Ignored { command, why },
        };
        let stop = matches!(kind, EventKind::Applied(Applied::Stop));
        let abort = matches!(kind, EventKind::Applied(Applied::Abort));
        self.events.push(Event {
            origin,
            note,
            ..Event::new(self.now_s(), kind)
        });
        if stop {
            self.begin_drain();
        } else if abort {
            self.abort();
        }
    }

    fn carry_out(&mut self, command: Command, origin: Origin) -> Result<Option<Applied>, String> {
        let stopped = self.state == RunState::Draining;
        let source_stopped = || Err("the source has stopped".to_string());
        let now = self.now;
        Ok(Some(match command {
            Command::Workers { stage, count } => {
                let stage = self.stage_ref(stage)?;
                let from = self.stages[stage.index].target;
                let to = count.min(MAX_WORKERS);
                self.resize(stage.index, to);
                if stopped && to == 0 {
                    self.drain_worker(stage.index);
                }
                Applied::Workers { stage, from, to }
            }
            Command::Policy { stage, policy } => {
                let stage = self.stage_ref(stage)?;
                let from = self.stages[stage.index].policy;
                self.set_policy(stage.index, policy);
                Applied::Policy {
                    stage,
                    from,
                    to: policy,
                }
            }
            Command::Slowdown { stage, factor } => {
                let stage = self.stage_ref(stage)?;
                let factor = factor.min(MAX_SLOWDOWN);
                self.stages[stage.index].slowdown = factor;
                Applied::Slowdown { stage, factor }
            }
            Command::Crash { stage } => {
                let stage = self.stage_ref(stage)?;
                let s = &mut self.stages[stage.index];
                match s.idle.last() {
                    Some(&w) => s.workers[w].crashes_due.push_back(origin),
                    None => s.crash_pending.push_back(origin),
                }
                Applied::Crash { stage }
            }
            Command::Rate(rate) if !rate.is_paceable() => {
                return Err(format!(
                    "a rate is a positive number of items/s or max, not {rate}"
                ));
            }
            Command::Burst { .. } | Command::Rate(_) | Command::Pause | Command::Resume
                if stopped =>
            {
                return source_stopped();
            }
            Command::Burst { items } => {
                self.source.process.burst(items, now);
                self.reschedule_source();
                Applied::Burst { items }
            }
            Command::Rate(rate) => {
                self.source.process.set_rate(rate, now);
                self.reschedule_source();
                let from = std::mem::replace(&mut self.rate, rate);
                Applied::Rate { from, to: rate }
            }
            Command::Pause => {
                self.source.process.pause(now);
                self.reschedule_source();
                self.state = RunState::Paused;
                Applied::Pause
            }
            Command::Resume => {
                self.source.process.resume(now);
                self.reschedule_source();
                self.state = RunState::Running;
                Applied::Resume
            }
            Command::Stop if stopped => return Ok(None),
            Command::Stop => Applied::Stop,
            Command::Abort => Applied::Abort,
        }))
    }

    /// After a change to the arrival process: take what is due now, or
    /// schedule the next arrival.
    fn reschedule_source(&mut self) {
        if self.source.held.is_none() && !self.source.stopped {
            self.source_pump();
        }
    }

    /// Sets stage `s`'s pool size: retires idle workers at once and busy
    /// ones after their item, or takes back retirements not yet carried
    /// out before starting new workers.
    pub(super) fn resize(&mut self, s: usize, count: usize) {
        let stage = &mut self.stages[s];
        if count <= stage.target {
            stage.retire_pending += stage.target - count;
            stage.target = count;
            while self.stages[s].retire_pending > 0 {
                let Some(w) = self.stages[s].idle.pop() else {
                    break;
                };
                self.stages[s].retire_pending -= 1;
                self.retire(s, w);
            }
            return;
        }
        let mut to_add = count - stage.target;
        let kept = to_add.min(stage.retire_pending);
        stage.retire_pending -= kept;
        stage.target += kept;
        to_add -= kept;
        for _ in 0..to_add {
            self.stages[s].target += 1;
            self.spawn_worker(s);
        }
    }

    /// Switches stage `s`'s queue policy; producers blocked on it try
    /// again under the new one (a drop policy frees them at once).
    fn set_policy(&mut self, s: usize, policy: QueuePolicy) {
        self.stages[s].policy = policy;
        if policy == QueuePolicy::Block {
            return;
        }
        let blocked: Vec<Producer> = self.stages[s].blocked.drain(..).collect();
        for producer in blocked {
            let item = match producer {
                Producer::Source => self.source.held.take(),
                Producer::Worker(w) => match self.stages[s - 1].workers[w].phase {
                    super::stage::Phase::Blocked { item } => Some(item),
                    _ => None,
                },
            };
            let Some(item) = item else { continue };
            if let Offered::Full(item) = self.offer(s, item, producer) {
                // Cannot happen under a drop policy; keep it blocked if it does.
                match producer {
                    Producer::Source => self.source.held = Some(item),
                    Producer::Worker(_) => {}
                }
                self.stages[s].blocked.push_back(producer);
                continue;
            }
            self.release(s, producer);
        }
    }

    /// `producer` no longer holds an item for stage `s`: it goes on.
    fn release(&mut self, s: usize, producer: Producer) {
        match producer {
            Producer::Source => {
                if self.source.stopping {
                    self.stop_source();
                } else {
                    self.source_pump();
                }
            }
            Producer::Worker(w) => {
                let stats = &self.stages[s - 1].workers[w].stats;
                stats
                    .time
                    .enter(crate::metrics::time_account::WorkerState::Busy, self.now);
                self.worker_free(s - 1, w);
            }
        }
    }

    /// A stage left at zero workers gets one back so the drain can end.
    fn drain_worker(&mut self, s: usize) {
        if self.stages[s].target > 0 {
            return;
        }
        let stage = self.stage_ref(s).expect("an existing stage");
        self.resize(s, 1);
        self.events
            .push(Event::new(self.now_s(), EventKind::DrainWorker { stage }));
    }

    /// The source stops (once the item it holds is in) and the queues drain.
    fn begin_drain(&mut self) {
        self.state = RunState::Draining;
        if let Some(limit) = self.drain_timeout {
            let deadline = self
                .now
                .saturating_add(limit.as_nanos().min(u128::from(u64::MAX)) as u64);
            self.drain_deadline_ns = Some(deadline);
            self.schedule(deadline, super::simulation::Due::DrainDeadline);
        }
        if self.source.held.is_some() {
            self.source.stopping = true;
        } else {
            self.stop_source();
        }
        for s in 0..self.stages.len() {
            self.drain_worker(s);
        }
    }

    /// The source stops; arrivals it left due and never admitted get an event.
    pub(super) fn stop_source(&mut self) {
        if self.source.stopped {
            return;
        }
        self.source.stopped = true;
        self.source.generation += 1;
        let (left, _) = self.source.process.backlog(self.now);
        self.source.unadmitted = left;
        self.source
            .stats
            .time
            .enter(crate::metrics::time_account::WorkerState::Exited, self.now);
        if left > 0 {
            self.events.push(Event::new(
                self.now_s(),
                EventKind::Unadmitted { items: left },
            ));
        }
    }

    /// The drain outlasted its `--drain-timeout` (in virtual time): abort,
    /// reporting what is in flight, as the engine does.
    pub(super) fn cut_drain_short(&mut self) {
        let limit_s = self.drain_timeout.unwrap_or_default().as_secs_f64();
        let in_flight = self.in_flight();
        self.events.push(Event::new(
            self.now_s(),
            EventKind::DrainTimeout { limit_s, in_flight },
        ));
        self.abort();
    }

    /// Virtual seconds left before the drain is cut short, while draining.
    pub(super) fn drain_left_s(&self) -> Option<f64> {
        let deadline = self
            .drain_deadline_ns
            .filter(|_| self.state == RunState::Draining)?;
        Some(deadline.saturating_sub(self.now) as f64 / 1e9)
    }

    /// Ends the run at once; what is in flight stays counted as such.
    pub(super) fn abort(&mut self) {
        self.source.held = None;
        self.stop_source();
        self.dismiss_all();
        self.state = RunState::Aborted;
    }
}
