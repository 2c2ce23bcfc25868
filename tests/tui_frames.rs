//! Whole dashboard frames through `TestBackend`: insta snapshots of the text
//! at 80×24 and 160×48, colours read from cells, the help overlay against the
//! key table, and a sweep of terminal sizes that must never panic.

mod fixture;

use fixture::{Scene, app};
use pipetop::session::SessionInfo;
use pipetop::tui::{App, KEYS, Overlay, bindings_for, render, render_to_svg};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| render(f, app)).unwrap();
    terminal
}

/// The `(x, y)` of the first cell where `needle` starts, if on screen.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    (area.top()..area.bottom()).find_map(|y| {
        let row: Vec<&str> = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        let text: String = row.concat();
        let byte = text.find(needle)?;
        let mut seen = 0;
        let column = row.iter().position(|s| {
            let here = seen;
            seen += s.len();
            here >= byte
        })?;
        Some((area.x + column as u16, y))
    })
}

fn text(buf: &Buffer) -> String {
    buf.content.iter().map(|c| c.symbol()).collect()
}

#[test]
fn normal_frame_80x24() {
    insta::assert_snapshot!(draw(&app(Scene::Normal), 80, 24).backend());
}

#[test]
fn normal_frame_160x48() {
    insta::assert_snapshot!(draw(&app(Scene::Normal), 160, 48).backend());
}

#[test]
fn burst_frame_80x24() {
    insta::assert_snapshot!(draw(&app(Scene::Burst), 80, 24).backend());
}

#[test]
fn burst_frame_160x48() {
    insta::assert_snapshot!(draw(&app(Scene::Burst), 160, 48).backend());
}

#[test]
fn help_overlay_80x24() {
    let mut app = app(Scene::Normal);
    app.overlay = Overlay::Help;
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

#[test]
fn help_overlay_160x48() {
    let mut app = app(Scene::Normal);
    app.overlay = Overlay::Help;
    insta::assert_snapshot!(draw(&app, 160, 48).backend());
}

/// A virtual run's help has the speed keys too: it still fits 80×24,
/// every key shown.
#[test]
fn help_overlay_80x24_virtual() {
    let mut app = app(Scene::Normal);
    app.info.clock = pipetop::session::RunClock::Virtual(pipetop::session::Pace::new(1.0));
    app.overlay = Overlay::Help;
    let terminal = draw(&app, 80, 24);
    let shown = text(terminal.backend().buffer());
    for binding in bindings_for(app.speed_control()) {
        assert!(shown.contains(binding.help), "missing {:?}", binding.help);
        assert!(
            shown.contains(&binding.key_names()),
            "missing key {}",
            binding.key_names()
        );
    }
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn too_small_frame() {
    let terminal = draw(&app(Scene::Normal), 60, 20);
    assert!(text(terminal.backend().buffer()).contains("terminal too small: need 80×24"));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn full_queue_gauge_is_red() {
    for (w, h) in [(80, 24), (160, 48)] {
        let terminal = draw(&app(Scene::Burst), w, h);
        let buf = terminal.backend().buffer();
        let (x, y) = find(buf, "256/256").expect("enrich's full queue is labelled");
        assert!(y < 8, "the label is in the pipeline strip");
        assert_eq!(buf[(x, y)].fg, Color::Red, "label at {w}×{h}");
        let (bx, by) = find(buf, "┏").expect("the bottleneck box has a thick border");
        let bar = &buf[(bx + 1, by + 1)];
        assert_eq!((bar.symbol(), bar.fg), ("█", Color::Red), "bar at {w}×{h}");
    }
}

#[test]
fn healthy_queue_gauge_is_green() {
    let terminal = draw(&app(Scene::Normal), 160, 48);
    let buf = terminal.backend().buffer();
    let (x, y) = find(buf, "9/256").expect("enrich's queue is labelled");
    assert_eq!(buf[(x, y)].fg, Color::Green);
}

#[test]
fn bottleneck_is_marked_in_magenta() {
    let terminal = draw(&app(Scene::Burst), 160, 48);
    let buf = terminal.backend().buffer();
    let (x, y) = find(buf, "◆ BOTTLENECK").expect("the bottleneck is marked");
    assert!(y < 8, "the mark is on the pipeline strip");
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(buf, "◆▸enrich").expect("the table names the bottleneck, selected");
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    assert!(
        find(buf, "pending 8000").is_some(),
        "the source's pending items show"
    );
}

#[test]
fn a_healthy_pipeline_has_no_bottleneck_mark() {
    let terminal = draw(&app(Scene::Normal), 160, 48);
    assert!(find(terminal.backend().buffer(), "BOTTLENECK").is_none());
}

#[test]
fn help_overlay_lists_every_key_in_the_table() {
    let mut app = app(Scene::Normal);
    app.overlay = Overlay::Help;
    for (w, h) in [(80, 24), (160, 48)] {
        let terminal = draw(&app, w, h);
        let shown = text(terminal.backend().buffer());
        for binding in bindings_for(app.speed_control()) {
            assert!(
                shown.contains(binding.help),
                "{w}×{h}: missing {:?}",
                binding.help
            );
            assert!(
                shown.contains(&binding.key_names()),
                "{w}×{h}: missing key {}",
                binding.key_names()
            );
        }
    }
}

#[test]
fn a_virtual_runs_help_lists_the_speed_keys_too() {
    let mut app = app(Scene::Normal);
    app.info.clock = pipetop::session::RunClock::Virtual(pipetop::session::Pace::new(1.0));
    app.overlay = Overlay::Help;
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert_eq!(bindings_for(app.speed_control()).count(), KEYS.len());
    for binding in KEYS {
        assert!(shown.contains(binding.help), "missing {:?}", binding.help);
    }
    // A real run's help leaves them out: they would do nothing there.
    app.info.clock = pipetop::session::RunClock::Real;
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert!(!shown.contains("virtual time: slower"));
}

/// Renders the burst frame and the empty (no snapshot yet) frame at every
/// height from 1 to 100 for each of `widths`.
fn sweep(widths: std::ops::RangeInclusive<u16>) {
    let burst = app(Scene::Burst);
    let empty = App::new(SessionInfo::default());
    let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for w in widths {
        for h in 1..=100 {
            terminal.backend_mut().resize(w, h);
            for app in [&burst, &empty] {
                terminal.draw(|f| render(f, app)).unwrap();
            }
        }
    }
}

// Every size from 1×1 to 300×100, in slices that run in parallel.
#[test]
fn no_size_panics_widths_1_to_60() {
    sweep(1..=60);
}

#[test]
fn no_size_panics_widths_61_to_120() {
    sweep(61..=120);
}

#[test]
fn no_size_panics_widths_121_to_180() {
    sweep(121..=180);
}

#[test]
fn no_size_panics_widths_181_to_240() {
    sweep(181..=240);
}

#[test]
fn no_size_panics_widths_241_to_300() {
    sweep(241..=300);
}

#[test]
fn no_overlay_panics_at_any_size() {
    let mut app = app(Scene::Burst);
    for overlay in [
        Overlay::Help,
        Overlay::Lesson,
        Overlay::Theory,
        Overlay::Errors,
    ] {
        app.overlay = overlay;
        for (w, h) in [(1, 1), (80, 24), (81, 25), (100, 30), (160, 48), (300, 100)] {
            draw(&app, w, h);
        }
    }
}

#[test]
fn screenshot_svg_keeps_the_frame() {
    let svg = render_to_svg(&app(Scene::Burst), 160, 48);
    assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("enrich") && svg.contains("BOTTLENECK"));
    // Box drawing is drawn as strokes, so it joins in every renderer:
    // rounded corners as curves, the bottleneck's heavy box thicker.
    assert!(
        svg.contains("<path d=\"M") && svg.contains("Q"),
        "rounded corners kept"
    );
    assert!(svg.contains("stroke-width=\"2.6\""), "heavy border kept");
    assert!(!svg.contains('╭'), "no box glyph left to the font");
}

#[test]
fn many_stages_keep_the_selected_row_in_view() {
    let mut app = App::new(SessionInfo::default());
    let mut s = fixture::snapshot(Scene::Normal, 1, 0.0);
    s.stages = (0..20)
        .map(|i| fixture::stage(&format!("st{i:02}"), 1, i, 100.0, 1.0, 0.5, 0.0))
        .collect();
    app.on_snapshot(std::sync::Arc::new(s));
    for _ in 0..19 {
        app.apply(pipetop::tui::Action::SelectDown);
    }
    for (w, h) in [(80, 24), (160, 48), (300, 100)] {
        let terminal = draw(&app, w, h);
        assert!(
            find(terminal.backend().buffer(), "st19").is_some(),
            "{w}×{h}"
        );
    }
}

#[test]
fn theory_overlay_shows_utilization_and_littles_law_for_the_selected_stage() {
    let mut app = app(Scene::Burst);
    app.selected = 2;
    app.overlay = Overlay::Theory;
    let terminal = draw(&app, 160, 48);
    let shown = text(terminal.backend().buffer());
    assert!(shown.contains("theory · enrich"));
    assert!(
        shown.contains("ρ = 1.00"),
        "λ = 2000/s against 4 workers × 500/s"
    );
    assert!(shown.contains("ρ = 0.80"), "what if one more worker");
    assert!(shown.contains("Little's law"));
}

/// The burst scene with the theory overlay open over `spec`.
fn app_burst_with(spec: pipetop::engine::PipelineSpec) -> App {
    let mut app = app(Scene::Burst);
    app.info.spec = Some(spec);
    app.overlay = Overlay::Theory;
    app
}

#[test]
fn theory_overlay_says_whether_erlang_c_applies_to_the_stage() {
    let burst = pipetop::scenario::load("burst").expect("the burst demo");
    let mut app = app(Scene::Normal);
    app.info.spec = Some(burst.pipeline.clone());
    app.overlay = Overlay::Theory;
    // ingest: Poisson arrivals, exponential service, below saturation.
    app.selected = 0;
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert!(
        shown.contains("This stage is M/M/c") && shown.contains("Erlang C applies"),
        "{shown}"
    );
    // The same stage with its queue full: arrivals are held back upstream.
    let mut full = fixture::snapshot(Scene::Normal, 241, 1.0);
    full.stages[0].queue_len = full.stages[0].queue_capacity.unwrap();
    app.on_snapshot(std::sync::Arc::new(full));
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert!(
        shown.contains("here it does not apply: its queue is full"),
        "{shown}"
    );
    // In the burst, ingest is blocked handing items on: not serving at μ.
    let mut app = app_burst_with(burst.pipeline);
    app.selected = 0;
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert!(
        shown.contains("here it does not apply: its workers are blocked"),
        "{shown}"
    );
    // enrich: its arrivals are normalize's departures, and normalize's
    // service is uniform, so they are not Poisson.
    app.selected = 2;
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert!(
        shown.contains("here it does not apply: upstream stage normalize's service is"),
        "{shown}"
    );
    // A library pipeline: no distributions to check.
    app.info.spec = None;
    let shown = text(draw(&app, 160, 48).backend().buffer());
    assert!(shown.contains("distributions unknown"), "{shown}");
}

#[test]
fn a_saved_screenshot_is_named_after_the_scenario_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = pipetop::tui::screenshot::save_svg(&app(Scene::Burst), 120, 36, dir.path()).unwrap();
    assert_eq!(path.file_name().unwrap(), "pipetop-burst-60.0s.svg");
    assert!(
        std::fs::read_to_string(path)
            .unwrap()
            .contains("BOTTLENECK")
    );
}

#[test]
fn errors_overlay_lists_failed_attempts_and_dead_letters() {
    use pipetop::engine::{DeadLetter, Failure, FailureView};
    use std::sync::Arc;

    let mut app = app(Scene::Normal);
    let mut snapshot = app.live().unwrap().clone();
    snapshot.stages[0].failures = FailureView {
        dead_letters: Arc::new(vec![DeadLetter {
            id: 4_242,
            stage: "ingest".into(),
            attempts: 3,
            t_s: 41.5,
            error: "malformed record".into(),
        }]),
        recent: Arc::new(vec![Failure {
            id: 4_243,
            attempt: 1,
            t_s: 41.9,
            panicked: true,
            error: "index out of bounds".into(),
        }]),
    };
    app.on_snapshot(Arc::new(snapshot));
    app.overlay = Overlay::Errors;
    let terminal = draw(&app, 80, 24);
    let shown = text(terminal.backend().buffer());
    assert!(
        shown.contains("item 4243 attempt 1: index out of bounds"),
        "{shown}"
    );
    assert!(
        shown.contains("item 4242 after 3 attempts: malformed record"),
        "{shown}"
    );
    insta::assert_snapshot!(terminal.backend());
}

/// The header's three rows cut into their parts: the text between corners,
/// border runs, the `·` and `│` separators and double spaces.
fn header_parts(buf: &Buffer) -> Vec<String> {
    (0..3.min(buf.area.height))
        .flat_map(|y| {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            row.split(['╭', '╮', '╰', '╯', '│', '─', '·'])
                .flat_map(|piece| piece.split("  "))
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The burst scene after losses, as the audit saw it: 18.0k generated,
/// 6949 of them dropped. Conservation holds.
fn burst_with_drops() -> App {
    let mut app = app(Scene::Burst);
    let mut snapshot = app.live().unwrap().clone();
    snapshot.totals = pipetop::metrics::Totals {
        generated: 18_000,
        completed: 10_004,
        dropped: 6_949,
        dead_lettered: 0,
        in_flight: 1_047,
        unadmitted: 0,
    };
    snapshot.checkpoint = 9_950;
    app.on_snapshot(std::sync::Arc::new(snapshot));
    app
}

/// Asserts that at every width from 80 to 300 columns each part of the
/// header is one the widest frame shows whole, and that `kept` always shows.
fn assert_header_parts_are_whole(app: &App, kept: &[&str]) {
    let mut whole = header_parts(draw(app, 300, 100).backend().buffer());
    // The whole short forms parts fall back on before they are dropped.
    whole.extend(["source 1000/s → 1990/s", "e2e p99 3.78s", "pending 8000"].map(String::from));
    for part in kept {
        assert!(whole.iter().any(|p| p == part), "{part:?} in {whole:?}");
    }
    for width in 80..=300 {
        let shown = header_parts(draw(app, width, 24).backend().buffer());
        for part in &shown {
            assert!(
                whole.contains(part),
                "{width} columns: {part:?} is cut; whole parts are {whole:?}"
            );
        }
        for part in kept {
            assert!(
                shown.iter().any(|p| p == part),
                "{width} columns: {part:?} missing from {shown:?}"
            );
        }
    }
}

#[test]
fn header_shows_whole_counts_with_their_labels_after_drops() {
    let app = burst_with_drops();
    let terminal = draw(&app, 80, 24);
    let buf = terminal.backend().buffer();
    let rows: Vec<String> = (0..3)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    // The checkpoint, least important, gives way; the counts that must add
    // up (generated = done + in flight + dropped + dead) stay whole.
    assert_eq!(
        rows,
        [
            "╭ pipetop · burst ────────────────────────── CPU 61% · RSS 48.0 MiB · 12:34:56 ╮",
            "│● running 01:00  │  end-to-end p50 810.0ms p99 3.78s                          │",
            "╰─────── generated 18.0k · done 10.0k · in flight 1047 · dropped 6949 · dead 0 ╯",
        ]
    );
    assert_header_parts_are_whole(
        &app,
        &[
            "burst",
            "● running 01:00",
            "generated 18.0k",
            "dropped 6949",
            "CPU 61%",
        ],
    );
}

#[test]
fn header_drops_low_priority_parts_whole_when_every_field_is_at_its_widest() {
    let mut app = burst_with_drops();
    app.info.name = "a-burst-scenario-with-a-rather-long-name".to_string();
    let mut snapshot = app.live().unwrap().clone();
    snapshot.totals = pipetop::metrics::Totals {
        generated: 18_234_567,
        completed: 10_225_221,
        dropped: 6_949_001,
        dead_lettered: 12_345,
        in_flight: 1_048_000,
        unadmitted: 0,
    };
    snapshot.checkpoint = 10_224_000;
    snapshot.process.rss_bytes = 12 * 1024 * 1024 * 1024;
    snapshot.process.cpu_percent = 1234.0;
    app.on_snapshot(std::sync::Arc::new(snapshot));
    app.toggle_freeze();
    assert_header_parts_are_whole(
        &app,
        &[
            "a-burst-scenario-with-a-rather-long-name",
            "FROZEN",
            "● running 01:00",
            "generated 18.23M",
            "dropped 6.95M",
            "dead 12.3k",
        ],
    );
}

/// A run its memory cap cut short keeps the reason on its last frame, in
/// the footer where "done" would be, not only in the event log.
#[test]
fn a_run_cut_short_by_its_memory_cap_says_so_on_its_last_frame() {
    use pipetop::metrics::RunState;
    use pipetop::model::{Event, EventKind};
    let mut app = app(Scene::Normal);
    let mut last = (*app.live().unwrap()).clone();
    last.tick += 1;
    last.t_s += 0.25;
    last.state = RunState::Aborted;
    last.events = vec![Event::new(
        last.t_s,
        EventKind::MemoryCap {
            rss_bytes: 530 << 20,
            cap_bytes: 512 << 20,
        },
    )];
    app.on_snapshot(std::sync::Arc::new(last));
    let frame = text(draw(&app, 160, 48).backend().buffer());
    assert!(
        frame.contains("memory cap reached: RSS 530.0 MiB > 512.0 MiB — q to quit"),
        "{frame}"
    );
    assert!(!frame.contains("done — q to quit"));
}
