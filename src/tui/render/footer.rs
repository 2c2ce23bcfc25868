//! The footer: the main keys, read from the key table in rank order as far as
//! the width allows, and a status message (draining, screenshot saved) on the right.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, QuitState};
use crate::tui::keys::{Footer, bindings_for};
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let status = status(app);
    let status_width = status.as_ref().map_or(0, |s| s.width());
    let room = usize::from(area.width).saturating_sub(status_width);
    // A key the producer cannot carry out (a Flink job's `x`) says "n/a".
    let mut entries: Vec<(Footer, bool)> = bindings_for(app.speed_control())
        .filter_map(|b| {
            let refused = b.action.refusal(&app.info.controls).is_some();
            b.footer.map(|f| (f, refused))
        })
        .collect();
    entries.sort_by_key(|(f, _)| f.rank);
    let mut spans = Vec::new();
    let mut used = 0;
    for (entry, refused) in entries {
        let keys = format!(" {} ", entry.keys);
        let label = if refused {
            " n/a ".to_string()
        } else {
            format!(" {} ", entry.label)
        };
        let width = keys.chars().count() + label.chars().count();
        if used + width > room {
            break;
        }
        used += width;
        let key_style = if refused {
            theme::label()
        } else {
            theme::key()
        };
        spans.push(Span::styled(keys, key_style));
        spans.push(Span::styled(label, theme::label()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some(status) = status.filter(|_| status_width <= usize::from(area.width)) {
        let width = status_width as u16;
        let right = Rect {
            x: area.right() - width,
            width,
            ..area
        };
        frame.render_widget(Paragraph::new(status), right);
    }
}

/// Why a finished run was cut short by one of its declared limits (the
/// memory cap, the drain timeout), as its event said: the last frame
/// keeps the reason in view, not only a scrolled event log.
fn cut_short_by(app: &App) -> Option<String> {
    app.events()
        .iter()
        .rev()
        .find(|line| matches!(line.word.as_str(), "memory-cap" | "drain-timeout"))
        .map(|line| line.text.trim_end_matches(", aborting").to_string())
}

fn status(app: &App) -> Option<Line<'static>> {
    let text = match (&app.status, app.quit) {
        (Some(message), _) => message.clone(),
        (None, QuitState::Draining) => "draining… q again: exit now".to_string(),
        (None, QuitState::Running) if app.playback.is_some_and(|p| p.at_end) => {
            "end of the recording — q to quit".to_string()
        }
        (None, QuitState::Running) if app.pipeline_finished() => match cut_short_by(app) {
            Some(why) => format!("{why} — q to quit"),
            None => "done — q to quit".to_string(),
        },
        _ => return None,
    };
    Some(Line::from(Span::styled(
        format!(" {text} "),
        Style::new().fg(theme::WARN),
    )))
}
