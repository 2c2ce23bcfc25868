//! The help overlay, written from the key table that dispatches keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Row, Table};

use crate::session::RunClock;
use crate::tui::keys::bindings_for;
use crate::tui::theme;

pub fn render(frame: &mut Frame, area: Rect, clock: &RunClock) {
    let count = bindings_for(clock).count();
    let height = (count as u16 + 2).min(area.height);
    let width = 56.min(area.width);
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    let rows = bindings_for(clock).map(|b| {
        Row::new([
            Cell::from(Span::styled(b.key_names(), theme::title())),
            Cell::from(b.help),
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
