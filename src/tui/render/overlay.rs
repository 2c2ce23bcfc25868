//! The text overlays: the scenario's lesson, queueing theory for the selected
//! stage, and the selected stage's dead letters and recent errors.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::format;
use crate::metrics::StageSnapshot;
use crate::metrics::theory::{self, Prediction, StageTheory};
use crate::tui::app::{App, Overlay};
use crate::tui::overlay_theory::OverlayTheory;
use crate::tui::theme;

pub fn render(frame: &mut Frame, app: &App, overlay: Overlay, area: Rect) {
    let stage = app.selected_stage();
    let name = stage.map_or("", |s| s.name.as_str());
    let (title, lines) = match overlay {
        Overlay::Lesson => (format!(" lesson · {} ", app.info.name), lesson(app)),
        Overlay::Theory => (
            format!(" theory · {name} "),
            stage.map_or_else(Vec::new, |s| theory(app, s)),
        ),
        Overlay::Errors => (format!(" errors · {name} "), errors(stage)),
        Overlay::None | Overlay::Help => return,
    };
    // Narrow terminals give the overlay nearly all their width: the theory
    // rows need ~70 columns to stay on one line each.
    let width = (area.width * 3 / 4)
        .max(76)
        .min(area.width.saturating_sub(2))
        .min(100);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let wrapped: usize = lines.iter().map(|l| wrapped_rows(l, inner)).sum();
    let height = (wrapped as u16 + 2).clamp(area.height / 3, area.height);
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    let block = super::panel(title)
        .border_style(theme::title().remove_modifier(Modifier::BOLD))
        .title_bottom(Line::from(Span::styled(" Esc closes ", theme::label())).right_aligned());
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        popup,
    );
}

/// Rows `line` takes when word-wrapped to `width` columns (as `Wrap` does).
fn wrapped_rows(line: &Line, width: usize) -> usize {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
        } else {
            rows += 1 + w.saturating_sub(1) / width;
            used = w % width;
        }
    }
    rows
}

fn lesson(app: &App) -> Vec<Line<'static>> {
    if app.info.lesson.trim().is_empty() {
        return vec![Line::from(Span::styled(
            "This scenario has no lesson.",
            theme::label(),
        ))];
    }
    reflow(&app.info.lesson)
        .into_iter()
        .map(|paragraph| {
            if paragraph.is_empty() {
                Line::raw("")
            } else if let Some(head) = ["Watch:", "Try:"]
                .iter()
                .find(|h| paragraph.starts_with(**h))
            {
                Line::from(vec![
                    Span::styled(head.to_string(), theme::title()),
                    Span::raw(paragraph[head.len()..].to_string()),
                ])
            } else {
                Line::from(paragraph)
            }
        })
        .collect()
}

/// The lesson's paragraphs as single lines (blank lines kept between them),
/// so the overlay wraps them to its own width instead of the TOML file's.
fn reflow(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.trim().lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
                out.push(String::new());
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn row(label: &str, value: String, note: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<22}"), theme::label()),
        Span::styled(
            format!("{value:>12}"),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("  {note}"), theme::label()),
    ])
}

fn prediction(label: &str, p: Prediction) -> Vec<Line<'static>> {
    let rho_style = Style::new()
        .fg(theme::occupancy(p.utilization))
        .add_modifier(Modifier::BOLD);
    vec![
        Line::from(vec![
            Span::styled(format!("{label:<22}"), theme::label()),
            Span::styled(
                format!("{:>12}", format!("ρ = {:.2}", p.utilization)),
                rho_style,
            ),
            Span::styled(format!("  with c = {}", p.workers), theme::label()),
        ]),
        if p.wait_ms.is_finite() {
            row(
                "  Erlang C wait",
                format::millis(p.wait_ms),
                &format!("P(wait) = {}", format::percent(p.p_wait)),
            )
        } else {
            row("  Erlang C wait", "∞".to_string(), "ρ ≥ 1: no steady state")
        },
    ]
}

/// What saturation means for this stage: how fast the backlog grows and
/// when the queue is full, or that upstream is held to the stage's pace.
fn saturation(t: &StageTheory) -> Option<Line<'static>> {
    let growth = t.queue_growth_per_s?;
    if growth <= 0.0 {
        return Some(row(
            "  at capacity",
            format::rate(t.arrival_rate),
            "upstream is held to this pace",
        ));
    }
    let note = match (t.queue_full_in_s, t.offered_rate) {
        (Some(s), _) if s > 0.0 => format!("the queue is full in {s:.1}s"),
        (_, Some(offered)) => format!("upstream held back ({} offered)", format::rate(offered)),
        _ => "the queue grows without bound".to_string(),
    };
    Some(row("  backlog grows", format::rate(growth), &note))
}

fn theory(app: &App, stage: &StageSnapshot) -> Vec<Line<'static>> {
    let source_rate = app.shown().and_then(|s| s.source.rate.per_second());
    let markov = theory::markov(app.info.spec.as_ref(), app.selected);
    let window_s = stage.window.seconds;
    let Some(o) = OverlayTheory::of(stage, source_rate, markov) else {
        return vec![Line::from(Span::styled(
            "No service time measured yet.",
            theme::label(),
        ))];
    };
    let t = &o.theory;
    let mut lines = vec![
        row(
            "arrival rate λ",
            format::rate(t.arrival_rate),
            &match source_rate {
                Some(set) => format!(
                    "admitted, {window_s:.0} s average (source set to {})",
                    format::rate(set)
                ),
                None => format!("admitted, {window_s:.0} s average"),
            },
        ),
        row(
            "service rate μ",
            format::rate(t.service_rate),
            "per worker, 1 / mean service time",
        ),
        row("workers c", stage.workers_target.to_string(), ""),
        Line::raw(""),
    ];
    lines.extend(prediction("utilization now", o.now));
    lines.extend(saturation(t));
    lines.push(row(
        "  measured wait",
        format::millis(o.wait_ms),
        "mean over the window",
    ));
    lines.extend(prediction("with one more worker", o.one_more));
    if let Some(c) = t.workers_needed {
        lines.push(row(
            "workers for ρ < 0.8",
            c.to_string(),
            "the usual headroom",
        ));
    }
    lines.extend([
        Line::raw(""),
        row(
            "Little's law, queue",
            format!("{:.2}", t.queue_len_measured.unwrap_or_default()),
            &format!("L measured: mean queue length, {window_s:.0} s"),
        ),
        row(
            "  λ × W",
            format!("{:.2}", t.queue_len_little),
            &format!(
                "{} × {} mean wait",
                format::rate(t.arrival_rate),
                format::millis(o.wait_ms)
            ),
        ),
        row(
            "  whole stage",
            format!("{:.1}", t.items_in_stage),
            &format!(
                "λ × (wait + service); measured {:.1} queued + busy",
                t.items_in_stage_measured.unwrap_or_default()
            ),
        ),
        Line::raw(""),
    ]);
    lines.push(match &t.model_note {
        None => Line::from(Span::styled(
            "This stage is M/M/c (Poisson arrivals, exponential service): Erlang C applies.",
            Style::default().fg(theme::GOOD),
        )),
        Some(note) => Line::from(Span::styled(
            format!("Erlang C is for M/M/c stages; here it does not apply: {note}."),
            theme::label(),
        )),
    });
    lines
}

fn errors(stage: Option<&StageSnapshot>) -> Vec<Line<'static>> {
    let Some(s) = stage else {
        return Vec::new();
    };
    let mut lines = vec![
        row(
            "dead-lettered",
            s.dead_lettered.to_string(),
            "gave up after max attempts",
        ),
        row("retried", s.retried.to_string(), "failed attempts retried"),
        row(
            "dropped",
            s.dropped.to_string(),
            &format!("queue policy {}", s.policy),
        ),
        row(
            "restarts",
            s.restarts.to_string(),
            "workers replaced after a panic",
        ),
        Line::raw(""),
        Line::from(Span::styled(
            "failed attempts (latest last)",
            theme::title(),
        )),
    ];
    let failures = &s.failures;
    let recent = failures.recent.iter().rev().take(8).rev().map(|f| {
        let kind = if f.panicked { "panic" } else { "error" };
        Line::from(vec![
            Span::styled(format!("{:>7.1}s ", f.t_s), theme::label()),
            Span::styled(format!("{kind:<6}"), Style::new().fg(theme::BAD)),
            Span::raw(format!("item {} attempt {}: {}", f.id, f.attempt, f.error)),
        ])
    });
    let before = lines.len();
    lines.extend(recent);
    if lines.len() == before {
        lines.push(Line::from(Span::styled("none", theme::label())));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!(
            "dead letters (last {} kept)",
            crate::model::DEAD_LETTERS_KEPT
        ),
        theme::title(),
    )));
    let letters = failures.dead_letters.iter().rev().take(8).rev().map(|d| {
        Line::from(vec![
            Span::styled(format!("{:>7.1}s ", d.t_s), theme::label()),
            Span::raw(format!(
                "item {} after {} attempts: {}",
                d.id, d.attempts, d.error
            )),
        ])
    });
    let before = lines.len();
    lines.extend(letters);
    if lines.len() == before {
        lines.push(Line::from(Span::styled("none", theme::label())));
    }
    lines
}
