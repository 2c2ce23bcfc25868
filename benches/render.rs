//! One dashboard frame at 160×48 with 8 stages, rendered into a `TestBackend`.
//! The goal is under 2 ms a frame (see issue 3).

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fixture::{Scene, snapshot, stage};
use pipetop::session::SessionInfo;
use pipetop::tui::{App, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// An app fed a minute of an 8-stage pipeline in a burst.
fn eight_stage_app() -> App {
    let mut app = App::new(SessionInfo {
        name: "bench".to_string(),
        ..SessionInfo::default()
    });
    for tick in 0..=240 {
        let mut s = snapshot(Scene::Burst, tick, 1.0);
        for name in ["dedupe", "route", "archive"] {
            s.stages.push(stage(name, 2, 17, 1990.0, 0.5, 0.4, 0.0));
        }
        app.on_snapshot(Arc::new(s));
    }
    app
}

fn frame(c: &mut Criterion) {
    let app = eight_stage_app();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
    c.bench_function("frame_160x48_8_stages", |b| {
        b.iter(|| {
            terminal
                .draw(|f| render(f, black_box(&app)))
                .expect("test backend draws");
        })
    });
}

criterion_group!(benches, frame);
criterion_main!(benches);
