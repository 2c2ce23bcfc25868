//! The selected stage's last minute: queue depth and throughput as line charts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

use crate::format;
use crate::tui::app::App;
use crate::tui::recent_history::{HISTORY_SECONDS, Series};
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let [queue, throughput] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let capacity = app
        .selected_stage()
        .and_then(|s| s.queue_capacity)
        .map(|c| c as f64);
    let name = app.selected_stage().map_or("", |s| s.name.as_str());
    chart(
        frame,
        app,
        Series::QueueLen,
        format!(" {name} · queue depth · 60 s "),
        capacity,
        theme::WARN,
        queue,
    );
    chart(
        frame,
        app,
        Series::OutRate,
        format!(" {name} · throughput out/s · 60 s "),
        None,
        theme::GOOD,
        throughput,
    );
}

fn chart(
    frame: &mut Frame,
    app: &App,
    series: Series,
    title: String,
    ceiling: Option<f64>,
    colour: Color,
    area: Rect,
) {
    let points = app.view().history.points(app.selected, series);
    let peak = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let top = ceiling.unwrap_or(peak).max(peak).max(1.0);
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::new().fg(colour))
        .data(&points);
    let chart = Chart::new(vec![dataset])
        .block(super::panel(title))
        .x_axis(
            Axis::default()
                .bounds([-HISTORY_SECONDS, 0.0])
                .style(theme::label())
                .labels([Span::raw("-60s"), Span::raw("-30s"), Span::raw("now")]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, top])
                .style(theme::label())
                .labels([Span::raw("0"), Span::raw(format::count(top))]),
        );
    frame.render_widget(chart, area);
}
