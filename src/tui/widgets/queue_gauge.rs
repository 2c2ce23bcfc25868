//! A one-line queue gauge: a bar filled to `len / capacity` in eighths,
//! coloured green → yellow → red by occupancy, with an optional `len/cap` label.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::format;
use crate::tui::theme;

/// Eighth blocks, from empty to full.
const EIGHTHS: [&str; 9] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"];

/// A queue's fill level drawn on one row.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueGauge {
    len: usize,
    capacity: Option<usize>,
    label: bool,
    /// For an unbounded queue: the most it held, and how fast it grows (items/s).
    peak: usize,
    growth: f64,
}

impl QueueGauge {
    /// Items in the queue.
    pub fn len(mut self, len: usize) -> Self {
        self.len = len;
        self
    }

    /// For an unbounded queue, which has no bound to fill: the bar fills
    /// to `len / peak` and takes its colour from the growth (items/s):
    /// red while it grows, yellow while it holds items, green when empty.
    pub fn unbounded_trend(mut self, peak: usize, growth: f64) -> Self {
        self.peak = peak;
        self.growth = growth;
        self
    }

    /// The queue's bound; `None` draws an unbounded queue.
    pub fn capacity(mut self, capacity: Option<usize>) -> Self {
        self.capacity = capacity;
        self
    }

    /// Whether to write `len/cap` after the bar.
    pub fn label(mut self, label: bool) -> Self {
        self.label = label;
        self
    }

    fn occupancy(&self) -> f64 {
        match self.capacity {
            Some(cap) if cap > 0 => (self.len as f64 / cap as f64).clamp(0.0, 1.0),
            Some(_) => 0.0,
            None => (self.len as f64 / self.peak.max(1) as f64).clamp(0.0, 1.0),
        }
    }

    fn colour(&self) -> ratatui::style::Color {
        match self.capacity {
            Some(_) => theme::occupancy(self.occupancy()),
            None => theme::growth(self.len, self.growth),
        }
    }

    fn label_text(&self) -> String {
        format::queue_fill(self.len, self.capacity)
    }
}

impl Widget for QueueGauge {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let label = self.label.then(|| self.label_text());
        let label_width = label.as_ref().map_or(0, |l| l.chars().count() as u16 + 1);
        let bar_width = if area.width > label_width + 2 {
            area.width - label_width
        } else {
            area.width
        };
        let colour = self.colour();
        let eighths = (self.occupancy() * f64::from(bar_width) * 8.0).round() as usize;
        for i in 0..bar_width {
            let filled = eighths.saturating_sub(usize::from(i) * 8).min(8);
            let symbol = if filled == 0 { "·" } else { EIGHTHS[filled] };
            let style = if filled == 0 {
                Style::new().fg(theme::BORDER)
            } else {
                Style::new().fg(colour)
            };
            buf[(area.x + i, area.y)]
                .set_symbol(symbol)
                .set_style(style);
        }
        if let Some(label) = label.filter(|_| bar_width < area.width) {
            let x = area.x + bar_width + 1;
            buf.set_stringn(
                x,
                area.y,
                label,
                usize::from(area.right() - x),
                Style::new().fg(colour),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(gauge: QueueGauge, width: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, 1));
        gauge.render(buf.area, &mut buf);
        buf
    }

    #[test]
    fn a_full_queue_is_a_full_red_bar() {
        let buf = draw(
            QueueGauge::default()
                .len(256)
                .capacity(Some(256))
                .label(true),
            20,
        );
        assert_eq!(buf[(0, 0)].symbol(), "█");
        assert_eq!(buf[(0, 0)].fg, theme::BAD);
        assert!(
            buf.content
                .iter()
                .map(|c| c.symbol())
                .collect::<String>()
                .contains("256/256")
        );
    }

    #[test]
    fn an_empty_queue_is_dotted_and_an_unbounded_one_says_so() {
        let empty = draw(QueueGauge::default().len(0).capacity(None).label(true), 12);
        assert_eq!(empty[(0, 0)].symbol(), "·");
        let buf = draw(QueueGauge::default().len(3).capacity(None).label(true), 12);
        assert!(
            buf.content
                .iter()
                .map(|c| c.symbol())
                .collect::<String>()
                .contains("3/∞")
        );
    }

    #[test]
    fn an_unbounded_queue_is_coloured_by_its_growth_and_filled_to_its_peak() {
        let growing = QueueGauge::default()
            .len(800_000)
            .capacity(None)
            .unbounded_trend(800_000, 5_000.0)
            .label(true);
        let buf = draw(growing, 20);
        assert_eq!(buf[(0, 0)].fg, theme::BAD, "growing: red, not green");
        assert_ne!(buf[(0, 0)].symbol(), "·", "filled to its peak");
        let draining = growing.unbounded_trend(1_600_000, -3_000.0);
        let buf = draw(draining, 20);
        assert_eq!(buf[(0, 0)].fg, theme::WARN, "holding items: yellow");
        let empty = QueueGauge::default()
            .len(0)
            .capacity(None)
            .unbounded_trend(10, 0.0);
        assert_eq!(draw(empty, 20)[(0, 0)].fg, theme::BORDER, "empty: dots");
    }
}
