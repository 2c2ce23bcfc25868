//! Keys to commands: every pipeline action maps to the engine command the
//! design table promises, computed from the live snapshot and the selection,
//! and from what earlier keys asked for that no snapshot shows yet.

mod fixture;

use std::sync::Arc;

use fixture::{Scene, app, snapshot};
use pipetop::engine::{Command, QueuePolicy, Rate};
use pipetop::session::SessionInfo;
use pipetop::tui::{Action, App, HistogramKind, Overlay, QuitState};

fn on_enrich() -> App {
    let mut app = app(Scene::Normal);
    app.apply(Action::SelectDown);
    app.apply(Action::SelectDown);
    assert_eq!(app.selected_stage().unwrap().name, "enrich");
    app
}

#[test]
fn plus_and_minus_resize_the_selected_pool_by_one() {
    let mut app = on_enrich();
    assert_eq!(
        app.apply(Action::AddWorker),
        Some(Command::Workers { stage: 2, count: 5 })
    );
    assert_eq!(
        app.apply(Action::RemoveWorker),
        Some(Command::Workers { stage: 2, count: 4 })
    );
}

#[test]
fn keys_faster_than_the_tick_build_on_each_other() {
    let mut app = on_enrich();
    let counts: Vec<_> = (0..3).map(|_| app.apply(Action::AddWorker)).collect();
    assert_eq!(
        counts,
        [5, 6, 7].map(|count| Some(Command::Workers { stage: 2, count }))
    );
    let factors: Vec<_> = (0..3).map(|_| app.apply(Action::SlowDown)).collect();
    assert_eq!(
        factors,
        [2.0, 4.0, 8.0].map(|factor| Some(Command::Slowdown { stage: 2, factor }))
    );
    assert_eq!(app.apply(Action::TogglePause), Some(Command::Pause));
    assert_eq!(app.apply(Action::TogglePause), Some(Command::Resume));
    assert_eq!(
        app.apply(Action::CyclePolicy),
        Some(Command::Policy {
            stage: 2,
            policy: QueuePolicy::DropNewest
        })
    );
    assert_eq!(
        app.apply(Action::CyclePolicy),
        Some(Command::Policy {
            stage: 2,
            policy: QueuePolicy::DropOldest
        })
    );
}

#[test]
fn a_request_gives_way_to_the_snapshots_once_the_engine_has_had_a_tick() {
    let mut app = on_enrich();
    assert_eq!(
        app.apply(Action::AddWorker),
        Some(Command::Workers { stage: 2, count: 5 })
    );
    // Two snapshots that still say 4 (say the timeline set it back): the
    // snapshots are the truth again.
    for tick in [241, 242] {
        app.on_snapshot(Arc::new(snapshot(Scene::Normal, tick, 1.0)));
    }
    assert_eq!(
        app.apply(Action::AddWorker),
        Some(Command::Workers { stage: 2, count: 5 })
    );
}

#[test]
fn slowing_down_stops_at_the_engines_limit() {
    let mut app = on_enrich();
    let last = (0..12).filter_map(|_| app.apply(Action::SlowDown)).last();
    assert_eq!(
        last,
        Some(Command::Slowdown {
            stage: 2,
            factor: pipetop::engine::MAX_SLOWDOWN
        })
    );
}

#[test]
fn brackets_scale_the_source_rate_by_ten_percent() {
    let mut app = app(Scene::Normal);
    let Some(Command::Rate(Rate::PerSecond(down))) = app.apply(Action::RateDown) else {
        panic!("[ sets a rate");
    };
    let Some(Command::Rate(Rate::PerSecond(up))) = app.apply(Action::RateUp) else {
        panic!("] sets a rate");
    };
    assert!((down - 900.0).abs() < 1e-9 && (up - 990.0).abs() < 1e-9);
}

#[test]
fn stage_keys_map_to_their_commands() {
    let mut app = on_enrich();
    let cases = [
        (Action::Burst, Command::Burst { items: 10_000 }),
        (Action::TogglePause, Command::Pause),
        (
            Action::CyclePolicy,
            Command::Policy {
                stage: 2,
                policy: QueuePolicy::DropNewest,
            },
        ),
        (
            Action::SlowDown,
            Command::Slowdown {
                stage: 2,
                factor: 2.0,
            },
        ),
        (
            Action::Restore,
            Command::Slowdown {
                stage: 2,
                factor: 1.0,
            },
        ),
        (Action::Crash, Command::Crash { stage: 2 }),
    ];
    for (action, command) in cases {
        assert_eq!(app.apply(action), Some(command), "{action:?}");
    }
}

#[test]
fn space_resumes_a_paused_source() {
    let mut app = app(Scene::Normal);
    let mut paused = snapshot(Scene::Normal, 241, 0.0);
    paused.source.paused = true;
    app.on_snapshot(Arc::new(paused));
    assert_eq!(app.apply(Action::TogglePause), Some(Command::Resume));
}

#[test]
fn first_q_stops_and_second_q_aborts() {
    let mut app = app(Scene::Normal);
    assert_eq!(app.apply(Action::Quit), Some(Command::Stop));
    assert_eq!(app.quit, QuitState::Draining);
    assert_eq!(app.apply(Action::Quit), Some(Command::Abort));
    assert_eq!(app.quit, QuitState::Now);
}

#[test]
fn ctrl_c_aborts_at_once() {
    let mut app = app(Scene::Normal);
    assert_eq!(app.apply(Action::QuitNow), Some(Command::Abort));
    assert_eq!(app.quit, QuitState::Now);
}

#[test]
fn view_keys_send_nothing_to_the_engine() {
    let mut app = app(Scene::Normal);
    assert_eq!(app.apply(Action::Help), None);
    assert_eq!(app.overlay, Overlay::Help);
    assert_eq!(
        app.apply(Action::Lesson),
        None,
        "any overlay key closes the open one"
    );
    assert_eq!(app.overlay, Overlay::None);
    app.apply(Action::Theory);
    app.apply(Action::CloseOverlay);
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.apply(Action::CycleHistogram), None);
    assert_eq!(app.histogram, HistogramKind::Wait);
    assert_eq!(app.apply(Action::Screenshot), None);
}

#[test]
fn selection_stays_within_the_stages() {
    let mut app = app(Scene::Normal);
    app.apply(Action::SelectUp);
    assert_eq!(app.selected, 0);
    for _ in 0..10 {
        app.apply(Action::SelectDown);
    }
    assert_eq!(app.selected, 4);
}

#[test]
fn freezing_keeps_the_view_while_the_pipeline_moves_on() {
    let mut app = app(Scene::Normal);
    app.apply(Action::Freeze);
    let shown = app.shown().unwrap().tick;
    app.on_snapshot(Arc::new(snapshot(Scene::Burst, 300, 1.0)));
    assert_eq!(app.shown().unwrap().tick, shown, "the view is frozen");
    assert_eq!(app.live().unwrap().tick, 300, "the feed is not");
    app.apply(Action::Freeze);
    assert_eq!(app.shown().unwrap().tick, 300);
}

#[test]
fn without_a_snapshot_pipeline_keys_do_nothing() {
    let mut app = App::new(SessionInfo::default());
    for action in [
        Action::AddWorker,
        Action::Burst,
        Action::RateUp,
        Action::Crash,
    ] {
        assert_eq!(app.apply(action), None, "{action:?}");
    }
}

#[test]
fn a_rate_profile_folds_into_one_event_log_line() {
    use pipetop::engine::{Event, Origin};
    use pipetop::model::{Applied, EventKind};
    use std::sync::Arc;

    let mut app = app(Scene::Normal);
    let before = app.events().len();
    let mut snapshot = app.live().unwrap().clone();
    snapshot.events = (0..12)
        .map(|i| {
            let mut e = Event::new(
                60.0 + i as f64,
                EventKind::Applied(Applied::Rate {
                    from: Rate::PerSecond(f64::from(599 + i)),
                    to: Rate::PerSecond(f64::from(600 + i)),
                }),
            );
            e.origin = Origin::Timeline;
            e
        })
        .collect();
    app.on_snapshot(Arc::new(snapshot));
    let events = app.events();
    assert_eq!(events.len(), before + 1, "twelve steps, one line");
    let last = events.back().unwrap();
    assert_eq!(
        last.message(),
        "source rate 610/s → 611/s (12 profile steps)"
    );
    assert_eq!(last.steps, 12);
}

#[test]
fn the_event_log_keeps_time_order_when_an_event_comes_late() {
    use fixture::stage_ref;
    use pipetop::engine::Event;
    use pipetop::model::EventKind;
    let mut app = app(Scene::Normal);
    let mut at = |tick: u64, events: Vec<Event>| {
        let mut s = snapshot(Scene::Normal, tick, 1.0);
        s.events = events;
        app.on_snapshot(Arc::new(s));
    };
    at(
        241,
        vec![Event::new(
            60.2,
            EventKind::Drops {
                stage: stage_ref("enrich"),
                policy: QueuePolicy::DropNewest,
            },
        )],
    );
    // A bottleneck is reported a tick after it began, stamped with its start.
    at(
        242,
        vec![Event::new(
            60.1,
            EventKind::Bottleneck {
                stage: Some(stage_ref("enrich")),
                reason: "enrich is the bottleneck".into(),
            },
        )],
    );
    let times: Vec<f64> = app.events().iter().map(|e| e.t_s).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}
