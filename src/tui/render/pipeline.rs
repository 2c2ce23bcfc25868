//! The pipeline strip: the source, then each stage as a box, chained left to
//! right with arrows, so pressure can be seen travelling upstream.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::format;
use crate::metrics::{Backpressure, Snapshot};
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::widgets::StageBox;

/// Columns between two boxes, holding the arrow.
const ARROW_WIDTH: u16 = 2;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let Some(snapshot) = app.shown() else {
        return;
    };
    let boxes = snapshot.stages.len() as u16 + 1;
    let arrows = (boxes - 1) * ARROW_WIDTH;
    if area.width < arrows + boxes * 6 {
        return;
    }
    let mut constraints = Vec::with_capacity(usize::from(boxes) * 2);
    for i in 0..boxes {
        if i > 0 {
            constraints.push(Constraint::Length(ARROW_WIDTH));
        }
        constraints.push(Constraint::Fill(1));
    }
    let cells = Layout::horizontal(constraints).split(area);
    render_source(frame, snapshot, cells[0]);
    for (i, stage) in snapshot.stages.iter().enumerate() {
        let producer = match i {
            0 => snapshot.source.backpressure,
            _ => snapshot.stages[i - 1].backpressure,
        };
        draw_arrow(frame.buffer_mut(), cells[i * 2 + 1], producer);
        frame.render_widget(
            StageBox::new(stage)
                .growth(app.queue_growth(i))
                .selected(i == app.selected)
                .bottleneck(snapshot.bottleneck == Some(i)),
            cells[i * 2 + 2],
        );
    }
}

fn render_source(frame: &mut Frame, s: &Snapshot, area: Rect) {
    let src = &s.source;
    let border = if src.backpressure == Backpressure::Ok {
        theme::BORDER
    } else {
        theme::backpressure(src.backpressure)
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(border))
        .title(Span::styled(
            " source ",
            Style::new().add_modifier(Modifier::BOLD),
        ));
    // Roomy boxes spell the labels out; narrow ones abbreviate.
    let roomy = area.width >= 18;
    let rate = match src.rate.per_second() {
        Some(r) => format::rate(r),
        None => "max".to_string(),
    };
    let state = if src.paused {
        Span::styled("paused", Style::new().fg(theme::WARN))
    } else {
        Span::styled(
            format::rate(src.out_rate),
            Style::new().add_modifier(Modifier::BOLD),
        )
    };
    let [rate_label, out_label, pending_label] = if roomy {
        ["rate ", "out  ", "pending "]
    } else {
        ["at ", "→", "pend "]
    };
    let pending = format!(
        "{pending_label}{}",
        format::count(src.source_pending as f64)
    );
    let pending = if src.source_pending > 0 {
        Span::styled(
            pending,
            Style::new().fg(theme::WARN).add_modifier(Modifier::BOLD),
        )
    } else {
        Span::styled(pending, theme::label())
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(rate_label, theme::label()),
            Span::raw(rate),
        ]),
        Line::from(vec![Span::styled(out_label, theme::label()), state]),
        Line::from(pending),
    ];
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// An arrow into a stage, on the box's middle row, coloured by how blocked
/// its producer is on that stage's queue.
fn draw_arrow(buf: &mut Buffer, area: Rect, pressure: Backpressure) {
    if area.height < 3 || area.width < ARROW_WIDTH {
        return;
    }
    let y = area.y + area.height / 2;
    let style = Style::new().fg(match pressure {
        Backpressure::Ok => theme::MUTED,
        level => theme::backpressure(level),
    });
    buf.set_string(area.x, y, "─▶", style);
}
