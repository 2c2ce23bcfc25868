//! The comparison frame, a pure function of [`Comparison`]: a header naming
//! run A (cyan) and run B (yellow), the stage table with A, B and Δ, the
//! selected stage's chart with both runs overlaid on one time axis (its
//! span, and a cursor on the moment shown when rewound), and each run's
//! bottleneck and its events up to that moment.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::replay::RunSummary;
use crate::replay::comparison::{Block, blocks};
use crate::tui::chart_kind::ChartKind;
use crate::tui::compare::{Comparison, Side};
use crate::tui::keys::KEYS;
use crate::tui::theme;

use super::history::{ChartFrame, ChartLine, draw};

/// Run A's colour.
pub const A_COLOUR: Color = Color::Cyan;
/// Run B's colour.
pub const B_COLOUR: Color = Color::Yellow;

/// The rows of a stage block the table shows, by name.
const COLUMNS: [&str; 7] = [
    "workers",
    "processed",
    "queue max",
    "service p99",
    "wait p99",
    "busy",
    "dropped",
];

/// Draws the comparison, or the too-small message.
pub fn render(frame: &mut Frame, c: &Comparison) {
    let area = frame.area();
    if area.width < super::MIN_WIDTH || area.height < super::MIN_HEIGHT {
        super::render_too_small(frame, area);
        return;
    }
    let names = c.stage_names();
    let [header, table, rest, footer] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length((names.len() as u16 * 2 + 3).min(area.height / 3)),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(frame, c, header);
    render_table(frame, c, &names, table);
    let [chart, log] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(rest);
    render_chart(
        frame,
        c,
        names.get(c.selected).map_or("", String::as_str),
        chart,
    );
    let [log_a, log_b] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(log);
    render_events(frame, "A", A_COLOUR, &c.a.summary, c.shown_s(), log_a);
    render_events(frame, "B", B_COLOUR, &c.b.summary, c.shown_s(), log_b);
    let keys: Vec<Span> = KEYS
        .iter()
        .filter(|b| {
            matches!(
                b.action,
                crate::tui::Action::SelectDown
                    | crate::tui::Action::CycleChart
                    | crate::tui::Action::StepBack
                    | crate::tui::Action::Quit
            )
        })
        .filter_map(|b| b.footer)
        .flat_map(|f| {
            [
                Span::styled(format!(" {} ", f.keys), theme::key()),
                Span::styled(format!(" {} ", f.label), theme::label()),
            ]
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(keys)), footer);
}

fn run_line(tag: &str, colour: Color, r: &RunSummary) -> Line<'static> {
    let bottleneck = r.main_bottleneck().map_or_else(
        || "no bottleneck".to_string(),
        |(n, share)| format!("◆ {n} {:.0}% of ticks", share * 100.0),
    );
    Line::from(vec![
        Span::styled(
            format!(" {tag} "),
            Style::new()
                .fg(Color::Black)
                .bg(colour)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(" {} ", r.name),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("{} · {:.1}s · ", r.path, r.duration_s),
            theme::label(),
        ),
        Span::styled(bottleneck, Style::new().fg(theme::BOTTLENECK)),
    ])
}

fn render_header(frame: &mut Frame, c: &Comparison, area: Rect) {
    let lines = vec![
        run_line("A", A_COLOUR, &c.a.summary),
        run_line("B", B_COLOUR, &c.b.summary),
    ];
    let title = match c.at {
        Some(t) => format!(
            " pipetop compare · at {} of {} (End: the end) ",
            crate::format::elapsed(t),
            crate::format::elapsed(c.end_s())
        ),
        None => " pipetop compare ".to_string(),
    };
    frame.render_widget(Paragraph::new(lines).block(super::panel(title)), area);
}

fn render_table(frame: &mut Frame, c: &Comparison, names: &[String], area: Rect) {
    let all = blocks(&c.a.summary, &c.b.summary);
    let right = |s: String, style: Style| {
        Cell::from(Text::from(
            Line::from(Span::styled(s, style)).right_aligned(),
        ))
    };
    let header = Row::new(
        std::iter::once(Cell::from("stage")).chain(COLUMNS.iter().map(|h| {
            right(
                (*h).to_string(),
                theme::label().add_modifier(Modifier::BOLD),
            )
        })),
    );
    let mut rows = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let Some(block) = all.iter().find(|b: &&Block| &b.name == name) else {
            continue;
        };
        let pick = |what: &str| block.rows.iter().find(|r| r.what == what);
        let mark = if i == c.selected { "▸" } else { " " };
        let cells_a = COLUMNS.iter().map(|w| {
            right(
                pick(w).map_or_else(String::new, |r| r.a_text()),
                Style::new().fg(A_COLOUR),
            )
        });
        let cells_b = COLUMNS.iter().map(|w| {
            let r = pick(w);
            let text = r.map_or_else(String::new, |r| format!("{} {}", r.b_text(), r.delta()));
            right(text, Style::new().fg(B_COLOUR))
        });
        let style = if i == c.selected {
            theme::selected()
        } else {
            Style::new()
        };
        rows.push(
            Row::new(std::iter::once(Cell::from(format!("{mark}{name}"))).chain(cells_a))
                .style(style),
        );
        rows.push(Row::new(std::iter::once(Cell::from("   B  Δ")).chain(cells_b)).style(style));
    }
    let widths =
        std::iter::once(Constraint::Length(12)).chain(COLUMNS.iter().map(|_| Constraint::Min(9)));
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(super::panel(" stages · A above, B and Δ (B vs A) below ")),
        area,
    );
}

/// The headline line of a chart: p99 for latencies, else its first line.
fn headline(kind: ChartKind) -> usize {
    match kind {
        ChartKind::Service | ChartKind::Wait | ChartKind::EndToEnd => 1,
        ChartKind::Queue
        | ChartKind::Rates
        | ChartKind::Utilization
        | ChartKind::Failures
        | ChartKind::Source
        | ChartKind::Memory
        | ChartKind::Cpu => 0,
    }
}

fn side_line(
    side: &Side,
    tag: &str,
    colour: Color,
    kind: ChartKind,
    stage: Option<usize>,
    (from, to): (f64, f64),
) -> Option<ChartLine> {
    let stage = if kind.of_stage() { stage? } else { 0 };
    let (metric, name) = *kind.lines(stage).get(headline(kind))?;
    let points = side.app.history().points(metric, from, to);
    Some(ChartLine::new(format!("{tag} {name}"), colour, &points))
}

fn render_chart(frame: &mut Frame, c: &Comparison, stage: &str, area: Rect) {
    let index = |side: &Side| side.summary.stages.iter().position(|s| s.name == stage);
    let (from, to) = c.axis();
    let lines: Vec<ChartLine> = [
        side_line(&c.a, "A", A_COLOUR, c.chart, index(&c.a), (from, to)),
        side_line(&c.b, "B", B_COLOUR, c.chart, index(&c.b), (from, to)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let subject = if c.chart.of_stage() {
        stage
    } else {
        "pipeline"
    };
    draw(
        frame,
        area,
        &ChartFrame {
            title: Line::from(format!(
                " {subject} · {} · {} · A and B ",
                c.chart.label(),
                c.span.label()
            )),
            kind: c.chart,
            from,
            to,
            lines: &lines,
            events: &[],
            cursor: c.at,
        },
    );
}

fn render_events(
    frame: &mut Frame,
    tag: &str,
    colour: Color,
    r: &RunSummary,
    until_s: f64,
    area: Rect,
) {
    let rows = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = r
        .events
        .iter()
        .filter(|e| e.t_s <= until_s + 1e-9)
        .filter(|e| e.word != "bottleneck" || rows > 6)
        .take(rows)
        .map(|e| {
            Line::from(vec![
                Span::styled(format!("{:>6.1}s ", e.t_s), theme::label()),
                Span::styled(
                    e.message.clone(),
                    Style::new().fg(theme::event_word(&e.word)),
                ),
            ])
        })
        .collect();
    let title = Line::from(vec![
        Span::styled(format!(" {tag} "), Style::new().fg(Color::Black).bg(colour)),
        Span::raw(format!(" events ({}) ", r.events.len())),
    ]);
    frame.render_widget(Paragraph::new(lines).block(super::panel(title)), area);
}
