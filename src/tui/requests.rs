//! What the operator asked the engine for that the snapshots may not show
//! yet. A snapshot is up to one tick old, so keys pressed faster than the
//! tick (`+ + +`, `] ]`, `d d`) must build on the last request, not on the
//! snapshot: three `+` on a stage of 4 ask for 5, 6 and 7.
//!
//! A request stands until a snapshot shows it, or until two snapshots have
//! arrived since it was made (the engine applies a command before its next
//! tick, so by then the snapshot is the truth, e.g. after a scripted change).

use std::collections::HashMap;

use crate::metrics::Snapshot;
use crate::model::{Command, QueuePolicy, Rate};

/// Snapshots after which a request gives way to what they show.
const SNAPSHOTS_TO_APPLY: u8 = 2;

/// A setting a key changes relative to its current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    Rate,
    Paused,
    Workers(usize),
    Policy(usize),
    Slowdown(usize),
}

/// A requested value of a [`Setting`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Requested {
    Rate(Rate),
    Paused(bool),
    Workers(usize),
    Policy(QueuePolicy),
    Slowdown(f64),
}

impl Requested {
    /// The setting `command` changes and the value it asks for, if it sets one.
    fn of(command: &Command) -> Option<(Setting, Requested)> {
        Some(match *command {
            Command::Rate(rate) => (Setting::Rate, Requested::Rate(rate)),
            Command::Pause => (Setting::Paused, Requested::Paused(true)),
            Command::Resume => (Setting::Paused, Requested::Paused(false)),
            Command::Workers { stage, count } => {
                (Setting::Workers(stage), Requested::Workers(count))
            }
            Command::Policy { stage, policy } => {
                (Setting::Policy(stage), Requested::Policy(policy))
            }
            Command::Slowdown { stage, factor } => {
                (Setting::Slowdown(stage), Requested::Slowdown(factor))
            }
            // One-off commands leave no standing request.
            Command::Burst { .. } | Command::Crash { .. } | Command::Stop | Command::Abort => {
                return None;
            }
        })
    }

    /// Whether `snapshot` shows this value for `setting`.
    fn shown_in(&self, setting: Setting, snapshot: &Snapshot) -> bool {
        let stage = |i: usize| snapshot.stages.get(i);
        match (setting, *self) {
            (Setting::Rate, Requested::Rate(rate)) => snapshot.source.rate == rate,
            (Setting::Paused, Requested::Paused(paused)) => snapshot.source.paused == paused,
            (Setting::Workers(i), Requested::Workers(n)) => {
                stage(i).is_some_and(|s| s.workers_target == n)
            }
            (Setting::Policy(i), Requested::Policy(p)) => stage(i).is_some_and(|s| s.policy == p),
            (Setting::Slowdown(i), Requested::Slowdown(f)) => {
                stage(i).is_some_and(|s| s.slowdown == f)
            }
            _ => false,
        }
    }
}

/// The requests not yet shown by a snapshot, with how many snapshots have
/// arrived since each was made.
#[derive(Debug, Clone, Default)]
pub struct Requests {
    standing: HashMap<Setting, (Requested, u8)>,
}

impl Requests {
    /// Notes what `command` asks for.
    pub fn note(&mut self, command: &Command) {
        if let Some((setting, value)) = Requested::of(command) {
            self.standing.insert(setting, (value, 0));
        }
    }

    /// The standing request for `setting`, if any.
    pub fn get(&self, setting: Setting) -> Option<Requested> {
        self.standing.get(&setting).map(|(value, _)| *value)
    }

    /// Lets `snapshot` settle the requests it shows, and those it must by now.
    pub fn settle(&mut self, snapshot: &Snapshot) {
        self.standing.retain(|setting, (value, seen)| {
            *seen += 1;
            *seen < SNAPSHOTS_TO_APPLY && !value.shown_in(*setting, snapshot)
        });
    }
}
