//! The whole frame as a pure function of [`App`]: the layout, then one
//! `render(frame, app, area)` per panel, each in the file named after it.
//! Panels drop out as the terminal shrinks; below 80×24 a message says so.

mod checkpoints;
pub mod compare;
mod events;
mod footer;
mod header;
mod help;
mod histogram;
pub mod history;
mod overlay;
mod parts;
mod pipeline;
mod stages;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::app::{App, Overlay};
use super::theme;

/// Columns of the smallest terminal the dashboard draws in; narrower gets
/// the too-small message.
pub const MIN_WIDTH: u16 = 80;
/// Rows of the smallest terminal the dashboard draws in; shorter gets the
/// too-small message.
pub const MIN_HEIGHT: u16 = 24;

/// Rows below which the history charts give way to the histogram and the log.
const HISTORY_MIN_ROWS: u16 = 14;

/// Draws the dashboard, or the too-small message.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        render_too_small(frame, area);
        return;
    }
    let stage_count = app.shown().map_or(0, |s| s.stages.len()) as u16;
    let [header, strip, table, rest, footer] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length((stage_count.max(1) + 3).min(area.height / 3).max(6)),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, app, header);
    pipeline::render(frame, app, strip);
    stages::render(frame, app, table);
    render_lower(frame, app, rest);
    footer::render(frame, app, footer);
    match app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(frame, app, area),
        other => overlay::render(frame, app, other, area),
    }
}

/// Histogram, history and event log in the rows the fixed panels leave;
/// a Flink job's checkpoint panel above the histogram.
fn render_lower(frame: &mut Frame, app: &App, area: Rect) {
    if area.height < 3 {
        return;
    }
    let checkpoints = app.shown().and_then(|s| s.checkpoints.as_ref());
    let histogram = |frame: &mut Frame, area: Rect| match checkpoints {
        Some(c) if area.height >= checkpoints::HEIGHT + 3 => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(checkpoints::HEIGHT), Constraint::Min(0)])
                    .areas(area);
            checkpoints::render(frame, c, top);
            histogram::render(frame, app, rest);
        }
        Some(c) => checkpoints::render(frame, c, area),
        None => histogram::render(frame, app, area),
    };
    if area.height < HISTORY_MIN_ROWS {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(area);
        histogram(frame, left);
        events::render(frame, app, right);
        return;
    }
    let log_rows = (area.height / 3).clamp(5, 12);
    let [top, log] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(log_rows)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    histogram(frame, left);
    history::render(frame, app, right);
    events::render(frame, app, log);
}

/// A rounded panel with a styled title: the look every panel shares.
fn panel(title: impl Into<Line<'static>>) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(theme::BORDER))
        .title(title.into().style(theme::title()))
}

fn render_too_small(frame: &mut Frame, area: Rect) {
    let message = Line::from(vec![
        Span::styled("terminal too small: ", Style::new().fg(theme::WARN)),
        Span::raw(format!(
            "need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}",
            area.width, area.height
        )),
    ]);
    let y = area.y + area.height / 2;
    let line = Rect {
        y,
        height: area.bottom().saturating_sub(y),
        ..area
    };
    frame.render_widget(
        Paragraph::new(message).centered().wrap(Wrap { trim: true }),
        line,
    );
}
