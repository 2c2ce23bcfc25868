//! What an [`Action`] does: view actions change the [`App`]; pipeline
//! actions become the engine [`Command`] to send. Pure, so it is unit-tested.

use crate::metrics::{Snapshot, StageSnapshot};
use crate::model::{Command, MAX_SLOWDOWN, MAX_WORKERS, QueuePolicy, Rate};
use crate::session::{Pace, RunClock};

use super::app::{App, JUMP_SECONDS, Overlay, QuitState};
use super::keys::Action;
use super::requests::{Requested, Setting};

/// The slowest replay speed.
pub const MIN_SPEED: f64 = 0.25;
/// The fastest replay speed.
pub const MAX_SPEED: f64 = 16.0;

/// A rate as the operator would type it: whole items per second, or tenths
/// below ten (so `]` on 720/s asks for 792/s, not 792.0000000000001/s).
fn round_rate(rate: f64) -> f64 {
    if rate >= 10.0 {
        rate.round()
    } else {
        ((rate * 10.0).round() / 10.0).max(0.1)
    }
}

impl App {
    /// Applies one action to the view state and returns the command for the
    /// engine, if the action steers the pipeline. Stage commands act on the
    /// live snapshot (even while the view is frozen) and on what earlier keys
    /// asked for that it does not show yet.
    pub fn apply(&mut self, action: Action) -> Option<Command> {
        match action {
            Action::SelectUp => {
                self.select(self.selected.saturating_sub(1));
                None
            }
            Action::SelectDown => {
                self.select(self.selected + 1);
                None
            }
            Action::CycleChart => {
                self.chart = self.chart.next();
                None
            }
            Action::CycleSpan => {
                self.span = self.span.next();
                None
            }
            Action::StepBack | Action::StepForward => {
                self.step(if action == Action::StepBack { -1 } else { 1 });
                None
            }
            Action::JumpBack | Action::JumpForward => {
                let sign = if action == Action::JumpBack {
                    -1.0
                } else {
                    1.0
                };
                self.jump(sign * JUMP_SECONDS);
                None
            }
            Action::PrevEvent | Action::NextEvent => {
                self.jump_to_event(action == Action::NextEvent);
                None
            }
            Action::Live => {
                self.to_live();
                self.log_scroll = 0;
                None
            }
            Action::ScrollLog => {
                let page = 5;
                let most = self.events().len().saturating_sub(1);
                self.log_scroll = (self.log_scroll + page).min(most);
                None
            }
            Action::FilterLog => {
                self.log_filter = self.log_filter.next();
                self.log_scroll = 0;
                None
            }
            // A replay's playback speed, else virtual time's pace.
            Action::Slower | Action::Faster if self.playback.is_some() => {
                if let Some(playback) = &mut self.playback {
                    let factor = if action == Action::Faster { 2.0 } else { 0.5 };
                    playback.speed = (playback.speed * factor).clamp(MIN_SPEED, MAX_SPEED);
                }
                None
            }
            Action::CycleHistogram => {
                self.histogram = self.histogram.next();
                None
            }
            Action::Freeze => {
                self.toggle_freeze();
                None
            }
            Action::Help => self.toggle_overlay(Overlay::Help),
            Action::Lesson => self.toggle_overlay(Overlay::Lesson),
            Action::Theory => self.toggle_overlay(Overlay::Theory),
            Action::Errors => self.toggle_overlay(Overlay::Errors),
            Action::CloseOverlay => {
                self.overlay = Overlay::None;
                None
            }
            // The live loop writes the file; there is nothing to send.
            Action::Screenshot => None,
            Action::Slower => self.turn_pace(Pace::slower),
            Action::Faster => self.turn_pace(Pace::faster),
            Action::FullSpeed => self.turn_pace(|pace| pace.set(Pace::FASTEST)),
            Action::Quit => self.quit(),
            Action::QuitNow => {
                self.quit = QuitState::Now;
                (!self.pipeline_finished()).then_some(Command::Abort)
            }
            Action::TogglePause if self.playback.is_some() => {
                if let Some(playback) = &mut self.playback {
                    playback.playing = !playback.playing;
                }
                None
            }
            Action::AddWorker
            | Action::RemoveWorker
            | Action::Burst
            | Action::RateDown
            | Action::RateUp
            | Action::TogglePause
            | Action::CyclePolicy
            | Action::SlowDown
            | Action::Restore
            | Action::Crash => {
                let command = self.pipeline_command(action)?;
                self.requests.note(&command);
                Some(command)
            }
        }
    }

    /// Turns the speed of virtual time (a real run's clock has none:
    /// the keys do nothing there).
    fn turn_pace(&self, turn: impl FnOnce(&Pace)) -> Option<Command> {
        if let RunClock::Virtual(pace) = &self.info.clock {
            turn(pace);
        }
        None
    }

    /// Opens `overlay`; any open overlay is closed instead (`?` again, `l` again).
    fn toggle_overlay(&mut self, overlay: Overlay) -> Option<Command> {
        self.overlay = if self.overlay == Overlay::None {
            overlay
        } else {
            Overlay::None
        };
        None
    }

    /// First `q`: stop and drain. Second `q`, or after the end: exit now.
    fn quit(&mut self) -> Option<Command> {
        if self.pipeline_finished() || self.playback.is_some() {
            self.quit = QuitState::Now;
            return None;
        }
        match self.quit {
            QuitState::Running => {
                self.quit = QuitState::Draining;
                Some(Command::Stop)
            }
            QuitState::Draining | QuitState::Now => {
                self.quit = QuitState::Now;
                Some(Command::Abort)
            }
        }
    }

    /// The engine command for an action on the source or the selected stage,
    /// relative to what was last asked for (see [`Requests`](super::requests)).
    fn pipeline_command(&self, action: Action) -> Option<Command> {
        let snapshot = self.live()?;
        let stage = self.selected;
        let current = snapshot.stages.get(stage);
        match action {
            Action::Burst => Some(Command::Burst {
                items: self.info.burst_items,
            }),
            Action::RateDown => {
                let rate = self.rate(snapshot).unwrap_or(snapshot.source.out_rate);
                Some(Command::Rate(Rate::PerSecond(round_rate(rate * 0.9))))
            }
            Action::RateUp => self
                .rate(snapshot)
                .map(|r| Command::Rate(Rate::PerSecond(round_rate(r * 1.1)))),
            Action::TogglePause => Some(if self.paused(snapshot) {
                Command::Resume
            } else {
                Command::Pause
            }),
            Action::AddWorker => current
                .map(|s| self.workers_target(stage, s))
                .filter(|&n| n < MAX_WORKERS)
                .map(|n| Command::Workers {
                    stage,
                    count: n + 1,
                }),
            Action::RemoveWorker => current
                .map(|s| self.workers_target(stage, s))
                .filter(|&n| n > 0)
                .map(|n| Command::Workers {
                    stage,
                    count: n - 1,
                }),
            Action::CyclePolicy => current.map(|s| Command::Policy {
                stage,
                policy: self.policy(stage, s).next(),
            }),
            Action::SlowDown => current.map(|s| Command::Slowdown {
                stage,
                factor: (self.slowdown(stage, s) * 2.0).min(MAX_SLOWDOWN),
            }),
            Action::Restore => current.map(|_| Command::Slowdown { stage, factor: 1.0 }),
            Action::Crash => current
                .filter(|s| s.workers > 0)
                .map(|_| Command::Crash { stage }),
            // View actions steer nothing (`apply` handles them).
            Action::SelectUp
            | Action::SelectDown
            | Action::CycleHistogram
            | Action::Lesson
            | Action::Theory
            | Action::Errors
            | Action::Freeze
            | Action::Help
            | Action::CloseOverlay
            | Action::Screenshot
            | Action::Slower
            | Action::Faster
            | Action::FullSpeed
            | Action::Quit
            | Action::QuitNow
            | Action::CycleChart
            | Action::CycleSpan
            | Action::StepBack
            | Action::StepForward
            | Action::JumpBack
            | Action::JumpForward
            | Action::PrevEvent
            | Action::NextEvent
            | Action::Live
            | Action::ScrollLog
            | Action::FilterLog => None,
        }
    }

    /// The source rate last asked for, in items/s (`None` at "max").
    fn rate(&self, snapshot: &Snapshot) -> Option<f64> {
        match self.requests.get(Setting::Rate) {
            Some(Requested::Rate(rate)) => rate.per_second(),
            _ => snapshot.source.rate.per_second(),
        }
    }

    fn paused(&self, snapshot: &Snapshot) -> bool {
        match self.requests.get(Setting::Paused) {
            Some(Requested::Paused(paused)) => paused,
            _ => snapshot.source.paused,
        }
    }

    fn workers_target(&self, stage: usize, current: &StageSnapshot) -> usize {
        match self.requests.get(Setting::Workers(stage)) {
            Some(Requested::Workers(count)) => count,
            _ => current.workers_target,
        }
    }

    fn policy(&self, stage: usize, current: &StageSnapshot) -> QueuePolicy {
        match self.requests.get(Setting::Policy(stage)) {
            Some(Requested::Policy(policy)) => policy,
            _ => current.policy,
        }
    }

    fn slowdown(&self, stage: usize, current: &StageSnapshot) -> f64 {
        match self.requests.get(Setting::Slowdown(stage)) {
            Some(Requested::Slowdown(factor)) => factor,
            _ => current.slowdown,
        }
    }
}

#[cfg(test)]
mod speed_tests {
    use super::*;
    use crate::session::SessionInfo;

    #[test]
    fn speed_keys_turn_a_virtual_runs_pace_and_send_nothing() {
        let pace = Pace::new(1.0);
        let mut app = App::new(SessionInfo {
            clock: RunClock::Virtual(pace.clone()),
            ..SessionInfo::default()
        });
        assert_eq!(app.apply(Action::Faster), None);
        assert_eq!(pace.speed(), 2.0);
        for _ in 0..20 {
            app.apply(Action::Slower);
        }
        assert_eq!(pace.speed(), 0.1, "0.1× is the slowest");
        for _ in 0..20 {
            app.apply(Action::Faster);
        }
        assert!(
            pace.speed().is_infinite(),
            "past 1000× is as fast as possible"
        );
        app.apply(Action::Slower);
        assert_eq!(pace.speed(), 1000.0);
        app.apply(Action::FullSpeed);
        assert!(pace.speed().is_infinite());
        // A real run has no pace: the keys do nothing.
        let mut real = App::new(SessionInfo::default());
        assert_eq!(real.apply(Action::Faster), None);
    }
}
