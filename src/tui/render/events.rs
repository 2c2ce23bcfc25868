//! The event log: commands, bursts, restarts, drops and timeline notes,
//! newest last, each stamped with its time since the start.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::format;
use crate::tui::app::App;
use crate::tui::event_log::LogLine;
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let events = &app.view().events;
    let block = super::panel(" events ");
    let inner = block.inner(area);
    let rows = usize::from(inner.height);
    // Narrow logs drop the kind column (the message names the change) and
    // colour the message by kind instead, so the message keeps the room.
    let narrow = inner.width < NARROW;
    let lines: Vec<Line> = events
        .iter()
        .skip(events.len().saturating_sub(rows))
        .map(|e| event_line(e, narrow))
        .collect();
    let body = if lines.is_empty() {
        Paragraph::new(Span::styled("no events yet", theme::label()))
    } else {
        Paragraph::new(lines)
    };
    frame.render_widget(body.block(block), area);
}

/// Inner widths below this drop the kind column.
const NARROW: u16 = 50;

fn event_line(line: &LogLine, narrow: bool) -> Line<'static> {
    let event = &line.event;
    let kind = Style::new().fg(theme::event_kind(&event.kind));
    let message = line.message();
    let mut spans = vec![Span::styled(
        format!("{:>6} ", format_t(event.t_s)),
        theme::label(),
    )];
    if narrow {
        spans.push(Span::styled(message, kind));
    } else {
        let word = event.word();
        spans.push(Span::styled(
            format!("{word:<9} "),
            kind.add_modifier(Modifier::BOLD),
        ));
        // The kind column already says "bottleneck"; don't say it twice.
        let message = message
            .strip_prefix(word)
            .and_then(|m| m.strip_prefix(": "))
            .map_or_else(|| message.clone(), str::to_string);
        spans.push(Span::raw(message));
    }
    if let Some(note) = &event.note {
        spans.push(Span::styled(
            format!("  — {note}"),
            Style::new().add_modifier(Modifier::ITALIC),
        ));
    }
    Line::from(spans)
}

/// `12.3s` under a minute, then `mm:ss`.
fn format_t(t_s: f64) -> String {
    if t_s < 60.0 {
        format!("{t_s:.1}s")
    } else {
        format::elapsed(t_s)
    }
}
