//! One stage in the pipeline strip: a rounded box titled with the stage's
//! name, holding its queue gauge, workers and out rate, tinted by
//! backpressure, and marked when it is the bottleneck.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use crate::format;
use crate::metrics::{Backpressure, StageSnapshot};
use crate::tui::theme;

use super::QueueGauge;

/// A stage drawn as a box.
#[derive(Debug, Clone, Copy)]
pub struct StageBox<'a> {
    stage: &'a StageSnapshot,
    selected: bool,
    bottleneck: bool,
    growth: f64,
}

impl<'a> StageBox<'a> {
    /// A box for `stage`, neither selected nor the bottleneck.
    pub fn new(stage: &'a StageSnapshot) -> Self {
        Self {
            stage,
            selected: false,
            bottleneck: false,
            growth: 0.0,
        }
    }

    /// How fast the queue grows, items/s (colours an unbounded queue).
    pub fn growth(mut self, per_second: f64) -> Self {
        self.growth = per_second;
        self
    }

    /// Highlights the box as the selected stage.
    pub fn selected(mut self, selected: bool) -> Self {
        self.selected = selected;
        self
    }

    /// Marks the box as the bottleneck (thick border in the bottleneck colour).
    pub fn bottleneck(mut self, bottleneck: bool) -> Self {
        self.bottleneck = bottleneck;
        self
    }

    fn block(&self, width: u16) -> Block<'a> {
        let s = self.stage;
        let (border, border_type) = if self.bottleneck {
            (theme::BOTTLENECK, BorderType::Thick)
        } else if s.backpressure == Backpressure::Ok && self.selected {
            (theme::ACCENT, BorderType::Rounded)
        } else {
            (theme::backpressure(s.backpressure), BorderType::Rounded)
        };
        let mut name = Style::new().add_modifier(Modifier::BOLD);
        if self.selected {
            name = name.fg(theme::ACCENT).add_modifier(Modifier::REVERSED);
        }
        let mut block = Block::bordered()
            .border_type(border_type)
            .border_style(Style::new().fg(border))
            .title(Span::styled(format!(" {} ", s.name), name));
        if self.bottleneck {
            let mark = if width >= theme::BOTTLENECK_MARK.chars().count() as u16 + 4 {
                format!(" {} ", theme::BOTTLENECK_MARK)
            } else {
                " ◆ ".to_string()
            };
            block = block.title_bottom(Span::styled(
                mark,
                Style::new()
                    .fg(theme::BOTTLENECK)
                    .add_modifier(Modifier::BOLD),
            ));
        } else if s.backpressure != Backpressure::Ok {
            block = block.title_bottom(Span::styled(
                format!(" bp {} ", s.backpressure.as_str()),
                Style::new().fg(theme::backpressure(s.backpressure)),
            ));
        }
        block
    }
}

impl Widget for StageBox<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = self.block(area.width);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.is_empty() {
            return;
        }
        let s = self.stage;
        // Wide boxes put the label beside the bar; narrow ones on the next line.
        let wide = inner.width >= 16;
        QueueGauge::default()
            .len(s.queue_len)
            .capacity(s.queue_capacity)
            .unbounded_trend(s.queue_max, self.growth)
            .label(wide)
            .render(Rect { height: 1, ..inner }, buf);
        // Roomy boxes spell the labels out; narrow ones abbreviate.
        let roomy = inner.width >= 22;
        let count = if s.workers == s.workers_target {
            s.workers.to_string()
        } else {
            format!("{}→{}", s.workers, s.workers_target)
        };
        let workers = if roomy {
            let noun = if s.workers_target == 1 {
                "worker"
            } else {
                "workers"
            };
            format!("{count} {noun} ")
        } else {
            format!("w{count}")
        };
        // A slowdown is its own label, not part of the policy's.
        let slowdown = (s.slowdown != 1.0).then(|| {
            let text = if wide {
                format!(" · slowed ×{}", s.slowdown)
            } else {
                format!(" ×{}", s.slowdown)
            };
            Span::styled(text, Style::new().fg(theme::WARN))
        });
        let rates = Line::from(vec![
            Span::styled(workers, theme::label()),
            Span::raw(" "),
            Span::styled(
                format::rate(s.out_rate),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(if roomy { " out" } else { "" }, theme::label()),
        ]);
        let lines = if wide {
            // With a slowdown beside it, the policy is its word alone.
            let policy = if roomy && s.slowdown == 1.0 {
                format!("policy {}", s.policy.as_str())
            } else {
                s.policy.as_str().to_string()
            };
            let mut detail = vec![Span::styled(policy, theme::label())];
            detail.extend(slowdown);
            [rates, Line::from(detail)]
        } else {
            let queue = format::queue_fill(s.queue_len, s.queue_capacity);
            let colour = match s.queue_capacity {
                Some(_) => theme::occupancy(s.occupancy()),
                None => theme::growth(s.queue_len, self.growth),
            };
            let mut label = vec![Span::styled(queue, Style::new().fg(colour))];
            label.extend(slowdown);
            [Line::from(label), rates]
        };
        for (i, line) in lines.iter().enumerate() {
            let y = inner.y + 1 + i as u16;
            if y < inner.bottom() {
                buf.set_line(inner.x, y, line, inner.width);
            }
        }
    }
}
