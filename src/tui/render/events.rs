//! The event log: commands, bursts, restarts, drops and timeline notes,
//! newest last, each stamped with its time since the start. A rewound view
//! shows the log as it was at its moment; `L` scrolls further back, `F`
//! keeps only commands, failures or bottleneck moves.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::format;
use crate::tui::app::App;
use crate::tui::event_log::{LogFilter, LogLine};
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let until = app.shown().map_or(f64::INFINITY, |s| s.t_s);
    let filter = app.log_filter;
    let upto: Vec<&LogLine> = app
        .events()
        .until(until)
        .filter(|l| filter.keeps(l))
        .collect();
    let scroll = app.log_scroll.min(upto.len().saturating_sub(1));
    let filtered = match filter {
        LogFilter::All => String::new(),
        LogFilter::Commands | LogFilter::Failures | LogFilter::Bottleneck => {
            format!(" · {} (F)", filter.label())
        }
    };
    let title = if scroll > 0 {
        format!(" events{filtered} · {scroll} newer below (End) ")
    } else {
        format!(" events{filtered} ")
    };
    let block = super::panel(title);
    let inner = block.inner(area);
    let rows = usize::from(inner.height);
    // Narrow logs drop the kind column (the message names the change) and
    // colour the message by kind instead, so the message keeps the room.
    let narrow = inner.width < NARROW;
    let end = upto.len() - scroll.min(upto.len());
    let lines: Vec<Line> = upto[end.saturating_sub(rows)..end]
        .iter()
        .map(|e| event_line(e, narrow))
        .collect();
    let body = if lines.is_empty() {
        let none = match filter {
            LogFilter::All => "no events yet".to_string(),
            LogFilter::Commands | LogFilter::Failures | LogFilter::Bottleneck => {
                format!("no {} events yet", filter.label())
            }
        };
        Paragraph::new(Span::styled(none, theme::label()))
    } else {
        Paragraph::new(lines)
    };
    frame.render_widget(body.block(block), area);
}

/// Inner widths below this drop the kind column.
const NARROW: u16 = 50;

fn event_line(line: &LogLine, narrow: bool) -> Line<'static> {
    let kind = Style::new().fg(theme::event_word(&line.word));
    let message = line.message();
    let mut spans = vec![Span::styled(
        format!("{:>6} ", format_t(line.t_s)),
        theme::label(),
    )];
    if narrow {
        spans.push(Span::styled(message, kind));
    } else {
        let word = line.word.as_str();
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
    if let Some(note) = &line.note {
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
