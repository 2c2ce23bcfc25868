//! The time axis in the dashboard: rewinding to a past moment shows that
//! moment in every panel, the chart cycles metric and span, and the run
//! stays on screen when it ends.

mod fixture;

use fixture::{Scene, app};
use pipetop::tui::{Action, App, ChartKind, ChartSpan, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| render(f, app)).unwrap();
    terminal
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// The burst fixture rewound to before the burst reached enrich (t = 39 s,
/// the burst comes at 40 s): PgUp twice from 60 s, then one tick back.
fn rewound_before_the_burst() -> App {
    let mut app = app(Scene::Burst);
    app.apply(Action::JumpBack);
    app.apply(Action::JumpBack);
    for _ in 0..4 {
        app.apply(Action::StepBack);
    }
    app
}

#[test]
fn rewound_burst_frame_160x48() {
    let app = rewound_before_the_burst();
    insta::assert_snapshot!(draw(&app, 160, 48).backend());
}

#[test]
fn rewinding_shows_the_past_moment_in_every_panel_and_says_how_far_behind() {
    let live = app(Scene::Burst);
    let app = rewound_before_the_burst();
    let shown = app.shown().unwrap();
    assert_eq!(shown.t_s, 39.0);
    assert_eq!(
        app.live().unwrap().t_s,
        live.live().unwrap().t_s,
        "the run goes on"
    );
    let screen = text(draw(&app, 160, 48).backend().buffer());
    assert!(
        screen.contains("REWOUND 00:39 · 21.0s behind live"),
        "{screen}"
    );
    // Before the burst: no bottleneck in the table, a calm enrich queue,
    // and the event log stops before the burst's line.
    assert!(screen.contains("no bottleneck"), "{screen}");
    assert!(!screen.contains("burst of 10000 items"), "{screen}");
    assert!(screen.contains("enrich: workers 2 → 4"), "{screen}");
    // The live frame shows the burst.
    let live_screen = text(draw(&live, 160, 48).backend().buffer());
    assert!(live_screen.contains("burst of 10000 items"));
}

#[test]
fn rewind_keys_step_jump_and_return_to_live() {
    let mut app = app(Scene::Burst);
    let live_tick = app.live().unwrap().tick;
    app.apply(Action::StepBack);
    assert_eq!(app.shown().unwrap().tick, live_tick - 1);
    app.apply(Action::StepForward);
    assert_eq!(app.shown().unwrap().tick, live_tick);
    app.apply(Action::JumpBack);
    assert_eq!(app.shown().unwrap().t_s, app.live().unwrap().t_s - 10.0);
    // The previous event from 50 s is the restart at 50 s? No: strictly before.
    app.apply(Action::PrevEvent);
    let at = app.shown().unwrap().t_s;
    assert!(
        app.events().iter().any(|l| l.t_s == at),
        "on an event: {at}"
    );
    app.apply(Action::NextEvent);
    assert!(app.shown().unwrap().t_s > at);
    app.apply(Action::Live);
    assert!(!app.is_frozen());
    assert_eq!(app.shown().unwrap().tick, live_tick);
}

#[test]
fn a_rewound_view_stays_on_its_moment_while_snapshots_arrive() {
    let mut app = app(Scene::Burst);
    app.apply(Action::JumpBack);
    let shown = app.shown().unwrap().tick;
    let mut next = app.live().unwrap().clone();
    next.tick += 1;
    next.t_s += 0.25;
    app.on_snapshot(std::sync::Arc::new(next));
    assert_eq!(app.shown().unwrap().tick, shown);
    assert!(app.behind_live_s().unwrap() > 10.0);
}

#[test]
fn the_chart_cycles_its_metric_and_span_and_labels_its_axes() {
    let mut app = app(Scene::Burst);
    let screen = text(draw(&app, 160, 48).backend().buffer());
    assert!(screen.contains("enrich · queue depth · 1 min"), "{screen}");
    assert!(
        screen.contains("00:30") && screen.contains("01:00"),
        "time ticks"
    );
    let mut seen = vec![app.chart];
    for _ in 0..9 {
        app.apply(Action::CycleChart);
        seen.push(app.chart);
        let screen = text(draw(&app, 160, 48).backend().buffer());
        assert!(screen.contains(app.chart.label()), "{:?}", app.chart);
    }
    app.apply(Action::CycleChart);
    assert_eq!(app.chart, ChartKind::Queue, "the cycle closes");
    seen.dedup();
    assert_eq!(seen.len(), 10, "ten metrics");
    app.apply(Action::CycleSpan);
    assert_eq!(app.span, ChartSpan::TenMinutes);
    app.apply(Action::CycleSpan);
    let screen = text(draw(&app, 160, 48).backend().buffer());
    assert!(screen.contains("whole run"), "{screen}");
}

#[test]
fn at_80_columns_the_stage_table_keeps_a_trend_per_stage() {
    let app = app(Scene::Burst);
    let screen = text(draw(&app, 80, 24).backend().buffer());
    assert!(screen.contains("queue 1m"), "{screen}");
    // enrich filled in the last 20 s: its trend ends on a full block.
    let enrich = screen.lines().find(|l| l.contains("▸enrich")).unwrap();
    assert!(enrich.contains('█') && enrich.contains('▁'), "{enrich}");
}

#[test]
fn selection_follows_the_bottleneck_until_a_stage_is_selected() {
    let mut app = app(Scene::Burst);
    assert_eq!(app.selected, 2, "enrich is the bottleneck");
    assert!(app.follow_bottleneck);
    app.apply(Action::SelectUp);
    assert_eq!(app.selected, 1);
    assert!(!app.follow_bottleneck);
    let mut next = app.live().unwrap().clone();
    next.tick += 1;
    app.on_snapshot(std::sync::Arc::new(next));
    assert_eq!(app.selected, 1, "the operator's choice stands");
}

#[test]
fn a_finished_run_says_done_and_q_quits() {
    let mut app = app(Scene::Normal);
    let mut last = app.live().unwrap().clone();
    last.tick += 1;
    last.state = pipetop::metrics::RunState::Done;
    app.on_snapshot(std::sync::Arc::new(last));
    let screen = text(draw(&app, 120, 30).backend().buffer());
    assert!(screen.contains("done — q to quit"), "{screen}");
    assert_eq!(app.apply(Action::Quit), None);
    assert_eq!(app.quit, pipetop::tui::QuitState::Now);
}

#[test]
fn previous_event_walks_back_through_events_between_ticks() {
    use pipetop::model::{Applied, Event, EventKind};
    let mut app = app(Scene::Burst);
    // Two events between ticks near the end (ticks are 0.25 s apart).
    let mut next = app.live().unwrap().clone();
    next.tick += 1;
    next.t_s += 0.25;
    next.events = vec![Event::new(
        next.t_s - 0.1,
        EventKind::Applied(Applied::Pause),
    )];
    app.on_snapshot(std::sync::Arc::new(next));
    let last = app.live().unwrap().t_s;
    app.apply(Action::PrevEvent);
    assert_eq!(
        app.shown().unwrap().t_s,
        last,
        "the pause shows at the tick after it"
    );
    app.apply(Action::PrevEvent);
    assert!(
        app.shown().unwrap().t_s < last - 1.0,
        "and the one before it is older"
    );
}

#[test]
fn a_restart_flood_folds_into_one_line_that_counts_it() {
    use fixture::stage_ref;
    use pipetop::model::{Event, EventKind};
    let mut app = app(Scene::Normal);
    let before = app.events().len();
    let mut next = app.live().unwrap().clone();
    next.tick += 1;
    next.events = (0..12)
        .map(|i| {
            Event::new(
                61.0 + f64::from(i) * 0.25,
                EventKind::Restart {
                    stage: stage_ref("enrich"),
                    count: 1,
                    cause: Some("boom".into()),
                },
            )
        })
        .collect();
    app.on_snapshot(std::sync::Arc::new(next));
    assert_eq!(app.events().len(), before + 1, "twelve restarts, one line");
    let line = app.events().back().unwrap();
    assert_eq!(line.restarts, 12);
    assert_eq!(
        line.message(),
        "enrich: 12 worker restarts in 3 s (12 crashes; latest: 1 worker restart after a crash (last cause: boom))"
    );
}

#[test]
fn the_log_filter_cycles_and_keeps_only_its_lines() {
    let mut app = app(Scene::Burst);
    let log = |app: &App| {
        let screen = text(draw(app, 160, 48).backend().buffer());
        let start = screen.find(" events").expect("the event log's title");
        screen[start..].to_string()
    };
    let all = log(&app);
    assert!(all.contains("burst") && all.contains("restart"), "{all}");
    app.apply(Action::FilterLog);
    let commands = log(&app);
    assert!(commands.contains("events · commands (F)"), "{commands}");
    assert!(commands.contains("burst of 10000"), "{commands}");
    assert!(!commands.contains("worker restart"), "{commands}");
    app.apply(Action::FilterLog);
    let failures = log(&app);
    assert!(failures.contains("events · failures (F)"), "{failures}");
    assert!(failures.contains("restart"), "{failures}");
    assert!(!failures.contains("burst of 10000"), "{failures}");
    app.apply(Action::FilterLog);
    assert!(log(&app).contains("no bottleneck events yet"));
    app.apply(Action::FilterLog);
    assert_eq!(log(&app), all, "the cycle comes back to all");
}

/// 20 s of the normal scene where enrich's queue is unbounded and grows by
/// 500 items/s, and enrich restarts 2 workers, retries 10 attempts and
/// dead-letters 1 item per second.
fn unbounded_and_failing() -> App {
    let mut app = App::new(Default::default());
    for tick in 0..=80u64 {
        let mut s = fixture::snapshot(Scene::Normal, tick, 0.0);
        let enrich = &mut s.stages[2];
        enrich.queue_capacity = None;
        enrich.queue_len = 125 * tick as usize;
        enrich.restarts = tick / 2;
        enrich.retried = 10 * tick / 4;
        enrich.dead_lettered = tick / 4;
        app.on_snapshot(std::sync::Arc::new(s));
    }
    app
}

/// The cell of the stage table in the row of `stage` under the header `column`.
fn table_cell(buf: &Buffer, stage: &str, column: &str) -> (String, ratatui::style::Color) {
    let screen = text(buf);
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("queue 1m"))
        .expect("the table's header");
    let row = lines[header..]
        .iter()
        .position(|l| l.contains(stage))
        .map(|i| i + header)
        .expect("the stage's row");
    // Columns are right-aligned under their header: the cell ends where the header ends.
    let chars: Vec<char> = lines[header].chars().collect();
    let name: Vec<char> = column.chars().collect();
    let start = (0..chars.len())
        .find(|&i| {
            chars[i..].starts_with(&name) && !chars[i + name.len()..].starts_with(&[' ', '1'])
        })
        .expect("the column");
    let end = start + name.len();
    let cells: Vec<String> = (0..end)
        .map(|x| buf[(x as u16, row as u16)].symbol().to_string())
        .collect();
    let joined: String = cells.concat();
    let value = joined.rsplit("  ").next().unwrap_or("").trim().to_string();
    (value, buf[(end as u16 - 1, row as u16)].fg)
}

#[test]
fn an_unbounded_queue_cell_is_coloured_by_its_growth() {
    let app = unbounded_and_failing();
    let terminal = draw(&app, 160, 48);
    let (value, colour) = table_cell(terminal.backend().buffer(), "enrich", "queue");
    assert!(value.ends_with("/∞"), "{value}");
    assert_eq!(colour, pipetop::tui::theme::BAD, "growing: red");
    // A queue that stopped growing and holds items reads as a warning.
    let mut app = app;
    let mut last = app.live().unwrap().clone();
    for _ in 0..40 {
        last.tick += 1;
        last.t_s += 0.25;
        app.on_snapshot(std::sync::Arc::new(last.clone()));
    }
    let terminal = draw(&app, 160, 48);
    let (_, colour) = table_cell(terminal.backend().buffer(), "enrich", "queue");
    assert_eq!(colour, pipetop::tui::theme::WARN, "holding: yellow");
}

#[test]
fn wide_tables_show_restarts_retries_and_dead_letters_per_second() {
    let app = unbounded_and_failing();
    let wide = draw(&app, 160, 48);
    let buf = wide.backend().buffer();
    assert_eq!(table_cell(buf, "enrich", "rst").0, "40 2.0/s");
    assert_eq!(table_cell(buf, "enrich", "retry").0, "200 10/s");
    assert_eq!(table_cell(buf, "enrich", "dead").0, "20 1.0/s");
    // Narrower tables keep the totals alone.
    let narrow = draw(&app, 100, 30);
    assert_eq!(
        table_cell(narrow.backend().buffer(), "enrich", "rst").0,
        "40"
    );
}

#[test]
fn while_a_burst_lasts_the_header_shows_its_arrival_rate_and_time_left() {
    let mut app = app(Scene::Burst);
    let header = |app: &App| {
        let screen = text(draw(app, 160, 48).backend().buffer());
        screen.lines().take(3).collect::<Vec<_>>().join("\n")
    };
    assert!(!header(&app).contains("s left"), "over by 60 s");
    // The fixture's burst: 10 000 items at 40 s with the source at 1000/s,
    // so due at 10 000/s for one second.
    app.apply(Action::JumpBack);
    app.apply(Action::JumpBack);
    assert_eq!(app.shown().unwrap().t_s, 40.0);
    let during = header(&app);
    assert!(during.contains("burst 10.0k/s, 1.0 s left"), "{during}");
    app.apply(Action::StepForward);
    assert!(header(&app).contains("burst 10.0k/s, 0.8 s left"));
    for _ in 0..3 {
        app.apply(Action::StepForward);
    }
    assert!(!header(&app).contains("s left"), "all due by 41 s");
}
