//! The dashboard's event log: the run's events in time order (a late one,
//! such as a bottleneck stamped with when it began, goes in at its time),
//! the last [`EVENT_LOG_LEN`] of them, with a rate profile's steps folded
//! into one line, and a flood of restarts at one stage (within
//! [`RESTART_FOLD_S`]) too.
//!
//! A line keeps what the log shows (time, origin, the report's `kind` word,
//! the sentence, the note), so the log of a live run and the log of its
//! recorded series (whose events are these same words and sentences) are
//! the same lines.

use std::collections::VecDeque;

use crate::model::{Applied, Event, EventKind, Origin};
use crate::replay::RecordedEvent;

/// Restarts of one stage within this many seconds fold into one line.
pub const RESTART_FOLD_S: f64 = 5.0;

/// Lines kept in the log (enough to rewind a long run).
pub const EVENT_LOG_LEN: usize = 5_000;

/// One line of the log: an event, and how many rate-profile steps it
/// stands for (1 for any other event).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Seconds since the start.
    pub t_s: f64,
    /// Who caused it.
    pub origin: Origin,
    /// The report's `kind` word (`burst`, `restart`, …).
    pub word: String,
    /// The event's sentence.
    pub text: String,
    /// The timeline entry's narration, if it had one.
    pub note: Option<String>,
    /// Rate-profile steps folded into this line.
    pub steps: usize,
    /// The stage it concerns, if any.
    pub stage: Option<String>,
    /// Workers restarted, for a restart line (a flood folds into one line).
    pub restarts: u64,
    /// When the first restart folded into this line happened.
    pub since_s: f64,
    /// Items a burst injected, for a burst line.
    pub items: Option<u64>,
}

impl LogLine {
    /// The line for a live event, or `None` for a command that changed
    /// nothing (`workers 4 → 4`, a rate set to what it was).
    pub fn of(event: &Event) -> Option<Self> {
        let no_op = match &event.kind {
            EventKind::Applied(Applied::Workers { from, to, .. }) => from == to,
            EventKind::Applied(Applied::Rate { from, to }) => from == to,
            EventKind::Applied(Applied::Policy { from, to, .. }) => from == to,
            EventKind::Applied(_)
            | EventKind::Ignored { .. }
            | EventKind::SourceDone
            | EventKind::Unadmitted { .. }
            | EventKind::MemoryCap { .. }
            | EventKind::DrainTimeout { .. }
            | EventKind::TicksSkipped { .. }
            | EventKind::External { .. }
            | EventKind::DrainWorker { .. }
            | EventKind::SpawnRefused { .. }
            | EventKind::Drops { .. }
            | EventKind::DropsEnd { .. }
            | EventKind::Restart { .. }
            | EventKind::OutputFailed { .. }
            | EventKind::Bottleneck { .. } => false,
        };
        let restarts = match &event.kind {
            EventKind::Restart { count, .. } => *count,
            _ => 0,
        };
        let items = match &event.kind {
            EventKind::Applied(Applied::Burst { items }) => Some(*items),
            _ => None,
        };
        (!no_op).then(|| Self {
            t_s: event.t_s,
            origin: event.origin,
            word: event.word().to_string(),
            text: event.message(),
            note: event.note.clone(),
            steps: 1,
            stage: event.stage_name().map(str::to_string),
            restarts,
            since_s: event.t_s,
            items,
        })
    }

    /// The line for an event read back from a series, or `None` for a
    /// command that changed nothing (as [`LogLine::of`] leaves it out: a
    /// `workers`, `rate` or `policy` sentence that ends `x → x`).
    pub fn of_recorded(event: &RecordedEvent) -> Option<Self> {
        let changes = matches!(event.word.as_str(), "workers" | "rate" | "policy");
        let no_op = changes
            && event
                .message
                .rsplit_once(" → ")
                .is_some_and(|(before, after)| before.rsplit(' ').next() == Some(after));
        let restarts = if event.word == "restart" {
            event.count.unwrap_or(1)
        } else {
            0
        };
        (!no_op).then(|| Self {
            t_s: event.t_s,
            origin: event.origin,
            word: event.word.clone(),
            text: event.message.clone(),
            note: event.note.clone(),
            steps: 1,
            stage: event.stage.clone(),
            restarts,
            since_s: event.t_s,
            items: (event.word == "burst").then_some(event.items).flatten(),
        })
    }

    /// The line's sentence: the event's, with the steps it folds.
    pub fn message(&self) -> String {
        match self.steps {
            0 | 1 => self.text.clone(),
            steps if self.word == "restart" => format!(
                "{}: {} worker restarts in {:.0} s ({steps} crashes; latest: {})",
                self.stage.as_deref().unwrap_or(""),
                self.restarts,
                (self.t_s - self.since_s).max(1.0),
                self.text
                    .split_once(": ")
                    .map_or(self.text.as_str(), |(_, rest)| rest)
            ),
            steps => format!("{} ({steps} profile steps)", self.text),
        }
    }

    /// A restart within [`RESTART_FOLD_S`] of this restart line, at the same stage.
    fn folds_restart(&self, later: &LogLine) -> bool {
        self.word == "restart"
            && later.word == "restart"
            && self.stage == later.stage
            && later.t_s - self.since_s <= RESTART_FOLD_S
    }

    /// A timeline `rate` command without a note: one step of a rate profile.
    fn is_profile_step(&self) -> bool {
        self.word == "rate" && self.origin == Origin::Timeline && self.note.is_none()
    }
}

/// Which lines the event log shows (`F` cycles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFilter {
    /// Every line.
    #[default]
    All,
    /// What was commanded: the operator's keys and the timeline.
    Commands,
    /// What went wrong: drops, restarts, refusals, cut-short drains.
    Failures,
    /// Where the bottleneck moved.
    Bottleneck,
}

/// The report's `kind` words of what went wrong.
const FAILURE_WORDS: &[&str] = &[
    "drops",
    "drops-end",
    "restart",
    "ignored",
    "memory-cap",
    "spawn-refused",
    "drain-timeout",
    "output-failed",
    "ticks-skipped",
    "unadmitted",
];

impl LogFilter {
    /// The next filter in the `F` cycle.
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Commands,
            Self::Commands => Self::Failures,
            Self::Failures => Self::Bottleneck,
            Self::Bottleneck => Self::All,
        }
    }

    /// The name shown in the log's title.
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Commands => "commands",
            Self::Failures => "failures",
            Self::Bottleneck => "bottleneck",
        }
    }

    /// Whether `line` passes the filter.
    pub fn keeps(self, line: &LogLine) -> bool {
        match self {
            Self::All => true,
            Self::Commands => matches!(line.origin, Origin::Operator | Origin::Timeline),
            Self::Failures => FAILURE_WORDS.contains(&line.word.as_str()),
            Self::Bottleneck => line.word == "bottleneck",
        }
    }
}

/// The log's lines, oldest first.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    lines: VecDeque<LogLine>,
}

impl EventLog {
    /// Adds one line. A rate profile's steps fold into one line that keeps
    /// the latest rate and counts the steps, so a sine wave does not flood
    /// the log.
    pub fn push(&mut self, line: LogLine) {
        // A restart flood folds into one line, so a crash is not pushed
        // off the visible rows.
        if let Some(last) = self.lines.back_mut()
            && last.folds_restart(&line)
        {
            *last = LogLine {
                steps: last.steps + 1,
                restarts: last.restarts + line.restarts,
                since_s: last.since_s,
                ..line
            };
            return;
        }
        if line.is_profile_step()
            && let Some(last) = self.lines.back_mut()
            && last.is_profile_step()
        {
            *last = LogLine {
                steps: last.steps + 1,
                ..line
            };
            return;
        }
        let at = self
            .lines
            .iter()
            .rposition(|l| l.t_s <= line.t_s)
            .map_or(0, |i| i + 1);
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

    /// The lines up to `t_s`, oldest first.
    pub fn until(&self, t_s: f64) -> impl DoubleEndedIterator<Item = &LogLine> {
        let end = self.lines.partition_point(|l| l.t_s <= t_s + 1e-9);
        self.lines.range(..end)
    }

    /// The newest line.
    pub fn back(&self) -> Option<&LogLine> {
        self.lines.back()
    }
}
