//! The dashboard's view state, kept apart from the data it shows: selection,
//! open overlay, freeze, histogram kind and quit progress, plus the feed of
//! snapshots (latest, history, event log) and the scenario's description.

use std::sync::Arc;
use std::time::SystemTime;

use crate::metrics::{Latency, Snapshot, StageSnapshot};
use crate::session::SessionInfo;

use super::event_log::EventLog;
use super::recent_history::RecentHistory;
use super::requests::Requests;

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

/// The data from the pipeline: the latest snapshot, the last minute, the event log.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// The newest snapshot received, if any.
    pub latest: Option<Arc<Snapshot>>,
    /// Each stage's queue length and throughput over the last minute.
    pub history: RecentHistory,
    /// The most recent events, in time order.
    pub events: EventLog,
}

impl Feed {
    fn push(&mut self, snapshot: Arc<Snapshot>) {
        self.history.push(&snapshot);
        for event in &snapshot.events {
            self.events.push(event);
        }
        self.latest = Some(snapshot);
    }
}

/// The dashboard's whole state. Rendering reads it; keys and snapshots change it.
#[derive(Debug, Clone)]
pub struct App {
    /// The session's name, lesson, burst size and (for a scenario) spec.
    pub info: SessionInfo,
    /// Index of the selected stage.
    pub selected: usize,
    /// The panel drawn over the dashboard, or [`Overlay::None`].
    pub overlay: Overlay,
    /// Which latency the histogram panel shows.
    pub histogram: HistogramKind,
    /// How far the operator is in quitting.
    pub quit: QuitState,
    /// The wall clock shown in the header; the live loop sets it each frame.
    pub now: SystemTime,
    /// A one-line message for the footer (e.g. where a screenshot went).
    pub status: Option<String>,
    live: Feed,
    /// A copy of the feed taken when the view was frozen.
    frozen: Option<Feed>,
    /// What keys asked the engine for that the snapshots may not show yet.
    pub(super) requests: Requests,
}

impl App {
    /// A dashboard for the session `info`, with no snapshot yet and the first stage selected.
    pub fn new(info: SessionInfo) -> Self {
        Self {
            info,
            selected: 0,
            overlay: Overlay::None,
            histogram: HistogramKind::Service,
            quit: QuitState::Running,
            now: SystemTime::UNIX_EPOCH,
            status: None,
            live: Feed::default(),
            frozen: None,
            requests: Requests::default(),
        }
    }

    /// Takes in one snapshot. A frozen view keeps showing its copy.
    pub fn on_snapshot(&mut self, snapshot: Arc<Snapshot>) {
        self.requests.settle(&snapshot);
        self.live.push(snapshot);
        let stages = self.live().map_or(0, |s| s.stages.len());
        self.selected = self.selected.min(stages.saturating_sub(1));
    }

    /// The newest snapshot from the pipeline, frozen or not: commands act on it.
    pub fn live(&self) -> Option<&Snapshot> {
        self.live.latest.as_deref()
    }

    /// The feed the dashboard shows: the frozen copy, or the live one.
    pub fn view(&self) -> &Feed {
        self.frozen.as_ref().unwrap_or(&self.live)
    }

    /// The snapshot the dashboard shows.
    pub fn shown(&self) -> Option<&Snapshot> {
        self.view().latest.as_deref()
    }

    /// True while the view is frozen on a copy of the feed.
    pub fn is_frozen(&self) -> bool {
        self.frozen.is_some()
    }

    /// Freezes the view on the current feed, or thaws it.
    pub fn toggle_freeze(&mut self) {
        self.frozen = match self.frozen {
            Some(_) => None,
            None => Some(self.live.clone()),
        };
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

    /// True once the pipeline has sent its last snapshot.
    pub fn pipeline_finished(&self) -> bool {
        self.live().is_some_and(|s| s.state.is_final())
    }
}
