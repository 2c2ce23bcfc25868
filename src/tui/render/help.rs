//! The help overlay, written from the key table that dispatches keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Row, Table};

use crate::tui::app::App;
use crate::tui::keys::KEYS;
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let width = 56.min(area.width);
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    let rows = KEYS.iter().map(|b| {
        // A key the producer cannot carry out says why instead.
        let help = match b.action.refusal(&app.info.controls) {
            Some(why) => Span::styled(format!("n/a: {why}"), theme::label()),
            None => Span::raw(b.help),
        };
        Row::new([
            Cell::from(Span::styled(b.key_names(), theme::title())),
            Cell::from(help),
        ])
    });
    let table = Table::new(rows, [Constraint::Length(10), Constraint::Min(0)])
        .column_spacing(2)
        .block(
            super::panel(" keys ")
                .border_style(theme::title().remove_modifier(Modifier::BOLD))
                .title_bottom(
                    Line::from(Span::styled(" Esc or ? closes ", theme::label())).right_aligned(),
                ),
        );
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}
