//! What a command does to a running pipeline, whoever runs it: which
//! commands are ignored and why, what each one changes, the event it logs,
//! and that stop and abort act only once logged. The engine's control loop
//! and the virtual-time simulator both carry out commands here, through
//! [`Controls`], so one command gives the same event in real and in
//! virtual time.

use crate::metrics::RunState;
use crate::model::spec::Rate;
use crate::model::{
    Applied, Command, Event, EventKind, MAX_SLOWDOWN, MAX_WORKERS, Origin, QueuePolicy, StageRef,
};

/// What a command asks of the source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceChange {
    /// Let this many extra items arrive, fast.
    Burst(u64),
    /// Arrive at this rate from now on.
    Rate(Rate),
    /// Hold arrivals.
    Pause,
    /// Let held arrivals come again.
    Resume,
}

/// The levers a command pulls on a running pipeline.
pub trait Controls {
    /// Where the run is in its life.
    fn state(&self) -> RunState;
    /// Pause and resume set it.
    fn set_state(&mut self, state: RunState);
    /// Seconds since the start, for the event.
    fn now_s(&self) -> f64;
    /// Stage `index`'s name, if there is such a stage.
    fn stage_name(&self, index: usize) -> Option<String>;
    /// The pool size stage `index` is heading for.
    fn pool_target(&self, index: usize) -> usize;
    /// Sets stage `index`'s pool size.
    fn set_pool(&mut self, index: usize, count: usize);
    /// What stage `index` does when its queue is full.
    fn stage_policy(&self, index: usize) -> QueuePolicy;
    /// Sets what stage `index` does when its queue is full.
    fn set_stage_policy(&mut self, index: usize, policy: QueuePolicy);
    /// Multiplies stage `index`'s service times by `factor` from now on.
    fn set_stage_slowdown(&mut self, index: usize, factor: f64);
    /// Crashes one of stage `index`'s workers in its next item.
    fn crash_worker(&mut self, index: usize, origin: Origin);
    /// Passes a burst, rate, pause or resume to the source.
    fn steer_source(&mut self, change: SourceChange);
    /// Sets the rate the run reports as configured; returns the one before.
    fn replace_rate(&mut self, rate: Rate) -> Rate;
    /// Adds `event` to the run's log.
    fn log_event(&mut self, event: Event);
    /// Stops the source; the queues drain.
    fn begin_drain(&mut self);
    /// Ends the run at once.
    fn abort(&mut self);
}

/// Carries out `command` on `target` and logs its event (or why it was
/// ignored). Nothing happens once the run has ended.
pub fn apply(target: &mut impl Controls, command: Command, origin: Origin, note: Option<String>) {
    if target.state().is_final() {
        return;
    }
    let kind = match carry_out(target, command, origin) {
        Ok(Some(applied)) => EventKind::Applied(applied),
        Ok(None) => return,
        Err(why) => EventKind::Ignored { command, why },
    };
    // Stop and abort act once they are logged, so that what they cause
    // (an `unadmitted` count, say) comes after them.
    let stop = matches!(kind, EventKind::Applied(Applied::Stop));
    let abort = matches!(kind, EventKind::Applied(Applied::Abort));
    target.log_event(Event {
        origin,
        note,
        ..Event::new(target.now_s(), kind)
    });
    if stop {
        target.begin_drain();
    } else if abort {
        target.abort();
    }
}

/// The stage at `index`, named, or why a command for it is ignored.
fn stage_ref(target: &impl Controls, index: usize) -> Result<StageRef, String> {
    match target.stage_name(index) {
        Some(name) => Ok(StageRef { index, name }),
        None => Err(format!("no stage {index}")),
    }
}

/// Carries out one command (`Stop` and `Abort` only once logged, by
/// [`apply`]); returns what it changed, `None` for a command that changes
/// nothing now (a second stop), or why it was ignored.
fn carry_out(
    target: &mut impl Controls,
    command: Command,
    origin: Origin,
) -> Result<Option<Applied>, String> {
    let stopped = target.state() == RunState::Draining;
    Ok(Some(match command {
        Command::Workers { stage, count } => {
            let stage = stage_ref(target, stage)?;
            let from = target.pool_target(stage.index);
            let to = count.min(MAX_WORKERS);
            target.set_pool(stage.index, to);
            Applied::Workers { stage, from, to }
        }
        Command::Policy { stage, policy } => {
            let stage = stage_ref(target, stage)?;
            let from = target.stage_policy(stage.index);
            target.set_stage_policy(stage.index, policy);
            Applied::Policy {
                stage,
                from,
                to: policy,
            }
        }
        Command::Slowdown { stage, factor } => {
            let stage = stage_ref(target, stage)?;
            let factor = factor.min(MAX_SLOWDOWN);
            target.set_stage_slowdown(stage.index, factor);
            Applied::Slowdown { stage, factor }
        }
        Command::Crash { stage } => {
            let stage = stage_ref(target, stage)?;
            target.crash_worker(stage.index, origin);
            Applied::Crash { stage }
        }
        Command::Rate(rate) if !rate.is_paceable() => {
            return Err(format!(
                "a rate is a positive number of items/s or max, not {rate}"
            ));
        }
        Command::Burst { .. } | Command::Rate(_) | Command::Pause | Command::Resume if stopped => {
            return Err("the source has stopped".to_string());
        }
        Command::Burst { items } => {
            target.steer_source(SourceChange::Burst(items));
            Applied::Burst { items }
        }
        Command::Rate(rate) => {
            target.steer_source(SourceChange::Rate(rate));
            let from = target.replace_rate(rate);
            Applied::Rate { from, to: rate }
        }
        Command::Pause => {
            target.steer_source(SourceChange::Pause);
            target.set_state(RunState::Paused);
            Applied::Pause
        }
        Command::Resume => {
            target.steer_source(SourceChange::Resume);
            target.set_state(RunState::Running);
            Applied::Resume
        }
        Command::Stop if stopped => return Ok(None),
        Command::Stop => Applied::Stop,
        Command::Abort => Applied::Abort,
    }))
}
