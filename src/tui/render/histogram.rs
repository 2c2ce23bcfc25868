//! The selected stage's latency panel: the windowed distribution as a
//! histogram, and the window and whole-run percentiles side by side.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table};

use crate::format;
use crate::metrics::{Latency, Percentiles};
use crate::tui::app::{App, HistogramKind};
use crate::tui::theme;
use crate::tui::widgets::LatencyBars;

/// Width of the percentile table beside the histogram.
const TABLE_WIDTH: u16 = 26;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let subject = match app.histogram {
        HistogramKind::EndToEnd => "pipeline".to_string(),
        _ => app
            .selected_stage()
            .map_or_else(String::new, |s| s.name.clone()),
    };
    let title = Line::from(vec![
        Span::raw(format!(" {subject} · {} ", app.histogram.label())),
        Span::styled(
            format!("· {} s window ", app.info.window_secs),
            theme::label(),
        ),
    ]);
    let block = super::panel(title)
        .title(Line::from(Span::styled(" Tab ▸ ", theme::label())).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(latency) = app.shown_latency() else {
        return;
    };
    if latency.unavailable {
        let text = "not available: this producer does not measure per-item latency";
        frame.render_widget(
            ratatui::widgets::Paragraph::new(Span::styled(text, theme::label()))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    if inner.width >= TABLE_WIDTH * 2 + 10 && inner.height >= 7 {
        let [chart, table] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(TABLE_WIDTH)])
                .spacing(1)
                .areas(inner);
        render_histogram(frame, latency, chart);
        frame.render_widget(percentile_table(latency), table);
    } else {
        render_histogram(frame, latency, inner);
    }
}

fn render_histogram(frame: &mut Frame, latency: &Latency, area: Rect) {
    frame.render_widget(
        LatencyBars::default()
            .buckets(&latency.buckets)
            .percentiles(latency.window),
        area,
    );
}

/// Reads one statistic out of percentiles, formatted.
type Pick = fn(&Percentiles) -> String;

/// Window and whole-run percentiles, labelled as such.
fn percentile_table(latency: &Latency) -> Table<'static> {
    let rows: [(&str, Pick); 7] = [
        ("p50", |p| format::millis(p.p50)),
        ("p90", |p| format::millis(p.p90)),
        ("p99", |p| format::millis(p.p99)),
        ("p99.9", |p| format::millis(p.p999)),
        ("max", |p| format::millis(p.max)),
        ("mean", |p| format::millis(p.mean)),
        ("count", |p| format::count(p.count as f64)),
    ];
    let right = |s: String| Cell::from(Text::from(Line::from(s).right_aligned()));
    let body = rows.into_iter().map(|(name, value)| {
        Row::new([
            Cell::from(Span::styled(name, theme::label())),
            right(value(&latency.window)),
            right(value(&latency.total)),
        ])
    });
    let header = Row::new([
        Cell::from(""),
        right("window".to_string()),
        right("total".to_string()),
    ])
    .style(theme::label().add_modifier(Modifier::BOLD));
    Table::new(
        body,
        [
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Length(9),
        ],
    )
    .header(header)
    .column_spacing(1)
    .style(Style::new())
}
