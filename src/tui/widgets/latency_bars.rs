//! A latency distribution as vertical bars over log-spaced buckets, coloured
//! by percentile band (a bar takes the colour of the first mark at or above
//! it), with ▲ marks under p50 / p90 / p99 / p99.9 / max, an x axis
//! labelled with bucket edges in µs/ms, and a legend naming every mark.

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

    /// Every mark named in its colour, with its value when all of them fit
    /// in `width` that way, else the names alone (the percentile table
    /// beside the bars has the values), then the outliers if any.
    fn legend(&self, width: u16) -> Line<'static> {
        let with_values: Vec<(String, Color)> = MARKS
            .iter()
            .map(|&(name, value, colour)| {
                (
                    format!("▲{name} {} ", format::millis(value(&self.percentiles))),
                    colour,
                )
            })
            .collect();
        let wide: usize = with_values.iter().map(|(t, _)| t.chars().count()).sum();
        let entries: Vec<(String, Color)> = if wide <= usize::from(width) {
            with_values
        } else {
            MARKS
                .iter()
                .map(|&(name, _, colour)| (format!("▲{name} "), colour))
                .collect()
        };
        let mut spans: Vec<Span<'static>> = entries
            .into_iter()
            .map(|(text, colour)| Span::styled(text, Style::new().fg(colour)))
            .collect();
        let outliers = self.percentiles.outliers;
        if outliers > 0 {
            spans.push(Span::styled(
                format!(" {outliers} outliers"),
                Style::new().fg(theme::BAD),
            ));
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

    /// The x axis under the bars: the bucket edges at the left end, the
    /// middle and the right end (so the range shows, and when it changes).
    fn render_axis(&self, placed: &[(u16, u16, f64)], area: Rect, y: u16, buf: &mut Buffer) {
        let (Some(first), Some(last)) = (placed.first(), placed.last()) else {
            return;
        };
        let low = format::millis(first.2 / std::f64::consts::SQRT_2);
        let high = format::millis(last.2);
        let right_end = (last.0 + last.1).min(area.right());
        let high_x = right_end
            .saturating_sub(high.chars().count() as u16)
            .max(area.x);
        let style = theme::label();
        buf.set_stringn(area.x, y, &low, usize::from(area.width), style);
        let low_end = area.x + low.chars().count() as u16 + 1;
        let middle = &placed[placed.len() / 2];
        let mid = format::millis(middle.2);
        let mid_x = middle.0;
        if mid_x > low_end && mid_x + mid.chars().count() as u16 + 1 < high_x {
            buf.set_string(mid_x, y, &mid, style);
        }
        if high_x >= low_end {
            buf.set_string(high_x, y, &high, style);
        }
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
        self.render_axis(&placed, area, bars.bottom() + 1, buf);
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
        // Every mark is named, max (magenta) too, even where values do not fit.
        for name in ["▲p50", "▲p90", "▲p99 ", "▲p99.9", "▲max", "2 outliers"] {
            assert!(t.contains(name), "{name} in {t}");
        }
        // The x axis carries the bucket edges: the range, in µs/ms.
        assert!(t.contains("707µs") && t.contains("22.6ms"), "{t}");
        // With room, the legend gives each mark's value.
        let mut wide = Buffer::empty(Rect::new(0, 0, 90, 10));
        LatencyBars::default()
            .buckets(&buckets)
            .percentiles(p)
            .render(wide.area, &mut wide);
        let t = text(&wide);
        assert!(
            t.contains("▲max 22.6ms") && t.contains("▲p99.9 22.0ms"),
            "{t}"
        );
    }

    #[test]
    fn an_empty_window_says_so() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 3));
        LatencyBars::default().render(buf.area, &mut buf);
        assert!(text(&buf).contains("no samples"));
    }
}
