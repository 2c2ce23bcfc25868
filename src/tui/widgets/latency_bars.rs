//! A latency distribution as vertical bars over log-spaced buckets, coloured
//! by percentile band, with ▲ marks under p50 / p90 / p99 / p99.9 / max, an
//! axis labelled with min, max and outliers, and a legend of the values.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::format;
use crate::metrics::{Bucket, Percentiles};
use crate::tui::theme;

/// Vertical eighth blocks, from empty to full.
const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// Reads one percentile out of a summary.
type Pick = fn(&Percentiles) -> f64;

/// The marked percentiles: name, value picker and colour.
const MARKS: [(&str, Pick, Color); 5] = [
    ("p50", |p| p.p50, theme::GOOD),
    ("p90", |p| p.p90, theme::ACCENT),
    ("p99", |p| p.p99, theme::WARN),
    ("p99.9", |p| p.p999, theme::BAD),
    ("max", |p| p.max, theme::BOTTLENECK),
];

/// A bar chart of a windowed latency histogram.
#[derive(Debug, Clone, Copy, Default)]
pub struct LatencyBars<'a> {
    buckets: &'a [Bucket],
    percentiles: Percentiles,
}

impl<'a> LatencyBars<'a> {
    /// The distribution to draw, as log-spaced buckets.
    pub fn buckets(mut self, buckets: &'a [Bucket]) -> Self {
        self.buckets = buckets;
        self
    }

    /// The percentiles to mark under the bars and list in the legend.
    pub fn percentiles(mut self, percentiles: Percentiles) -> Self {
        self.percentiles = percentiles;
        self
    }

    /// The colour of a bucket: the band of the first percentile at or above it.
    fn colour(&self, le_ms: f64) -> Color {
        MARKS
            .iter()
            .find(|(_, value, _)| le_ms <= value(&self.percentiles) * std::f64::consts::SQRT_2)
            .map_or(theme::BOTTLENECK, |&(_, _, c)| c)
    }

    /// Buckets merged so that they fit in `width` columns: `(le_ms, count)`.
    fn columns(&self, width: u16) -> Vec<(f64, u64)> {
        let per_column = self
            .buckets
            .len()
            .div_ceil(usize::from(width).max(1))
            .max(1);
        self.buckets
            .chunks(per_column)
            .map(|c| (c[c.len() - 1].le_ms, c.iter().map(|b| b.count).sum()))
            .collect()
    }

    /// The marked values, as many whole entries as fit in `width`.
    fn legend(&self, width: u16) -> Line<'static> {
        let mut spans = Vec::new();
        let mut used = 0;
        for (name, value, colour) in MARKS {
            let mark = format!("▲{name} ");
            let text = format!("{}  ", format::millis(value(&self.percentiles)));
            used += mark.chars().count() + text.chars().count();
            if used > usize::from(width) + 2 {
                break;
            }
            spans.push(Span::styled(mark, Style::new().fg(colour)));
            spans.push(Span::raw(text));
        }
        Line::from(spans)
    }

    fn render_bars(&self, area: Rect, buf: &mut Buffer) -> Vec<(u16, u16, f64)> {
        let columns = self.columns(area.width);
        let bar_width = (area.width / columns.len().max(1) as u16).clamp(1, 6);
        let gap = u16::from(bar_width >= 3);
        let peak = columns.iter().map(|c| c.1).max().unwrap_or(0).max(1);
        let levels = u64::from(area.height) * 8;
        let mut placed = Vec::new();
        for (i, &(le_ms, count)) in columns.iter().enumerate() {
            let x = area.x + i as u16 * bar_width;
            if x + bar_width > area.right() {
                break;
            }
            let eighths = (count * levels).div_ceil(peak);
            let style = Style::new().fg(self.colour(le_ms));
            for row in 0..area.height {
                let filled = eighths.saturating_sub(u64::from(row) * 8).min(8) as usize;
                let y = area.bottom() - 1 - row;
                for dx in 0..bar_width - gap {
                    buf[(x + dx, y)]
                        .set_symbol(EIGHTHS[filled])
                        .set_style(style);
                }
            }
            placed.push((x, bar_width - gap, le_ms));
        }
        placed
    }

    fn render_marks(&self, placed: &[(u16, u16, f64)], y: u16, buf: &mut Buffer) {
        for (_, value, colour) in MARKS {
            let v = value(&self.percentiles);
            let column = placed
                .iter()
                .find(|(_, _, le_ms)| v <= *le_ms)
                .or(placed.last());
            if let Some(&(x, w, _)) = column {
                buf[(x + w.saturating_sub(1) / 2, y)]
                    .set_symbol("▲")
                    .set_style(Style::new().fg(colour));
            }
        }
    }

    fn axis(&self) -> Line<'static> {
        let min = self
            .buckets
            .first()
            .map_or(0.0, |b| b.le_ms / std::f64::consts::SQRT_2);
        let outliers = self.percentiles.outliers;
        let outlier_style = if outliers > 0 {
            Style::new().fg(theme::BAD)
        } else {
            theme::label()
        };
        Line::from(vec![
            Span::styled("min ", theme::label()),
            Span::raw(format::millis(min)),
            Span::styled("  ·  max ", theme::label()),
            Span::raw(format::millis(self.percentiles.max)),
            Span::styled(format!("  ·  {outliers} outliers"), outlier_style),
        ])
    }
}

impl Widget for LatencyBars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        if self.buckets.is_empty() || self.percentiles.count == 0 {
            Paragraph::new("no samples in the window")
                .style(theme::label())
                .alignment(Alignment::Center)
                .render(area, buf);
            return;
        }
        let legend_y = area.bottom() - 1;
        buf.set_line(area.x, legend_y, &self.legend(area.width), area.width);
        if area.height < 4 {
            return;
        }
        let bars = Rect {
            height: area.height - 3,
            ..area
        };
        let placed = self.render_bars(bars, buf);
        self.render_marks(&placed, bars.bottom(), buf);
        buf.set_line(area.x, bars.bottom() + 1, &self.axis(), area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(buf: &Buffer) -> String {
        buf.content.iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn bars_marks_and_labels_are_drawn() {
        let buckets: Vec<Bucket> = (0..10)
            .map(|i| Bucket {
                le_ms: 2f64.powf(f64::from(i) / 2.0),
                count: 10 - i as u64,
            })
            .collect();
        let p = Percentiles {
            count: 55,
            p50: 1.5,
            p90: 8.0,
            p99: 20.0,
            p999: 22.0,
            max: 22.6,
            mean: 3.0,
            outliers: 2,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 10));
        LatencyBars::default()
            .buckets(&buckets)
            .percentiles(p)
            .render(buf.area, &mut buf);
        let t = text(&buf);
        assert!(t.contains('█') && t.contains('▲'));
        assert!(t.contains("2 outliers") && t.contains("max 22.6ms"));
        assert!(t.contains("p99.9"));
    }

    #[test]
    fn an_empty_window_says_so() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 3));
        LatencyBars::default().render(buf.area, &mut buf);
        assert!(text(&buf).contains("no samples"));
    }
}
