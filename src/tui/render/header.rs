//! The header: scenario, wall clock and elapsed time, run state, source rate
//! and pending items, CPU, RSS and the checkpoint watermark.

use std::time::UNIX_EPOCH;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::metrics::{Backpressure, Snapshot};
use crate::tui::app::{App, QuitState};
use crate::tui::{format, theme};

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let clock = format::wall_clock(
        app.now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let mut title = vec![
        Span::styled(" pipetop ", theme::title()),
        Span::styled(
            format!("· {} ", app.meta.name),
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
    let block = super::panel(Line::from(title))
        .title(Line::from(Span::styled(format!(" {clock} "), theme::label())).right_aligned());
    let line = match app.shown() {
        Some(snapshot) => status_line(snapshot, app.quit),
        None => Line::from(Span::styled(
            "waiting for the first snapshot…",
            theme::label(),
        )),
    };
    frame.render_widget(Paragraph::new(line).block(block), area);
}

fn status_line(s: &Snapshot, quit: QuitState) -> Line<'static> {
    let sep = || Span::styled("  │  ", Style::new().fg(theme::BORDER));
    let state = if quit == QuitState::Draining && !s.state.is_final() {
        "stopping"
    } else {
        s.state.as_str()
    };
    let mut spans = vec![
        Span::styled(
            format!("● {state}"),
            Style::new()
                .fg(theme::run_state(s.state))
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("  t {}", format::elapsed(s.t_s)), theme::label()),
        sep(),
        Span::styled("source ", theme::label()),
        Span::raw(match s.source.rate.per_second() {
            Some(r) => format::rate(r),
            None => "max".to_string(),
        }),
        Span::styled(" in ", theme::label()),
        Span::raw(format::rate(s.source.out_rate)),
    ];
    if s.source.source_pending > 0 {
        spans.push(Span::styled(
            format!(
                " pending {} (lag {})",
                format::count(s.source.source_pending as f64),
                format::millis(s.source.source_lag_ms)
            ),
            Style::new().fg(if s.source.backpressure == Backpressure::High {
                theme::BAD
            } else {
                theme::WARN
            }),
        ));
    }
    spans.extend([
        sep(),
        Span::styled("CPU ", theme::label()),
        Span::raw(format!("{:.0}%", s.process.cpu_percent)),
        Span::styled("  RSS ", theme::label()),
        Span::raw(format::bytes(s.process.rss_bytes)),
        sep(),
        Span::styled("ckpt ", theme::label()),
        Span::raw(format::count(s.checkpoint as f64)),
        Span::styled("  in flight ", theme::label()),
        Span::raw(format::count(s.totals.in_flight as f64)),
    ]);
    Line::from(spans)
}
