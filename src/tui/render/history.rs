//! The history chart: the chosen metric ([`ChartKind`], `c`) of the selected
//! stage or the pipeline over the chosen span (`z`), with units and
//! labelled ticks on both axes, events marked along the top, downsampled
//! spikes drawn as a dim max line, and a cursor at the moment shown when
//! the view is rewound.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

use crate::format;
use crate::history::Point;
use crate::tui::app::App;
use crate::tui::chart_kind::{ChartKind, Unit};
use crate::tui::theme;

/// The colours of a chart's lines, in order.
pub const LINE_COLOURS: [Color; 4] = [
    Color::Cyan,
    Color::Yellow,
    Color::LightRed,
    Color::LightGreen,
];

/// The seconds the chart spans, `[from, to]`, for the shown moment.
pub fn time_bounds(app: &App) -> Option<(f64, f64)> {
    let live = app.live()?.t_s;
    let shown = app.shown()?.t_s;
    let start = app.history().start_s();
    Some(match app.span.seconds() {
        Some(span) => {
            // Rewound: the cursor sits three quarters across, when it can.
            let end = if app.is_frozen() {
                (shown + span / 4.0).min(live)
            } else {
                live
            };
            // A run shorter than the span fills it from the left.
            let end = end.max(start + span);
            (end - span, end)
        }
        None => (start, live.max(start + 1.0)),
    })
}

/// One line of a chart, ready to draw: legend name, colour, mean points,
/// and max points where downsampling hid a spike.
pub struct ChartLine {
    /// The legend's name.
    pub name: String,
    /// Its colour.
    pub colour: Color,
    /// `(t, mean)`.
    pub mean: Vec<(f64, f64)>,
    /// `(t, max)` for rows whose max is above their mean.
    pub peaks: Vec<(f64, f64)>,
}

impl ChartLine {
    /// A line of `points`.
    pub fn new(name: String, colour: Color, points: &[Point]) -> Self {
        Self {
            name,
            colour,
            mean: points.iter().map(|p| (p.t_s, p.mean)).collect(),
            peaks: points
                .iter()
                .filter(|p| p.max > p.mean)
                .map(|p| (p.t_s, p.max))
                .collect(),
        }
    }
}

/// Draws the dashboard's history chart for the shown moment.
pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let stage_name = app.selected_stage().map_or("", |s| s.name.as_str());
    let subject = if app.chart.of_stage() {
        stage_name
    } else {
        "pipeline"
    };
    let title = format!(" {subject} · {} · {} ", app.chart.label(), app.span.label());
    let Some((from, to)) = time_bounds(app) else {
        frame.render_widget(super::panel(title), area);
        return;
    };
    let lines: Vec<ChartLine> = app
        .chart
        .lines(app.selected)
        .into_iter()
        .enumerate()
        .map(|(i, (metric, name))| {
            let colour = if name == "cap" {
                theme::BORDER
            } else {
                LINE_COLOURS[i % LINE_COLOURS.len()]
            };
            let points = app.history().points(metric, from, to);
            ChartLine::new(name.to_string(), colour, &points)
        })
        .collect();
    let marks: Vec<f64> = app
        .history()
        .events(from, to)
        .iter()
        .map(|e| e.t_s)
        .collect();
    let cursor = app
        .is_frozen()
        .then(|| app.shown().map(|s| s.t_s))
        .flatten();
    draw(
        frame,
        area,
        &ChartFrame {
            title: Line::from(title),
            kind: app.chart,
            from,
            to,
            lines: &lines,
            events: &marks,
            cursor,
        },
    );
}

/// Everything one chart draws.
pub struct ChartFrame<'a> {
    /// The panel's title.
    pub title: Line<'static>,
    /// The metric (for its unit).
    pub kind: ChartKind,
    /// The first second on the time axis.
    pub from: f64,
    /// The last second on the time axis.
    pub to: f64,
    /// The lines.
    pub lines: &'a [ChartLine],
    /// When events happened.
    pub events: &'a [f64],
    /// The moment shown, if rewound.
    pub cursor: Option<f64>,
}

/// Draws a chart: lines, peaks, event marks and cursor, with labelled axes.
pub fn draw(frame: &mut Frame, area: Rect, chart: &ChartFrame<'_>) {
    let unit = chart.kind.unit();
    let peak = chart
        .lines
        .iter()
        .flat_map(|l| l.mean.iter().chain(&l.peaks))
        .map(|p| p.1)
        .fold(0.0, f64::max);
    let top = match unit {
        Unit::Fraction => 1.0,
        _ => nice_ceiling(peak),
    };
    let event_points: Vec<(f64, f64)> = chart.events.iter().map(|&t| (t, top)).collect();
    let cursor_points: Vec<(f64, f64)> = chart
        .cursor
        .map(|t| vec![(t, 0.0), (t, top)])
        .unwrap_or_default();
    let mut datasets = Vec::new();
    for line in chart.lines {
        if !line.peaks.is_empty() {
            datasets.push(
                Dataset::default()
                    .marker(Marker::Dot)
                    .graph_type(GraphType::Scatter)
                    .style(Style::new().fg(line.colour))
                    .data(&line.peaks),
            );
        }
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(line.colour))
                .data(&line.mean),
        );
    }
    if !event_points.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(Style::new().fg(theme::WARN))
                .data(&event_points),
        );
    }
    if !cursor_points.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::new().fg(Color::White))
                .data(&cursor_points),
        );
    }
    let middle = (chart.from + chart.to) / 2.0;
    let widget = Chart::new(datasets)
        .block(
            super::panel(chart.title.clone())
                .title(Line::from(Span::styled(" c ▸ z ▸ ", theme::label())).right_aligned())
                .title_bottom(legend(chart)),
        )
        .x_axis(
            Axis::default()
                .bounds([chart.from, chart.to])
                .style(theme::label())
                .labels([
                    Span::raw(format::elapsed(chart.from)),
                    Span::raw(format::elapsed(middle)),
                    Span::raw(format::elapsed(chart.to)),
                ]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .style(theme::label())
                .labels([
                    Span::raw(value_label(unit, 0.0)),
                    Span::raw(value_label(unit, top / 2.0)),
                    Span::raw(value_label(unit, top)),
                ]),
        );
    frame.render_widget(widget, area);
}

/// The legend, in the bottom border: each line's colour and name, the
/// event marks and the cursor.
fn legend(chart: &ChartFrame<'_>) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for line in chart.lines {
        spans.push(Span::styled("━ ", Style::new().fg(line.colour)));
        spans.push(Span::styled(format!("{}  ", line.name), theme::label()));
    }
    if chart.lines.iter().any(|l| !l.peaks.is_empty()) {
        spans.push(Span::styled("· peak  ", theme::label()));
    }
    if !chart.events.is_empty() {
        spans.push(Span::styled("• ", Style::new().fg(theme::WARN)));
        spans.push(Span::styled("event  ", theme::label()));
    }
    if chart.cursor.is_some() {
        spans.push(Span::styled("│ ", Style::new().fg(Color::White)));
        spans.push(Span::styled("shown  ", theme::label()));
    }
    Line::from(spans)
}

/// A ceiling at or above `peak` that makes round tick labels: 1, 2 or 5 × 10ⁿ.
pub fn nice_ceiling(peak: f64) -> f64 {
    if !peak.is_finite() || peak <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(peak.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&c| c >= peak)
        .unwrap_or(10.0 * magnitude)
}

/// A value on the y axis, in its unit.
pub fn value_label(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Millis => format::millis(value),
        Unit::PerSecond => format::rate(value),
        Unit::Items => format::count(value),
        Unit::Fraction => format::percent(value),
        Unit::Bytes => format::bytes(value as u64),
        Unit::CpuPercent => format!("{value:.0}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round_and_above_the_peak() {
        for (peak, ceiling) in [
            (0.0, 1.0),
            (0.7, 1.0),
            (3.0, 5.0),
            (256.0, 500.0),
            (1000.0, 1000.0),
        ] {
            assert_eq!(nice_ceiling(peak), ceiling, "{peak}");
        }
        for peak in [0.013, 7.7, 99.0, 12_345.0] {
            assert!(nice_ceiling(peak) >= peak);
        }
    }
}
