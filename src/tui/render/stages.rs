//! The stage table: one row per stage with workers, queue, rates, latency
//! percentiles, busy / idle / blocked, drops and restarts (wide tables: with
//! retries and dead letters, each beside its rate per second over the last
//! 5 s); the selected row highlighted and the bottleneck named in the
//! title. A bounded queue's cell takes its colour from how full it is, an
//! unbounded one's from how fast it grows, like the pipeline's boxes. A
//! producer with event-time watermarks (a Flink job) adds a `wm lag`
//! column: how far each stage's watermark lags the wall clock, `n/a` where
//! it has none.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table, TableState};

use crate::export::stream_text::watermark_lag;
use crate::format;
use crate::history::{Metric, StageMetric};
use crate::metrics::{Backpressure, Latency, Percentiles, Snapshot, StageSnapshot};
use crate::tui::app::App;
use crate::tui::theme;

/// Widths below this drop the `in/s`, `idle` and `bp` columns.
const WIDE: u16 = 110;
/// Widths from this one add the queue wait, retries and dead letters.
const WIDER: u16 = 140;
/// Widths from this one show restarts, retries and dead letters per second too.
const WIDEST: u16 = 156;

/// A column: header, width, the table widths it shows at (from
/// `min_table`, below `max_table`), and the cell text of a stage.
struct Column {
    header: &'static str,
    width: u16,
    min_table: u16,
    max_table: u16,
    cell: fn(&StageRow) -> Cell<'static>,
}

/// Seconds the counters' rates per second average over.
const RATE_SECONDS: f64 = 5.0;

/// A stage as its row shows it: the shown snapshot's numbers, and what the
/// history adds (queue growth, counters per second).
struct StageRow<'a> {
    s: &'a StageSnapshot,
    /// Items/s the queue grew over the last 5 s.
    growth: f64,
    /// Restarts, retries and dead letters per second over the last 5 s.
    per_s: [f64; 3],
}

impl<'a> StageRow<'a> {
    fn of(app: &App, index: usize, s: &'a StageSnapshot) -> Self {
        let t = app.shown().map_or(0.0, |shown| shown.t_s);
        let rate = |metric| {
            let points =
                app.history()
                    .points(Metric::Stage(index, metric), t - RATE_SECONDS + 1e-9, t);
            let n = points.len().max(1) as f64;
            points.iter().map(|p| p.mean).sum::<f64>() / n
        };
        Self {
            s,
            growth: app.queue_growth(index),
            per_s: [
                rate(StageMetric::Restarts),
                rate(StageMetric::Retries),
                rate(StageMetric::DeadLetters),
            ],
        }
    }
}

/// A counter's total, and beside it its rate per second when it moved.
fn counter(total: u64, per_s: f64, colour: ratatui::style::Color) -> Cell<'static> {
    let style = if total > 0 {
        Style::new().fg(colour)
    } else {
        Style::new()
    };
    let total = format::count(total as f64);
    let text = if per_s >= 0.05 {
        format!("{total} {}", per_second(per_s))
    } else {
        total
    };
    right_styled(text, style)
}

/// A small rate per second: `0.4/s`, `12/s`, `1.2k/s`.
fn per_second(rate: f64) -> String {
    if rate < 9.95 {
        format!("{rate:.1}/s")
    } else {
        format::rate(rate)
    }
}

/// The queue's fill, coloured by occupancy, or by growth when unbounded.
fn queue(r: &StageRow) -> Cell<'static> {
    let s = r.s;
    let colour = match s.queue_capacity {
        Some(_) => theme::occupancy(s.occupancy()),
        None => theme::growth(s.queue_len, r.growth),
    };
    right_styled(
        format::queue_fill(s.queue_len, s.queue_capacity),
        Style::new().fg(colour),
    )
}

/// Columns of the trend sparkline (each the peak of a few seconds).
const TREND_WIDTH: usize = 8;
/// Seconds the trend spans.
const TREND_SECONDS: f64 = 60.0;
/// The sparkline's levels, lowest first.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A stage's queue depth over the last minute up to the shown moment, as a
/// sparkline against its capacity (or its own peak, when unbounded).
fn trend(app: &App, stage: usize, s: &StageSnapshot) -> Cell<'static> {
    let Some(shown) = app.shown() else {
        return Cell::from("");
    };
    let metric = Metric::Stage(stage, StageMetric::QueueLen);
    let points = app
        .history()
        .points(metric, shown.t_s - TREND_SECONDS, shown.t_s);
    let peak = points.iter().map(|p| p.max).fold(0.0, f64::max);
    let top = s.queue_capacity.map_or(peak, |c| c as f64).max(1.0);
    let mut cells = [None; TREND_WIDTH];
    for p in &points {
        let at = ((p.t_s - (shown.t_s - TREND_SECONDS)) / TREND_SECONDS * TREND_WIDTH as f64)
            .clamp(0.0, TREND_WIDTH as f64 - 1.0) as usize;
        let cell: &mut Option<f64> = &mut cells[at];
        *cell = Some(cell.map_or(p.max, |v: f64| v.max(p.max)));
    }
    let line: String = cells
        .iter()
        .map(|c| match c {
            None => ' ',
            Some(v) => {
                let level = (v / top * (LEVELS.len() - 1) as f64).round();
                LEVELS[(level.max(0.0) as usize).min(LEVELS.len() - 1)]
            }
        })
        .collect();
    let colour = theme::occupancy(s.occupancy());
    Cell::from(Span::styled(line, Style::new().fg(colour)))
}

fn right(text: String) -> Cell<'static> {
    Cell::from(Text::from(Line::from(text).right_aligned()))
}

fn right_styled(text: String, style: Style) -> Cell<'static> {
    Cell::from(Text::from(
        Line::from(Span::styled(text, style)).right_aligned(),
    ))
}

fn fraction(value: f64, bad_above: f64) -> Cell<'static> {
    let style = if value > bad_above {
        Style::new().fg(theme::BAD)
    } else {
        Style::new()
    };
    right_styled(format::percent(value), style)
}

/// A windowed percentile, or "n/a" where the producer measures none.
fn latency(l: &Latency, pick: fn(&Percentiles) -> f64) -> Cell<'static> {
    if l.unavailable {
        right_styled("n/a".to_string(), theme::label())
    } else {
        right(format::millis(pick(&l.window)))
    }
}

/// No upper bound on the table's width.
const ANY: u16 = u16::MAX;

#[rustfmt::skip]
const COLUMNS: &[Column] = &[
    Column { header: "wrk", width: 5, min_table: 0, max_table: ANY, cell: |r| { let s = r.s; right(if s.workers == s.workers_target { s.workers.to_string() } else { format!("{}→{}", s.workers, s.workers_target) }) } },
    Column { header: "queue", width: 9, min_table: 0, max_table: ANY, cell: queue },
    Column { header: "in/s", width: 7, min_table: WIDE, max_table: ANY, cell: |r| right(format::count(r.s.in_rate)) },
    Column { header: "out/s", width: 7, min_table: 0, max_table: ANY, cell: |r| right(format::count(r.s.out_rate)) },
    Column { header: "p50", width: 7, min_table: WIDE, max_table: ANY, cell: |r| latency(&r.s.service_ms, |p| p.p50) },
    Column { header: "p99", width: 7, min_table: 0, max_table: ANY, cell: |r| latency(&r.s.service_ms, |p| p.p99) },
    Column { header: "wait p99", width: 8, min_table: WIDER, max_table: ANY, cell: |r| latency(&r.s.wait_ms, |p| p.p99) },
    Column { header: "busy", width: 5, min_table: 0, max_table: ANY, cell: |r| right(format::percent(r.s.busy)) },
    Column { header: "idle", width: 5, min_table: WIDE, max_table: ANY, cell: |r| right(format::percent(r.s.idle)) },
    Column { header: "blkd", width: 5, min_table: 0, max_table: ANY, cell: |r| fraction(r.s.blocked, 0.5) },
    Column { header: "bp", width: 4, min_table: WIDE, max_table: ANY, cell: |r| right_styled(r.s.backpressure.as_str().to_string(), Style::new().fg(match r.s.backpressure { Backpressure::Ok => theme::MUTED, level => theme::backpressure(level) })) },
    Column { header: "drops", width: 5, min_table: 0, max_table: ANY, cell: |r| right_styled(format::count(r.s.dropped as f64), if r.s.dropped > 0 { Style::new().fg(theme::BAD) } else { Style::new() }) },
    Column { header: "retry", width: 5, min_table: WIDER, max_table: WIDEST, cell: |r| counter(r.s.retried, 0.0, theme::WARN) },
    Column { header: "dead", width: 5, min_table: WIDER, max_table: WIDEST, cell: |r| counter(r.s.dead_lettered, 0.0, theme::BAD) },
    Column { header: "rst", width: 4, min_table: 0, max_table: WIDEST, cell: |r| counter(r.s.restarts, 0.0, theme::WARN) },
    Column { header: "retry", width: 9, min_table: WIDEST, max_table: ANY, cell: |r| counter(r.s.retried, r.per_s[1], theme::WARN) },
    Column { header: "dead", width: 9, min_table: WIDEST, max_table: ANY, cell: |r| counter(r.s.dead_lettered, r.per_s[2], theme::BAD) },
    Column { header: "rst", width: 9, min_table: WIDEST, max_table: ANY, cell: |r| counter(r.s.restarts, r.per_s[0], theme::WARN) },
];

/// Shown only when some stage has a watermark.
const WATERMARK_LAG: Column = Column {
    header: "wm lag",
    width: 7,
    min_table: 0,
    max_table: ANY,
    cell: |r| match r.s.watermark {
        Some(_) => right(watermark_lag(r.s.watermark.as_ref())),
        None => right_styled(watermark_lag(None), theme::label()),
    },
};

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let Some(snapshot) = app.shown() else {
        frame.render_widget(super::panel(" stages "), area);
        return;
    };
    let watermarks = snapshot.stages.iter().any(|s| s.watermark.is_some());
    let columns: Vec<&Column> = COLUMNS
        .iter()
        .chain(watermarks.then_some(&WATERMARK_LAG))
        .filter(|c| area.width >= c.min_table && area.width < c.max_table)
        .collect();
    let name_width = snapshot
        .stages
        .iter()
        .map(|s| s.name.chars().count() as u16 + 2)
        .max()
        .unwrap_or(6)
        .clamp(6, 20);
    let header = Row::new(
        [Cell::from("stage"), Cell::from("queue 1m")]
            .into_iter()
            .chain(
                columns
                    .iter()
                    .map(|c| Cell::from(Text::from(Line::from(c.header).right_aligned()))),
            ),
    )
    .style(theme::label().add_modifier(Modifier::BOLD));
    let rows = snapshot.stages.iter().enumerate().map(|(i, stage)| {
        let mark = if i == app.selected { '▸' } else { ' ' };
        let name = if snapshot.bottleneck == Some(i) {
            Span::styled(
                format!("◆{mark}{}", stage.name),
                Style::new()
                    .fg(theme::BOTTLENECK)
                    .add_modifier(Modifier::BOLD),
            )
        } else {
            Span::raw(format!(" {mark}{}", stage.name))
        };
        Row::new(
            std::iter::once(Cell::from(name))
                .chain(std::iter::once(trend(app, i, stage)))
                .chain({
                    let row = StageRow::of(app, i, stage);
                    columns
                        .iter()
                        .map(move |c| (c.cell)(&row))
                        .collect::<Vec<_>>()
                }),
        )
    });
    let widths = std::iter::once(Constraint::Length(name_width))
        .chain(std::iter::once(Constraint::Length(TREND_WIDTH as u16)))
        .chain(columns.iter().map(|c| Constraint::Length(c.width)));
    // Spare width spreads the columns out (up to 3 spaces apart) rather
    // than leaving a blank band on the right.
    let used =
        name_width + TREND_WIDTH as u16 + 1 + columns.iter().map(|c| c.width + 1).sum::<u16>();
    let spare = area.width.saturating_sub(2 + used);
    let spacing = (1 + spare / (columns.len() as u16 + 1)).min(3);
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(spacing)
        .block(
            super::panel(stages_title(app, area.width))
                .title(bottleneck_title(snapshot, area.width)),
        );
    // The state scrolls the selected row into view when stages outnumber rows.
    let mut state = TableState::new().with_selected(Some(app.selected));
    frame.render_stateful_widget(
        table.row_highlight_style(theme::selected()),
        area,
        &mut state,
    );
}

/// " stages ", saying when the selection follows the bottleneck.
fn stages_title(app: &App, width: u16) -> String {
    if app.follow_bottleneck && width >= WIDE {
        " stages · ▸ follows the bottleneck until you select ".to_string()
    } else if app.follow_bottleneck {
        " stages · ▸ follows ◆ ".to_string()
    } else {
        " stages ".to_string()
    }
}

/// The bottleneck and why, for the table's title, cut to fit beside " stages ".
fn bottleneck_title(s: &Snapshot, width: u16) -> Line<'static> {
    let Some(stage) = s.bottleneck.and_then(|i| s.stages.get(i)) else {
        return Line::from(Span::styled(
            " no bottleneck: nothing is blocked ",
            theme::label(),
        ))
        .right_aligned();
    };
    // The reason starts with the stage's name ("enrich: busy 98%, …").
    let reason = s.bottleneck_reason.as_deref().map(|r| {
        r.strip_prefix(stage.name.as_str())
            .and_then(|r| r.strip_prefix(": "))
            .unwrap_or(r)
    });
    let mut text = format!(" {} {}", theme::BOTTLENECK_MARK, stage.name);
    if let Some(reason) = reason {
        text.push_str(&format!(": {reason}"));
    }
    let room = usize::from(width).saturating_sub(26);
    if text.chars().count() > room {
        text = text.chars().take(room.saturating_sub(1)).collect();
        text.push('…');
    }
    text.push(' ');
    Line::from(Span::styled(
        text,
        Style::new()
            .fg(theme::BOTTLENECK)
            .add_modifier(Modifier::BOLD),
    ))
    .right_aligned()
}
