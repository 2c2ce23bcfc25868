//! The whole-run store: every kept number of every tick, at full
//! resolution for the last [`RECENT_TICKS`] and downsampled before that
//! (rows of 2ⁿ ticks keeping min, max and mean, so spikes survive), and
//! the snapshots themselves for rewinding (every one of the recent ticks,
//! then thinned the same way). Memory is bounded whatever the run's length.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::metrics::{Latency, Snapshot};

use super::metric::{Metric, read_row};

/// Ticks kept at full resolution, numbers and snapshots (10 min at 250 ms).
pub const RECENT_TICKS: usize = 2_400;
/// Downsampled rows over the whole run; when full, pairs merge.
pub const WHOLE_ROWS: usize = 2_048;
/// Snapshots kept from before the recent ticks; when full, every other goes.
pub const OLDER_MOMENTS: usize = 1_024;
/// Event times kept for the time axis and for jumping between events.
pub const EVENT_MARKS: usize = 20_000;

/// One point of a chart: a tick, or a downsampled span of ticks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Seconds since the start (of the first tick in the span).
    pub t_s: f64,
    /// Smallest value in the span.
    pub min: f64,
    /// Largest value in the span.
    pub max: f64,
    /// Mean over the span.
    pub mean: f64,
}

/// Ticks merged into one row: per column min, max and mean.
#[derive(Debug, Clone)]
struct Row {
    t_s: f64,
    ticks: u32,
    min: Box<[f32]>,
    max: Box<[f32]>,
    mean: Box<[f32]>,
}

impl Row {
    fn of_tick(t_s: f64, values: &[f32]) -> Self {
        Self {
            t_s,
            ticks: 1,
            min: values.into(),
            max: values.into(),
            mean: values.into(),
        }
    }

    /// Folds `later` into this row. A missing (NaN) value takes the other's.
    fn absorb(&mut self, later: &Row) {
        let (a, b) = (self.ticks as f32, later.ticks as f32);
        for i in 0..self.mean.len().min(later.mean.len()) {
            self.min[i] = self.min[i].min(later.min[i]);
            self.max[i] = self.max[i].max(later.max[i]);
            let (x, y) = (self.mean[i], later.mean[i]);
            self.mean[i] = match (x.is_nan(), y.is_nan()) {
                (true, _) => y,
                (_, true) => x,
                _ => (x * a + y * b) / (a + b),
            };
        }
        self.ticks += later.ticks;
    }

    fn point(&self, column: usize) -> Option<Point> {
        let mean = *self.mean.get(column)?;
        (!mean.is_nan()).then(|| Point {
            t_s: self.t_s,
            min: f64::from(self.min[column]),
            max: f64::from(self.max[column]),
            mean: f64::from(mean),
        })
    }
}

/// An event on the time axis: when, and what kind (its report word).
#[derive(Debug, Clone, PartialEq)]
pub struct EventMark {
    /// Seconds since the start.
    pub t_s: f64,
    /// The event's `kind` word.
    pub word: String,
}

/// The run so far, bounded. Fed one snapshot per tick.
#[derive(Debug, Clone, Default)]
pub struct History {
    stages: usize,
    /// The last ticks: snapshot and numbers.
    recent: VecDeque<(Arc<Snapshot>, Box<[f32]>)>,
    /// The whole run, downsampled: rows of `stride` ticks.
    whole: Vec<Row>,
    /// The row being filled.
    open: Option<Row>,
    stride: u32,
    /// Snapshots from before `recent`, one every `older_stride`.
    older: Vec<Arc<Snapshot>>,
    older_stride: u64,
    older_seen: u64,
    events: Vec<EventMark>,
}

/// The snapshot as the history keeps it for rewinding: without the
/// latencies recorded since the tick before (full resolution, and by
/// second), which the exporters and the series take from the run and no
/// panel draws; the drawn buckets and percentiles stay.
fn as_kept(snapshot: Arc<Snapshot>) -> Arc<Snapshot> {
    let heavy = |l: &Latency| !l.recorded.is_empty() || !l.added.is_empty();
    let latencies = std::iter::once(&snapshot.end_to_end_ms).chain(
        snapshot
            .stages
            .iter()
            .flat_map(|s| [&s.service_ms, &s.wait_ms]),
    );
    if !latencies.into_iter().any(heavy) {
        return snapshot;
    }
    let mut kept = Arc::unwrap_or_clone(snapshot);
    let strip = |l: &mut Latency| {
        l.recorded = Default::default();
        l.added = Vec::new();
    };
    strip(&mut kept.end_to_end_ms);
    for stage in &mut kept.stages {
        strip(&mut stage.service_ms);
        strip(&mut stage.wait_ms);
    }
    Arc::new(kept)
}

impl History {
    /// Takes in one snapshot (and the words and times of its events).
    pub fn push(&mut self, snapshot: Arc<Snapshot>, events: impl IntoIterator<Item = EventMark>) {
        if self.recent.is_empty() && self.older.is_empty() {
            self.stages = snapshot.stages.len();
            self.stride = 1;
            self.older_stride = 1;
        }
        let snapshot = as_kept(snapshot);
        let before = self.recent.back().map(|(s, _)| s.as_ref());
        let values = read_row(&snapshot, before, self.stages);
        self.push_whole(Row::of_tick(snapshot.t_s, &values));
        self.recent.push_back((snapshot, values));
        if self.recent.len() > RECENT_TICKS
            && let Some((old, _)) = self.recent.pop_front()
        {
            self.keep_older(old);
        }
        for mark in events {
            if self.events.len() < EVENT_MARKS {
                let at = self.events.partition_point(|e| e.t_s <= mark.t_s);
                self.events.insert(at, mark);
            }
        }
    }

    fn push_whole(&mut self, tick: Row) {
        match &mut self.open {
            Some(open) => open.absorb(&tick),
            None => self.open = Some(tick),
        }
        if self.open.as_ref().is_some_and(|o| o.ticks >= self.stride)
            && let Some(full) = self.open.take()
        {
            self.whole.push(full);
            if self.whole.len() >= WHOLE_ROWS {
                let rows = std::mem::take(&mut self.whole);
                let mut merged = Vec::with_capacity(WHOLE_ROWS / 2);
                let mut it = rows.into_iter();
                while let Some(mut first) = it.next() {
                    if let Some(second) = it.next() {
                        first.absorb(&second);
                    }
                    merged.push(first);
                }
                self.whole = merged;
                self.stride *= 2;
            }
        }
    }

    fn keep_older(&mut self, snapshot: Arc<Snapshot>) {
        if self.older_seen.is_multiple_of(self.older_stride) {
            self.older.push(snapshot);
            if self.older.len() >= OLDER_MOMENTS {
                let mut i = 0;
                self.older.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.older_stride *= 2;
            }
        }
        self.older_seen += 1;
    }

    /// The newest snapshot.
    pub fn latest(&self) -> Option<&Arc<Snapshot>> {
        self.recent.back().map(|(s, _)| s)
    }

    /// Ticks taken in so far (the whole run, not only those kept).
    pub fn ticks(&self) -> u64 {
        self.latest().map_or(0, |s| s.tick + 1)
    }

    /// The points of `metric` from `from_s` to `to_s`: downsampled rows
    /// before the recent ticks, then every recent tick.
    pub fn points(&self, metric: Metric, from_s: f64, to_s: f64) -> Vec<Point> {
        let column = metric.column();
        let recent_from = self.recent.front().map_or(f64::INFINITY, |(s, _)| s.t_s);
        let in_span = |t: f64| t >= from_s && t <= to_s;
        let mut points: Vec<Point> = self
            .whole
            .iter()
            .filter(|r| r.t_s < recent_from && in_span(r.t_s))
            .filter_map(|r| r.point(column))
            .collect();
        points.extend(
            self.recent
                .iter()
                .filter(|(s, _)| in_span(s.t_s))
                .filter_map(|(s, values)| {
                    let v = f64::from(*values.get(column)?);
                    (!v.is_nan()).then_some(Point {
                        t_s: s.t_s,
                        min: v,
                        max: v,
                        mean: v,
                    })
                }),
        );
        points
    }

    /// The last `n` values of `metric` up to `to_s`, one per tick (for sparklines).
    pub fn last_values(&self, metric: Metric, to_s: f64, n: usize) -> Vec<f64> {
        let column = metric.column();
        let upto = self.recent.partition_point(|(s, _)| s.t_s <= to_s);
        self.recent
            .range(upto.saturating_sub(n)..upto)
            .map(|(_, v)| v.get(column).map_or(0.0, |&x| f64::from(x)))
            .collect()
    }

    /// Every kept moment, oldest first: the thinned older ones, then the recent.
    fn moments(&self) -> impl DoubleEndedIterator<Item = &Arc<Snapshot>> {
        self.older.iter().chain(self.recent.iter().map(|(s, _)| s))
    }

    /// The kept moment at `tick`, or the nearest before it (the oldest if none).
    pub fn moment(&self, tick: u64) -> Option<&Arc<Snapshot>> {
        // Both tiers are in tick order: search them (a frame asks often).
        let in_recent = self.recent.partition_point(|(s, _)| s.tick <= tick);
        if in_recent > 0 {
            return self.recent.get(in_recent - 1).map(|(s, _)| s);
        }
        let in_older = self.older.partition_point(|s| s.tick <= tick);
        self.older
            .get(in_older.saturating_sub(1))
            .or_else(|| self.recent.front().map(|(s, _)| s))
    }

    /// The kept moment `steps` moments after (or before, if negative) the one at `tick`.
    pub fn step(&self, tick: u64, steps: i64) -> Option<&Arc<Snapshot>> {
        let all: Vec<&Arc<Snapshot>> = self.moments().collect();
        let here = all.iter().rposition(|s| s.tick <= tick).unwrap_or(0) as i64;
        let to = (here + steps).clamp(0, all.len() as i64 - 1);
        all.get(usize::try_from(to).ok()?).copied()
    }

    /// The kept moment nearest `t_s` seconds since the start.
    pub fn moment_near(&self, t_s: f64) -> Option<&Arc<Snapshot>> {
        self.moments().min_by(|a, b| {
            (a.t_s - t_s)
                .abs()
                .partial_cmp(&(b.t_s - t_s).abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    }

    /// The first kept moment at or after `t_s` (the newest if none): the
    /// moment that shows what an event at `t_s` did.
    pub fn moment_at_or_after(&self, t_s: f64) -> Option<&Arc<Snapshot>> {
        self.moments()
            .find(|s| s.t_s >= t_s - 1e-9)
            .or_else(|| self.latest())
    }

    /// Events on the time axis from `from_s` to `to_s`.
    pub fn events(&self, from_s: f64, to_s: f64) -> &[EventMark] {
        let a = self.events.partition_point(|e| e.t_s < from_s);
        let b = self.events.partition_point(|e| e.t_s <= to_s);
        &self.events[a..b.max(a)]
    }

    /// The time of the first event after `t_s`, or of the last before it.
    pub fn event_after(&self, t_s: f64) -> Option<f64> {
        self.events.iter().map(|e| e.t_s).find(|&t| t > t_s + 1e-9)
    }

    /// The time of the last event before `t_s`.
    pub fn event_before(&self, t_s: f64) -> Option<f64> {
        self.events
            .iter()
            .rev()
            .map(|e| e.t_s)
            .find(|&t| t < t_s - 1e-9)
    }

    /// The time of the first kept moment.
    pub fn start_s(&self) -> f64 {
        self.moments().next().map_or(0.0, |s| s.t_s)
    }

    /// Ticks per downsampled row now.
    pub fn stride(&self) -> u32 {
        self.stride
    }

    /// Snapshots kept for rewinding.
    pub fn moments_kept(&self) -> usize {
        self.older.len() + self.recent.len()
    }
}
