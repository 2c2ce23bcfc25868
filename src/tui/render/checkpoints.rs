//! The checkpoint panel, drawn only for a producer that has checkpoint
//! statistics (a Flink job): the counts, the last completed checkpoint
//! (its end-to-end duration, size and age) and the last failure (its age
//! and reason), in the words of the summary table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::export::stream_text::checkpoint_lines;
use crate::metrics::CheckpointStats;
use crate::tui::theme;

/// Rows the panel takes: three lines and the border.
pub const HEIGHT: u16 = 5;

pub fn render(frame: &mut Frame, checkpoints: &CheckpointStats, area: Rect) {
    let lines: Vec<Line> = checkpoint_lines(checkpoints)
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let style = match i {
                2 if checkpoints.last_failure.is_some() => Style::new().fg(theme::WARN),
                0 | 1 => Style::new(),
                _ => theme::label(),
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    let block = super::panel(" checkpoints (Flink) ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
