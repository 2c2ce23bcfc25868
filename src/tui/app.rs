//! The dashboard's view state, kept apart from the data it shows: selection,
//! open overlay, the moment shown (live or rewound), histogram and chart
//! kind, quit progress; plus the data fed to it (the whole-run history and
//! the event log) and the scenario's description.

use std::sync::Arc;
use std::time::SystemTime;

use crate::history::{EventMark, History, Metric, StageMetric};
use crate::metrics::{Latency, Snapshot, StageSnapshot};
use crate::session::SessionInfo;

use super::bursts::{BurstNow, Bursts};
use super::chart_kind::{ChartKind, ChartSpan};
use super::event_log::{EventLog, LogFilter, LogLine};
use super::requests::Requests;

/// Seconds a long rewind step jumps.
pub const JUMP_SECONDS: f64 = 10.0;

/// A panel drawn over the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overlay {
    /// Nothing open: the dashboard alone.
    #[default]
    None,
    /// The key help (`?`).
    Help,
    /// The scenario's lesson (`l`).
    Lesson,
    /// The queueing theory of the selected stage (`t`).
    Theory,
    /// The selected stage's dead letters and last errors (`e`).
    Errors,
}

/// Which latency the histogram panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HistogramKind {
    /// Time a worker spends on one attempt (`service_ms`).
    #[default]
    Service,
    /// Time an item waited in the input queue (`wait_ms`).
    Wait,
    /// From scheduled arrival to leaving the last stage (`end_to_end_ms`).
    EndToEnd,
}

impl HistogramKind {
    /// The next kind in the Tab cycle.
    pub fn next(self) -> Self {
        match self {
            Self::Service => Self::Wait,
            Self::Wait => Self::EndToEnd,
            Self::EndToEnd => Self::Service,
        }
    }

    /// The name shown in the histogram panel's title.
    pub fn label(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Wait => "wait",
            Self::EndToEnd => "end-to-end",
        }
    }
}

/// How far the operator is in quitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuitState {
    /// Not quitting.
    #[default]
    Running,
    /// `q` was pressed once: the pipeline drains with the dashboard live.
    Draining,
    /// Exit at once.
    Now,
}

/// A replay's playback: the dashboard shows a recorded run, not a live one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Playback {
    /// True while the recording plays on.
    pub playing: bool,
    /// Recorded seconds per second of wall time.
    pub speed: f64,
    /// True once the whole recording has been fed.
    pub at_end: bool,
}

/// The dashboard's whole state. Rendering reads it; keys and snapshots change it.
#[derive(Debug, Clone)]
pub struct App {
    /// The session's name, lesson, burst size and (for a scenario) spec.
    pub info: SessionInfo,
    /// Index of the selected stage.
    pub selected: usize,
    /// True until the operator selects a stage: the selection follows the bottleneck.
    pub follow_bottleneck: bool,
    /// The panel drawn over the dashboard, or [`Overlay::None`].
    pub overlay: Overlay,
    /// Which latency the histogram panel shows.
    pub histogram: HistogramKind,
    /// Which metric the history chart draws.
    pub chart: ChartKind,
    /// How much time the history chart spans.
    pub span: ChartSpan,
    /// How far the operator is in quitting.
    pub quit: QuitState,
    /// The wall clock shown in the header; the live loop sets it each frame.
    pub now: SystemTime,
    /// A one-line message for the footer (e.g. where a screenshot went).
    pub status: Option<String>,
    /// Lines the event log is scrolled back from its newest.
    pub log_scroll: usize,
    /// Which lines the event log shows.
    pub log_filter: LogFilter,
    /// Set when the dashboard replays a recording.
    pub playback: Option<Playback>,
    history: History,
    events: EventLog,
    bursts: Bursts,
    /// The tick of the moment shown, when rewound (or frozen).
    rewind: Option<u64>,
    /// What keys asked the engine for that the snapshots may not show yet.
    pub(super) requests: Requests,
}

impl App {
    /// A dashboard for the session `info`, with no snapshot yet, following the bottleneck.
    pub fn new(info: SessionInfo) -> Self {
        Self {
            info,
            selected: 0,
            follow_bottleneck: true,
            overlay: Overlay::None,
            histogram: HistogramKind::Service,
            chart: ChartKind::default(),
            span: ChartSpan::default(),
            quit: QuitState::Running,
            now: SystemTime::UNIX_EPOCH,
            status: None,
            log_scroll: 0,
            log_filter: LogFilter::All,
            playback: None,
            history: History::default(),
            events: EventLog::default(),
            bursts: Bursts::default(),
            rewind: None,
            requests: Requests::default(),
        }
    }

    /// Takes in one snapshot of a live run. A rewound view keeps showing its moment.
    pub fn on_snapshot(&mut self, snapshot: Arc<Snapshot>) {
        let lines = snapshot.events.iter().filter_map(LogLine::of).collect();
        self.on_moment(snapshot, lines);
    }

    /// Takes in one moment: its snapshot and its event log lines (a replay
    /// reads them from the recording; [`App::on_snapshot`] makes them).
    pub fn on_moment(&mut self, snapshot: Arc<Snapshot>, lines: Vec<LogLine>) {
        self.requests.settle(&snapshot);
        let marks: Vec<EventMark> = lines
            .iter()
            .map(|l| EventMark {
                t_s: l.t_s,
                word: l.word.clone(),
            })
            .collect();
        let stages = snapshot.stages.len();
        if self.follow_bottleneck
            && let Some(b) = snapshot.bottleneck
        {
            self.selected = b;
        }
        for line in &lines {
            if let Some(items) = line.items {
                self.bursts.add(line.t_s, items, snapshot.source.rate);
            }
        }
        self.history.push(snapshot, marks);
        for line in lines {
            self.events.push(line);
        }
        self.selected = self.selected.min(stages.saturating_sub(1));
    }

    /// The newest snapshot from the pipeline, rewound or not: commands act on it.
    pub fn live(&self) -> Option<&Snapshot> {
        self.history.latest().map(Arc::as_ref)
    }

    /// Whose speed the speed keys turn: a replay's, virtual time's, or none.
    pub fn speed_control(&self) -> crate::tui::keys::SpeedControl {
        use crate::tui::keys::SpeedControl;
        if self.playback.is_some() {
            SpeedControl::Replay
        } else if matches!(self.info.clock, crate::session::RunClock::Virtual(_)) {
            SpeedControl::Virtual
        } else {
            SpeedControl::None
        }
    }

    /// The snapshot the dashboard shows: the rewound moment, or the newest.
    pub fn shown(&self) -> Option<&Snapshot> {
        match self.rewind {
            Some(tick) => self.history.moment(tick).map(Arc::as_ref),
            None => self.live(),
        }
    }

    /// The whole run so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The event log (all of it; panels cut it at the shown moment).
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// True while the view shows a past moment (or is frozen on one).
    pub fn is_frozen(&self) -> bool {
        self.rewind.is_some()
    }

    /// Seconds between the moment shown and the newest, when rewound.
    pub fn behind_live_s(&self) -> Option<f64> {
        self.rewind?;
        Some(self.live()?.t_s - self.shown()?.t_s)
    }

    /// Freezes the view on the newest moment, or goes back to live.
    pub fn toggle_freeze(&mut self) {
        self.rewind = match self.rewind {
            Some(_) => None,
            None => self.live().map(|s| s.tick),
        };
    }

    /// Shows the moment `steps` kept moments before (negative) or after this one.
    pub fn step(&mut self, steps: i64) {
        let from = self.shown().map(|s| s.tick);
        if let Some(from) = from {
            self.rewind = self.history.step(from, steps).map(|s| s.tick);
        }
    }

    /// Shows the moment nearest `seconds` before (negative) or after this one.
    pub fn jump(&mut self, seconds: f64) {
        if let Some(t) = self.shown().map(|s| s.t_s) {
            self.rewind = self.history.moment_near(t + seconds).map(|s| s.tick);
        }
    }

    /// Shows the moment of the previous (or next) event.
    pub fn jump_to_event(&mut self, forward: bool) {
        let Some(shown) = self.shown() else {
            return;
        };
        // A rewound moment shows the events since the moment before it, so
        // the previous event is the last one up to that moment before; from
        // live, it is the last one so far.
        let to = if forward {
            self.history.event_after(shown.t_s)
        } else if self.rewind.is_some() {
            let before = self
                .history
                .step(shown.tick, -1)
                .map_or(shown.t_s, |s| s.t_s);
            self.history.event_before(before + 2e-9)
        } else {
            self.history.event_before(shown.t_s + 2e-9)
        };
        if let Some(to) = to {
            // The first moment at or after the event shows what it did.
            let tick = self.history.moment_at_or_after(to).map(|s| s.tick);
            self.rewind = tick.or(self.rewind);
        }
    }

    /// Back to the newest moment, following the run.
    pub fn to_live(&mut self) {
        self.rewind = None;
    }

    /// Selects `stage` by hand: the selection stops following the bottleneck.
    pub fn select(&mut self, stage: usize) {
        let stages = self.live().map_or(0, |s| s.stages.len());
        self.selected = stage.min(stages.saturating_sub(1));
        self.follow_bottleneck = false;
    }

    /// The selected stage in the shown snapshot.
    pub fn selected_stage(&self) -> Option<&StageSnapshot> {
        self.shown()?.stages.get(self.selected)
    }

    /// The latency the histogram panel shows.
    pub fn shown_latency(&self) -> Option<&Latency> {
        match self.histogram {
            HistogramKind::Service => self.selected_stage().map(|s| &s.service_ms),
            HistogramKind::Wait => self.selected_stage().map(|s| &s.wait_ms),
            HistogramKind::EndToEnd => self.shown().map(|s| &s.end_to_end_ms),
        }
    }

    /// A stage's queue depth over the minute up to the shown moment, as
    /// `(seconds before it (≤ 0), depth)`.
    pub fn queue_points(&self, stage: usize) -> Vec<(f64, f64)> {
        let Some(t) = self.shown().map(|s| s.t_s) else {
            return Vec::new();
        };
        self.history
            .points(Metric::Stage(stage, StageMetric::QueueLen), t - 60.0, t)
            .into_iter()
            .map(|p| (p.t_s - t, p.mean))
            .collect()
    }

    /// How fast a stage's queue grew over the last 5 s up to the shown moment, items/s.
    pub fn queue_growth(&self, stage: usize) -> f64 {
        let points = self.queue_points(stage);
        let recent: Vec<&(f64, f64)> = points.iter().filter(|p| p.0 >= -5.0).collect();
        match (recent.first(), recent.last()) {
            (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) / (b.0 - a.0),
            _ => 0.0,
        }
    }

    /// The bursts still arriving at the shown moment, if any.
    pub fn burst_now(&self) -> Option<BurstNow> {
        self.bursts.at(self.shown()?.t_s)
    }

    /// True once the pipeline has sent its last snapshot.
    pub fn pipeline_finished(&self) -> bool {
        self.live().is_some_and(|s| s.state.is_final())
    }
}
