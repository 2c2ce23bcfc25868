//! The dashboard's event log: the run's events in time order (a late one,
//! such as a bottleneck stamped with when it began, goes in at its time),
//! the last [`EVENT_LOG_LEN`] of them, with a rate profile's steps folded
//! into one line.

use std::collections::VecDeque;

use crate::model::{Applied, Event, EventKind, Origin};

/// Lines kept in the log.
pub const EVENT_LOG_LEN: usize = 500;

/// One line of the log: an event, and how many rate-profile steps it
/// stands for (1 for any other event).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// The latest event the line stands for.
    pub event: Event,
    /// Rate-profile steps folded into this line.
    pub steps: usize,
}

impl LogLine {
    /// The line's sentence: the event's, with the steps it folds.
    pub fn message(&self) -> String {
        match self.steps {
            0 | 1 => self.event.message(),
            steps => format!("{} ({steps} profile steps)", self.event.message()),
        }
    }
}

/// A timeline `rate` command without a note: one step of a rate profile.
fn is_profile_step(event: &Event) -> bool {
    matches!(event.kind, EventKind::Applied(Applied::Rate { .. }))
        && event.origin == Origin::Timeline
        && event.note.is_none()
}

/// The log's lines, oldest first.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    lines: VecDeque<LogLine>,
}

impl EventLog {
    /// Adds one event. A rate profile's steps fold into one line that keeps
    /// the latest rate and counts the steps, so a sine wave does not flood
    /// the log.
    pub fn push(&mut self, event: &Event) {
        if is_profile_step(event)
            && let Some(last) = self.lines.back_mut()
            && is_profile_step(&last.event)
        {
            *last = LogLine {
                event: event.clone(),
                steps: last.steps + 1,
            };
            return;
        }
        let at = self
            .lines
            .iter()
            .rposition(|l| l.event.t_s <= event.t_s)
            .map_or(0, |i| i + 1);
        let line = LogLine {
            event: event.clone(),
            steps: 1,
        };
        self.lines.insert(at, line);
        while self.lines.len() > EVENT_LOG_LEN {
            self.lines.pop_front();
        }
    }

    /// How many lines the log holds.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when nothing has happened yet.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The lines, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// The newest line.
    pub fn back(&self) -> Option<&LogLine> {
        self.lines.back()
    }
}
