//! The header: scenario, wall clock and elapsed time, run state, source rate
//! and pending items, CPU, RSS and the checkpoint watermark.

use std::time::UNIX_EPOCH;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::format;
use crate::metrics::{Backpressure, Snapshot};
use crate::tui::app::{App, QuitState};
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let clock = format::wall_clock(
        app.now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let mut title = vec![
        Span::styled(" pipetop ", theme::title()),
        Span::styled(
            format!("· {} ", app.info.name),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ];
    if app.is_frozen() {
        title.push(Span::styled(
            " FROZEN ",
            Style::new()
                .fg(theme::WARN)
                .add_modifier(Modifier::REVERSED),
        ));
    }
    let mut block = super::panel(Line::from(title));
    let line = match app.shown() {
        Some(snapshot) => {
            block = block
                .title(process(snapshot, &clock).right_aligned())
                .title_bottom(totals(snapshot).right_aligned());
            status_line(snapshot, app.quit, area.width.saturating_sub(2))
        }
        None => {
            block = block.title(Line::from(format!(" {clock} ")).right_aligned());
            Line::from(Span::styled(
                "waiting for the first snapshot…",
                theme::label(),
            ))
        }
    };
    frame.render_widget(Paragraph::new(line).block(block), area);
}

/// CPU, RSS and the wall clock, for the top border.
fn process(s: &Snapshot, clock: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(" CPU ", theme::label()),
        Span::raw(format!("{:.0}%", s.process.cpu_percent)),
        Span::styled(" · RSS ", theme::label()),
        Span::raw(format::bytes(s.process.rss_bytes)),
        Span::styled(format!(" · {clock} "), theme::label()),
    ])
}

/// The conservation counters and the checkpoint, for the bottom border.
fn totals(s: &Snapshot) -> Line<'static> {
    let t = &s.totals;
    let pair = |label: &str, n: u64| {
        [
            Span::styled(format!(" {label} "), theme::label()),
            Span::raw(format::count(n as f64)),
        ]
    };
    let mut spans = Vec::new();
    spans.extend(pair("generated", t.generated));
    spans.extend(pair("· done", t.completed));
    spans.extend(pair("· in flight", t.in_flight));
    if t.dropped + t.dead_lettered > 0 {
        spans.extend(pair("· dropped", t.dropped));
        spans.extend(pair("· dead", t.dead_lettered));
    }
    spans.extend(pair("· checkpoint", s.checkpoint));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// The header's groups in display order, each with a priority (lower stays longer).
fn groups(s: &Snapshot, quit: QuitState) -> Vec<(u8, Vec<Span<'static>>)> {
    let state = if quit == QuitState::Draining && !s.state.is_final() {
        "stopping"
    } else {
        s.state.as_str()
    };
    let rate = match s.source.rate.per_second() {
        Some(r) => format::rate(r),
        None => "max".to_string(),
    };
    let mut groups = vec![
        (
            0,
            vec![
                Span::styled(
                    format!("● {state}"),
                    Style::new()
                        .fg(theme::run_state(s.state))
                        .add_modifier(Modifier::BOLD),
                ),
                Span::styled(format!(" {}", format::elapsed(s.t_s)), theme::label()),
            ],
        ),
        (
            1,
            vec![
                Span::styled("source ", theme::label()),
                Span::raw(rate),
                Span::styled(" → ", theme::label()),
                Span::raw(format::rate(s.source.out_rate)),
            ],
        ),
    ];
    let e2e = &s.end_to_end_ms.window;
    if e2e.count > 0 {
        groups.push((
            3,
            vec![
                Span::styled("end-to-end p50 ", theme::label()),
                Span::styled(
                    format::millis(e2e.p50),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::styled(" p99 ", theme::label()),
                Span::styled(
                    format::millis(e2e.p99),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
            ],
        ));
    }
    if s.source.source_pending > 0 {
        let colour = if s.source.backpressure == Backpressure::High {
            theme::BAD
        } else {
            theme::WARN
        };
        groups.push((
            2,
            vec![Span::styled(
                format!(
                    "pending {} lag {}",
                    format::count(s.source.source_pending as f64),
                    format::millis(s.source.source_lag_ms)
                ),
                Style::new().fg(colour),
            )],
        ));
    }
    groups
}

/// The groups that fit in `width`, dropping the least important first.
fn status_line(s: &Snapshot, quit: QuitState, width: u16) -> Line<'static> {
    const SEP: &str = "  │  ";
    let mut groups = groups(s, quit);
    let width_of = |g: &[(u8, Vec<Span>)]| {
        g.iter()
            .map(|(_, spans)| spans.iter().map(Span::width).sum::<usize>())
            .sum::<usize>()
            + SEP.chars().count() * g.len().saturating_sub(1)
    };
    while groups.len() > 1 && width_of(&groups) > usize::from(width) {
        let least = (0..groups.len()).max_by_key(|&i| groups[i].0).unwrap_or(0);
        groups.remove(least);
    }
    let mut spans = Vec::new();
    for (i, (_, group)) in groups.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(SEP, Style::new().fg(theme::BORDER)));
        }
        spans.extend(group);
    }
    Line::from(spans)
}
