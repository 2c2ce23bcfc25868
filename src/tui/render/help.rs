//! The help overlay, written from the key table that dispatches keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Row, Table};

use crate::tui::app::App;
use crate::tui::keys::{KeyBinding, bindings_for};
use crate::tui::theme;

/// Widest help text in the key table (a test keeps them within it), so two
/// columns of keys fit in 80 columns.
pub const HELP_TEXT_MAX: usize = 28;
/// Columns of the key names.
const KEY_WIDTH: u16 = 7;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let keys: Vec<&KeyBinding> = bindings_for(app.speed_control()).collect();
    // One column when every key fits in the height, else two side by side.
    let one_column = keys.len() as u16 + 2 <= area.height;
    let per_column = if one_column {
        keys.len()
    } else {
        keys.len().div_ceil(2)
    };
    // A key the producer refuses says why, which may be longer than the
    // table's own texts: one column widens for it.
    let longest = keys
        .iter()
        .map(|b| match b.action.refusal(&app.info.controls) {
            Some(why) => why.chars().count() + 5,
            None => b.help.chars().count(),
        })
        .max()
        .unwrap_or(0);
    let text_width = if one_column {
        longest.max(HELP_TEXT_MAX)
    } else {
        HELP_TEXT_MAX
    };
    let column_width = KEY_WIDTH + 2 + text_width as u16;
    let columns = if one_column { 1 } else { 2 };
    let width = (column_width * columns + 2 + 3 * (columns - 1)).min(area.width);
    let height = (per_column as u16 + 2).min(area.height);
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    let block = super::panel(" keys ")
        .border_style(theme::title().remove_modifier(Modifier::BOLD))
        .title_bottom(
            Line::from(Span::styled(" Esc or ? closes ", theme::label())).right_aligned(),
        );
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let halves: Vec<Rect> = if one_column {
        vec![inner]
    } else {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(3)
            .split(inner)
            .to_vec()
    };
    for (chunk, half) in keys.chunks(per_column).zip(halves) {
        let rows = chunk.iter().map(|b| {
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
        let table =
            Table::new(rows, [Constraint::Length(KEY_WIDTH), Constraint::Min(0)]).column_spacing(2);
        frame.render_widget(table, half);
    }
}
