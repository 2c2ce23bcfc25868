//! Commands in virtual time: the levers ([`Controls`]) through which
//! `engine::command_rules` carries out the same commands, with the same
//! events and reasons to ignore one, as the engine's control loop. A
//! command acts at the virtual time it is applied: a timeline entry at its
//! `at`, an operator's key at the moment of virtual time the dashboard
//! showed.

use crate::engine::command_rules::{self, Controls, SourceChange};
use crate::metrics::RunState;
use crate::model::{Command, Event, EventKind, Origin, QueuePolicy, Rate, StageRef};

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
        command_rules::apply(self, command, Origin::Operator, None);
        self.check_drained();
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

impl Controls for Simulation {
    fn state(&self) -> RunState {
        self.state
    }

    fn set_state(&mut self, state: RunState) {
        self.state = state;
    }

    fn now_s(&self) -> f64 {
        Simulation::now_s(self)
    }

    fn stage_name(&self, index: usize) -> Option<String> {
        self.stages.get(index).map(|s| s.name.clone())
    }

    fn pool_target(&self, index: usize) -> usize {
        self.stages[index].target
    }

    /// A stage left at zero workers while draining gets one back at once,
    /// so the drain can end.
    fn set_pool(&mut self, index: usize, count: usize) {
        self.resize(index, count);
        if self.state == RunState::Draining && count == 0 {
            self.drain_worker(index);
        }
    }

    fn stage_policy(&self, index: usize) -> QueuePolicy {
        self.stages[index].policy
    }

    fn set_stage_policy(&mut self, index: usize, policy: QueuePolicy) {
        self.set_policy(index, policy);
    }

    fn set_stage_slowdown(&mut self, index: usize, factor: f64) {
        self.stages[index].slowdown = factor;
    }

    fn crash_worker(&mut self, index: usize, origin: Origin) {
        let stage = &mut self.stages[index];
        match stage.idle.last() {
            Some(&w) => stage.workers[w].crashes_due.push_back(origin),
            None => stage.crash_pending.push_back(origin),
        }
    }

    fn steer_source(&mut self, change: SourceChange) {
        let now = self.now;
        let process = &mut self.source.process;
        match change {
            SourceChange::Burst(items) => process.burst(items, now),
            SourceChange::Rate(rate) => process.set_rate(rate, now),
            SourceChange::Pause => process.pause(now),
            SourceChange::Resume => process.resume(now),
        }
        self.reschedule_source();
    }

    fn replace_rate(&mut self, rate: Rate) -> Rate {
        std::mem::replace(&mut self.rate, rate)
    }

    fn log_event(&mut self, event: Event) {
        self.events.push(event);
    }

    fn begin_drain(&mut self) {
        Simulation::begin_drain(self);
    }

    fn abort(&mut self) {
        Simulation::abort(self);
    }
}
