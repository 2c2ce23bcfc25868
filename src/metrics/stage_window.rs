//! A stage's arrivals and queue-length area over the latency window: the
//! same seconds the windowed percentiles cover, so theory that compares λ,
//! L and W compares figures over one span instead of one tick's jumpy rate.

use std::collections::VecDeque;

use super::snapshot::StageWindow;

/// One tick's cumulative readings.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mark {
    ns: u64,
    accepted: u64,
    processed: u64,
    dropped: u64,
    /// Area under the queue's length curve since the start, item-seconds.
    area: f64,
}

/// A stage's cumulative counters at one tick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Items admitted into the queue.
    pub accepted: u64,
    /// Items the stage finished (passed on, completed or dead-lettered).
    pub processed: u64,
    /// Items dropped or evicted at the stage's queue.
    pub dropped: u64,
}

/// The marks of the ticks in the window, plus the last one before it (the
/// base the differences are taken from).
#[derive(Debug, Clone)]
pub struct WindowTrail {
    window_secs: u64,
    marks: VecDeque<Mark>,
}

impl WindowTrail {
    /// A trail for a window of `window_secs` one-second slots (at least one).
    pub fn new(window_secs: usize) -> Self {
        let mut marks = VecDeque::new();
        marks.push_back(Mark {
            ns: 0,
            accepted: 0,
            processed: 0,
            dropped: 0,
            area: 0.0,
        });
        Self {
            window_secs: window_secs.max(1) as u64,
            marks,
        }
    }

    /// Adds this tick's readings; returns the window's figures. The window
    /// starts where the latency window does: at the start of second
    /// `now_second + 1 - window_secs`.
    pub fn record(&mut self, now_ns: u64, counts: WindowCounts, area: f64) -> StageWindow {
        let WindowCounts {
            accepted,
            processed,
            dropped,
        } = counts;
        let now_second = now_ns / 1_000_000_000;
        let start_ns = (now_second + 1).saturating_sub(self.window_secs) * 1_000_000_000;
        self.marks.push_back(Mark {
            ns: now_ns,
            accepted,
            processed,
            dropped,
            area,
        });
        // Keep exactly one mark at or before the window's start as the base.
        while self.marks.len() > 2 && self.marks[1].ns <= start_ns {
            self.marks.pop_front();
        }
        let base = self.marks[0];
        let span_s = now_ns.saturating_sub(base.ns) as f64 / 1e9;
        if span_s <= 0.0 {
            return StageWindow::default();
        }
        StageWindow {
            seconds: span_s,
            in_rate: accepted.saturating_sub(base.accepted) as f64 / span_s,
            out_rate: processed.saturating_sub(base.processed) as f64 / span_s,
            drop_rate: dropped.saturating_sub(base.dropped) as f64 / span_s,
            queue_len_mean: (area - base.area).max(0.0) / span_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn the_window_covers_the_latency_windows_seconds() {
        let mut trail = WindowTrail::new(5);
        // 100 items/s and a queue of 2 throughout, a tick each half second.
        let mut last = StageWindow::default();
        for tick in 1..=40u64 {
            let ns = tick * S / 2;
            let counts = WindowCounts {
                accepted: tick * 50,
                processed: tick * 40,
                dropped: tick,
            };
            last = trail.record(ns, counts, tick as f64 * 0.5 * 2.0);
        }
        // At t = 20 s the window starts at second 16: a 4-second span.
        assert!((last.seconds - 4.0).abs() < 1e-9, "{last:?}");
        assert!((last.in_rate - 100.0).abs() < 1e-9);
        assert!((last.out_rate - 80.0).abs() < 1e-9);
        assert!((last.drop_rate - 2.0).abs() < 1e-9);
        assert!((last.queue_len_mean - 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_change_shows_in_the_window_without_jumping_by_tick() {
        let mut trail = WindowTrail::new(5);
        let mut accepted = 0;
        let mut last = StageWindow::default();
        for tick in 1..=40u64 {
            // 100/s for the first 15 s, then 200/s.
            accepted += if tick <= 30 { 50 } else { 100 };
            let counts = WindowCounts {
                accepted,
                ..WindowCounts::default()
            };
            last = trail.record(tick * S / 2, counts, 0.0);
        }
        // The 4 s window (16..20) saw 200/s throughout.
        assert!((last.in_rate - 200.0).abs() < 1e-9, "{last:?}");
    }
}
