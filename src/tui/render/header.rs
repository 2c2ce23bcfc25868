//! The header: scenario, wall clock and elapsed time, run state, source rate
//! and pending items, CPU, RSS, the conservation counters and the checkpoint
//! watermark. Each row is made of whole parts with a priority; when a row is
//! too narrow the least important parts are shortened, then dropped, so a
//! number is never cut in half.

use std::time::UNIX_EPOCH;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::format;
use crate::metrics::{Backpressure, Snapshot};
use crate::session::RunClock;
use crate::tui::app::{App, QuitState};
use crate::tui::bursts::BurstNow;
use crate::tui::theme;

use super::parts::{Part, ellipsized, fit, join, joined_width, title_line, title_width};

/// Between the groups of the status line.
const STATUS_SEP: &str = "  │  ";

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    // The border titles sit between the two corners.
    let inner = usize::from(area.width.saturating_sub(2));
    let snapshot = app.shown();
    let (left, right) = top_row(app, snapshot, inner);
    let mut block = super::panel(left);
    if !right.spans.is_empty() {
        block = block.title(right.right_aligned());
    }
    let line = match snapshot {
        Some(s) => {
            let bottom = totals(s, inner);
            if !bottom.spans.is_empty() {
                block = block.title_bottom(bottom.right_aligned());
            }
            status_line(s, app.quit, app.burst_now(), inner)
        }
        None => {
            let waiting = "waiting for the first snapshot…";
            let shown = if Span::raw(waiting).width() <= inner {
                waiting
            } else {
                ""
            };
            Line::from(Span::styled(shown, theme::label()))
        }
    };
    frame.render_widget(Paragraph::new(line).block(block), area);
}

/// The top border: program and scenario name and the moment marks
/// (FROZEN, REWOUND, REPLAY) on the left; CPU, RSS and the wall clock on
/// the right.
///
/// Priority: the moment marks, the scenario name (cut with `…` only when it
/// alone is too long), CPU, RSS, the clock, the program name.
fn top_row(app: &App, snapshot: Option<&Snapshot>, inner: usize) -> (Line<'static>, Line<'static>) {
    let clock = format::wall_clock(
        app.now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let marks = moment_marks(app);
    let name = format!(" {} ", app.info.name);
    let mut name_part = Part::new(1, vec![Span::styled(name.clone(), bold)]);
    let room = inner.saturating_sub(marks.iter().map(Part::width).sum());
    if Span::raw(name.as_str()).width() > room {
        // Only the name and the marks are left by the time this is used.
        name_part.short = ellipsized(&app.info.name, room.saturating_sub(2))
            .map(|short| vec![Span::styled(format!(" {short} "), bold)]);
    }
    let mut parts = vec![
        Part::new(
            5,
            vec![
                Span::styled(" pipetop ", theme::title()),
                Span::styled("·", theme::title()),
            ],
        ),
        name_part,
    ];
    parts.extend(marks);
    let clock_style = if snapshot.is_some() {
        theme::label()
    } else {
        Style::new()
    };
    if let RunClock::Virtual(pace) = &app.info.clock {
        // Virtual time: the speed instead of the CPU (which does not apply),
        // and the memory model instead of the process's RSS.
        parts.push(
            Part::new(
                2,
                vec![
                    Span::styled("virtual ", theme::label()),
                    Span::styled(pace.label(), bold),
                ],
            )
            .on_right(),
        );
        if let Some(s) = snapshot {
            parts.push(
                Part::new(
                    3,
                    vec![
                        Span::styled("mem≈ ", theme::label()),
                        Span::raw(format::bytes(s.process.rss_bytes)),
                    ],
                )
                .on_right(),
            );
        }
    } else if let Some(s) = snapshot {
        parts.push(
            Part::new(
                2,
                vec![
                    Span::styled("CPU ", theme::label()),
                    Span::raw(format!("{:.0}%", s.process.cpu_percent)),
                ],
            )
            .on_right(),
        );
        parts.push(
            Part::new(
                3,
                vec![
                    Span::styled("RSS ", theme::label()),
                    Span::raw(format::bytes(s.process.rss_bytes)),
                ],
            )
            .on_right(),
        );
    }
    parts.push(Part::new(4, vec![Span::styled(clock, clock_style)]).on_right());
    let parts = fit(parts, |parts| {
        let left: usize = parts.iter().filter(|p| !p.right).map(Part::width).sum();
        let right: Vec<&Part> = parts.iter().filter(|p| p.right).collect();
        let gap = usize::from(left > 0 && !right.is_empty());
        left + gap + title_width(&right) <= inner
    });
    let left: Vec<Span> = parts
        .iter()
        .filter(|p| !p.right)
        .flat_map(|p| p.spans.iter().cloned())
        .collect();
    let right = title_line(parts.iter().filter(|p| p.right));
    (Line::from(left), right)
}

/// The marks of the moment shown: FROZEN at the newest moment, REWOUND
/// with the moment and how far behind live it is, and a replay's playback.
fn moment_marks(app: &App) -> Vec<Part> {
    let mark = |text: String| {
        Span::styled(
            text,
            Style::new()
                .fg(theme::WARN)
                .add_modifier(Modifier::REVERSED),
        )
    };
    let mut marks = Vec::new();
    if let Some(playback) = app.playback {
        let state = if playback.at_end {
            "end".to_string()
        } else if playback.playing {
            format!("▶ {}×", playback.speed)
        } else {
            "⏸".to_string()
        };
        marks.push(Part::new(0, vec![mark(format!(" REPLAY {state} "))]));
    }
    match (app.behind_live_s(), app.shown()) {
        (Some(behind), Some(shown)) if behind > 0.0 => {
            let at = format::elapsed(shown.t_s);
            marks.push(
                Part::new(
                    0,
                    vec![mark(format!(" REWOUND {at} · {behind:.1}s behind live "))],
                )
                .or_short(vec![mark(format!(" REWOUND {at} "))]),
            );
        }
        (Some(_), _) => marks.push(Part::new(0, vec![mark(" FROZEN ".to_string())])),
        (None, _) => {}
    }
    marks
}

/// The conservation counters and the checkpoint, for the bottom border.
///
/// Priority: generated, then dropped and dead-lettered when not zero, done,
/// in flight, dropped and dead-lettered when zero (shown only beside a
/// non-zero one), and last the checkpoint.
fn totals(s: &Snapshot, inner: usize) -> Line<'static> {
    let t = &s.totals;
    let pair = |priority: u8, label: &str, n: u64| {
        Part::new(
            priority,
            vec![
                Span::styled(format!("{label} "), theme::label()),
                Span::raw(format::count(n as f64)),
            ],
        )
    };
    let loss = |n: u64| if n > 0 { 1 } else { 4 };
    let mut parts = vec![
        pair(0, "generated", t.generated),
        pair(2, "done", t.completed),
        pair(3, "in flight", t.in_flight),
    ];
    if t.dropped + t.dead_lettered > 0 {
        parts.push(pair(loss(t.dropped), "dropped", t.dropped));
        parts.push(pair(loss(t.dead_lettered), "dead", t.dead_lettered));
    }
    // Arrivals the source never let in, beside the drops: never generated,
    // so outside the counts above, but they are the ones that waited longest.
    if t.unadmitted > 0 {
        parts.push(pair(1, "unadmitted", t.unadmitted));
    }
    parts.push(pair(5, "checkpoint", s.checkpoint));
    let parts = fit(parts, |parts| {
        title_width(&parts.iter().collect::<Vec<_>>()) <= inner
    });
    title_line(&parts)
}

/// The status line's groups in display order, each a [`Part`].
///
/// Priority: run state (then its elapsed time), end-to-end latency (then
/// its p99 alone), source rates (then without their words), pending items
/// (then without their lag).
fn groups(s: &Snapshot, quit: QuitState, burst: Option<BurstNow>) -> Vec<Part> {
    // A `q` stops the source: the run drains, and says so in one word.
    let state = if quit == QuitState::Draining && !s.state.is_final() {
        "draining".to_string()
    } else {
        s.state.as_str().to_string()
    };
    // The drain's countdown to --drain-timeout.
    let state = match s.drain_left_s {
        Some(left) => format!("{state}, {left:.0}s left"),
        None => state,
    };
    let state = Span::styled(
        format!("● {state}"),
        Style::new()
            .fg(theme::run_state(s.state))
            .add_modifier(Modifier::BOLD),
    );
    let rate = match s.source.rate.per_second() {
        Some(r) => format::rate(r),
        None => "max".to_string(),
    };
    let mut groups = vec![
        Part::new(
            0,
            vec![
                state.clone(),
                Span::styled(format!(" {}", format::elapsed(s.t_s)), theme::label()),
            ],
        )
        .or_short(vec![state]),
        Part::new(
            2,
            vec![
                Span::styled("source set ", theme::label()),
                Span::raw(rate.clone()),
                Span::styled(" → admitted ", theme::label()),
                Span::raw(format::rate(s.source.out_rate)),
            ],
        )
        .or_short(vec![
            Span::styled("source ", theme::label()),
            Span::raw(rate),
            Span::styled(" → ", theme::label()),
            Span::raw(format::rate(s.source.out_rate)),
        ]),
    ];
    // While a burst lasts: how fast its arrivals are due, and for how long.
    if let Some(burst) = burst {
        let style = Style::new().fg(theme::WARN);
        groups.push(
            Part::new(
                4,
                vec![Span::styled(
                    format!(
                        "burst {}, {:.1} s left",
                        format::rate(burst.per_s),
                        burst.left_s
                    ),
                    style,
                )],
            )
            .or_short(vec![Span::styled(
                format!("burst {}", format::rate(burst.per_s)),
                style,
            )]),
        );
    }
    let e2e = &s.end_to_end_ms.window;
    if e2e.count > 0 {
        // After the state, the most important number: it stays longest.
        let bold = Style::new().add_modifier(Modifier::BOLD);
        groups.push(
            Part::new(
                1,
                vec![
                    Span::styled("end-to-end p50 ", theme::label()),
                    Span::styled(format::millis(e2e.p50), bold),
                    Span::styled(" p99 ", theme::label()),
                    Span::styled(format::millis(e2e.p99), bold),
                ],
            )
            .or_short(vec![
                Span::styled("e2e p99 ", theme::label()),
                Span::styled(format::millis(e2e.p99), bold),
            ]),
        );
    }
    if s.source.source_pending > 0 {
        let colour = Style::new().fg(if s.source.backpressure == Backpressure::High {
            theme::BAD
        } else {
            theme::WARN
        });
        let pending = format!("pending {}", format::count(s.source.source_pending as f64));
        groups.push(
            Part::new(
                3,
                vec![Span::styled(
                    format!("{pending} lag {}", format::millis(s.source.source_lag_ms)),
                    colour,
                )],
            )
            .or_short(vec![Span::styled(pending, colour)]),
        );
    }
    groups
}

/// The groups that fit in `width`, shortening and dropping the least
/// important first.
fn status_line(
    s: &Snapshot,
    quit: QuitState,
    burst: Option<BurstNow>,
    width: usize,
) -> Line<'static> {
    let groups = fit(groups(s, quit, burst), |parts| {
        joined_width(
            &parts.iter().collect::<Vec<_>>(),
            STATUS_SEP.chars().count(),
        ) <= width
    });
    Line::from(join(
        &groups,
        &Span::styled(STATUS_SEP, Style::new().fg(theme::BORDER)),
    ))
}

#[cfg(test)]
mod unadmitted_tests {
    use super::*;

    #[test]
    fn the_final_frame_shows_unadmitted_arrivals_beside_the_drops() {
        let mut s = Snapshot {
            tick: 0,
            t_s: 11.0,
            state: crate::metrics::RunState::Done,
            source: crate::metrics::SourceSnapshot {
                rate: crate::model::Rate::PerSecond(800.0),
                paused: false,
                source_pending: 0,
                source_lag_ms: 0.0,
                out_rate: 0.0,
                blocked: 0.0,
                backpressure: crate::metrics::Backpressure::Ok,
            },
            totals: crate::metrics::Totals::default(),
            checkpoint: 0,
            checkpoints: None,
            end_to_end_ms: Default::default(),
            stages: Vec::new(),
            bottleneck: None,
            bottleneck_reason: None,
            process: Default::default(),
            drain_left_s: None,
            events: Vec::new(),
        };
        s.totals.generated = 11_982;
        s.totals.completed = 11_982;
        let text = |s: &Snapshot| {
            totals(s, 200)
                .spans
                .iter()
                .map(|span| span.content.to_string())
                .collect::<String>()
        };
        assert!(!text(&s).contains("unadmitted"), "none: not shown");
        s.totals.unadmitted = 4_018;
        assert!(text(&s).contains("unadmitted 4018"), "{}", text(&s));
    }
}

#[cfg(test)]
mod tests {
    //! Below 80 columns the dashboard draws the too-small message instead, so
    //! narrower headers are tested here, on the header alone. The scenario
    //! name is the one part that may be cut, and then it ends in `…`.

    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::metrics::{Latency, Percentiles, ProcessSnapshot, RunState, SourceSnapshot, Totals};
    use crate::model::Rate;
    use crate::session::SessionInfo;

    /// The header values of the burst fixture after the audit's drops.
    fn burst_after_drops() -> App {
        let mut app = App::new(SessionInfo {
            name: "burst".to_string(),
            ..SessionInfo::default()
        });
        app.now = SystemTime::UNIX_EPOCH + Duration::from_secs(12 * 3600 + 34 * 60 + 56);
        let window = Percentiles {
            count: 5000,
            p50: 810.0,
            p99: 3780.0,
            ..Percentiles::default()
        };
        app.on_snapshot(Arc::new(Snapshot {
            tick: 240,
            t_s: 60.0,
            state: RunState::Running,
            source: SourceSnapshot {
                rate: Rate::PerSecond(1000.0),
                paused: false,
                source_pending: 8000,
                source_lag_ms: 3400.0,
                out_rate: 1990.0,
                blocked: 0.95,
                backpressure: Backpressure::High,
            },
            totals: Totals {
                generated: 18_000,
                completed: 10_004,
                dropped: 6_949,
                dead_lettered: 0,
                in_flight: 1_047,
                unadmitted: 0,
            },
            checkpoint: 9_950,
            checkpoints: None,
            end_to_end_ms: Latency {
                window,
                total: window,
                buckets: Vec::new(),
                recorded: Default::default(),
                added: Vec::new(),
                unavailable: false,
            },
            stages: Vec::new(),
            bottleneck: None,
            bottleneck_reason: None,
            process: ProcessSnapshot {
                cpu_percent: 61.0,
                rss_bytes: 48 * 1024 * 1024,
                tick_ms: 0.0,
            },
            drain_left_s: None,
            events: Vec::new(),
        }));
        app
    }

    /// The header's three rows drawn `width` columns wide.
    fn rows(app: &App, width: u16) -> Vec<String> {
        let mut terminal = Terminal::new(TestBackend::new(width, 3)).unwrap();
        terminal.draw(|f| render(f, app, f.area())).unwrap();
        let buf = terminal.backend().buffer();
        (0..3)
            .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    #[test]
    fn the_header_at_60_columns_drops_whole_parts_by_priority_and_keeps_end_to_end_latency() {
        assert_eq!(
            rows(&burst_after_drops(), 60),
            [
                "╭ pipetop · burst ────── CPU 61% · RSS 48.0 MiB · 12:34:56 ╮",
                "│● running 01:00  │  end-to-end p50 810.0ms p99 3.78s      │",
                "╰───────────── generated 18.0k · done 10.0k · dropped 6949 ╯",
            ]
        );
    }

    #[test]
    fn a_virtual_run_shows_its_speed_and_memory_model_instead_of_cpu_and_rss() {
        let mut app = burst_after_drops();
        let pace = crate::session::Pace::new(10.0);
        app.info.clock = RunClock::Virtual(pace.clone());
        let top = rows(&app, 100).remove(0);
        assert!(top.contains("virtual 10×"), "{top}");
        assert!(top.contains("mem≈ 48.0 MiB"), "{top}");
        assert!(!top.contains("CPU"), "{top}");
        pace.set(crate::session::Pace::FASTEST);
        let top = rows(&app, 100).remove(0);
        assert!(top.contains("virtual max"), "{top}");
    }

    #[test]
    fn every_width_shows_only_whole_parts_and_keeps_the_most_important() {
        let app = burst_after_drops();
        let whole = [
            "pipetop",
            "burst",
            "CPU 61%",
            "RSS 48.0 MiB",
            "12:34:56",
            "● running 01:00",
            "● running",
            "source 1000/s → 1990/s",
            "end-to-end p50 810.0ms p99 3.78s",
            "e2e p99 3.78s",
            "source set 1000/s → admitted 1990/s",
            "pending 8000 lag 3.40s",
            "pending 8000",
            "generated 18.0k",
            "done 10.0k",
            "in flight 1047",
            "dropped 6949",
            "dead 0",
            "checkpoint 9950",
        ];
        for width in 1..=200 {
            let rows = rows(&app, width);
            for row in &rows {
                for part in row
                    .split(['╭', '╮', '╰', '╯', '│', '─', '·'])
                    .flat_map(|piece| piece.split("  "))
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                {
                    let cut_name = part
                        .strip_suffix('…')
                        .is_some_and(|kept| "burst".starts_with(kept));
                    assert!(
                        whole.contains(&part) || cut_name,
                        "{width}: {part:?} in {row:?}"
                    );
                }
            }
            // The most important part of each row shows as soon as it fits.
            for (row, part, from) in [
                (0, " burst ", 9),
                (1, "● running", 11),
                (2, " generated 18.0k ", 19),
            ] {
                assert_eq!(
                    rows[row].contains(part),
                    width >= from,
                    "{width}: {:?}",
                    rows[row]
                );
            }
        }
    }

    #[test]
    fn a_name_too_long_for_the_border_is_cut_with_an_ellipsis_beside_frozen() {
        let mut app = burst_after_drops();
        app.info.name = "a-very-long-scenario-name".to_string();
        app.toggle_freeze();
        assert_eq!(rows(&app, 30)[0], "╭ a-very-long-scena…  FROZEN ╮");
    }
}
