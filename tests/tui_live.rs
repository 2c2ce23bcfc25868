//! Keys to frames through the live loop itself, with no terminal: scripted
//! key presses come in through the loop's input seam, a small fake engine
//! answers its commands with snapshots, and each turn draws into a
//! `TestBackend`.

mod fixture;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use fixture::{Scene, app, stage_ref};
use pipetop::driver::Polled;
use pipetop::metrics::{RunState, Snapshot};
use pipetop::model::{Applied, Command, Event, EventKind, Origin};
use pipetop::tui::App;
use pipetop::tui::live::{Feed, Input, LiveLoop, Turn};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

/// Key presses waiting to be read.
#[derive(Default)]
struct ScriptedKeys(VecDeque<TermEvent>);

impl ScriptedKeys {
    fn press(&mut self, c: char) {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        self.0.push_back(TermEvent::Key(key));
    }
}

impl Input for ScriptedKeys {
    fn poll(&mut self, _timeout: Duration) -> std::io::Result<Option<TermEvent>> {
        Ok(self.0.pop_front())
    }
}

/// Answers each command with the next snapshot, as the engine would: the
/// change applied and its event logged.
struct FakeEngine {
    latest: Snapshot,
    pending: VecDeque<Arc<Snapshot>>,
    sent: Vec<Command>,
}

impl FakeEngine {
    fn after(app: &App) -> Self {
        Self {
            latest: app.live().expect("the fixture has snapshots").clone(),
            pending: VecDeque::new(),
            sent: Vec::new(),
        }
    }

    fn tick(&mut self, change: impl FnOnce(&mut Snapshot), applied: Option<Applied>) {
        let mut next = self.latest.clone();
        next.tick += 1;
        next.t_s += 0.25;
        next.events = applied
            .map(|a| Event {
                origin: Origin::Operator,
                ..Event::new(next.t_s, EventKind::Applied(a))
            })
            .into_iter()
            .collect();
        change(&mut next);
        self.latest = next.clone();
        self.pending.push_back(Arc::new(next));
    }
}

impl Feed for FakeEngine {
    fn try_next(&mut self) -> anyhow::Result<Polled> {
        Ok(match self.pending.pop_front() {
            Some(snapshot) => Polled::Snapshot(snapshot),
            None if self.latest.state.is_final() => Polled::Ended,
            None => Polled::Empty,
        })
    }

    fn send(&mut self, command: Command) {
        self.sent.push(command);
        match command {
            Command::Workers { stage, count } => {
                let from = self.latest.stages[stage].workers_target;
                let name = self.latest.stages[stage].name.clone();
                self.tick(
                    |s| s.stages[stage].workers_target = count,
                    Some(Applied::Workers {
                        stage: stage_ref(&name),
                        from,
                        to: count,
                    }),
                );
            }
            Command::Burst { items } => self.tick(
                |s| s.source.source_pending += items,
                Some(Applied::Burst { items }),
            ),
            Command::Stop => {
                self.tick(|s| s.state = RunState::Draining, Some(Applied::Stop));
                self.tick(|s| s.state = RunState::Done, None);
            }
            Command::Abort => self.tick(|s| s.state = RunState::Aborted, Some(Applied::Abort)),
            other => panic!("the fake engine does not model {other:?}"),
        }
    }
}

/// The dashboard's loop over scripted keys and the fake engine, 160×48.
struct Bench {
    terminal: Terminal<TestBackend>,
    app: App,
    keys: ScriptedKeys,
    engine: FakeEngine,
    exit_at_end: bool,
}

impl Bench {
    fn new() -> Self {
        let app = app(Scene::Normal);
        Self {
            terminal: Terminal::new(TestBackend::new(160, 48)).unwrap(),
            engine: FakeEngine::after(&app),
            app,
            keys: ScriptedKeys::default(),
            exit_at_end: true,
        }
    }

    /// Presses `key`, then runs one turn of the loop: input served, the
    /// engine's answers taken in, a frame drawn.
    fn press(&mut self, key: char) -> Turn {
        self.keys.press(key);
        let mut live = LiveLoop {
            terminal: &mut self.terminal,
            app: &mut self.app,
            input: &mut self.keys,
            feed: &mut self.engine,
            stop_signalled: &|| false,
            wall_clock: || SystemTime::UNIX_EPOCH,
            last: None,
            exit_at_end: self.exit_at_end,
        };
        live.turn(Instant::now()).unwrap()
    }

    fn screen(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let width = usize::from(buffer.area.width);
        buffer
            .content
            .chunks(width)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect()
    }
}

#[test]
fn plus_asks_for_a_worker_and_the_frame_shows_it_granted() {
    let mut bench = Bench::new();
    let before = bench.app.live().unwrap().stages[0].workers_target;
    assert_eq!(bench.press('+'), Turn::Continue);
    assert_eq!(
        bench.engine.sent,
        [Command::Workers {
            stage: 0,
            count: before + 1
        }]
    );
    assert_eq!(
        bench.app.live().unwrap().stages[0].workers_target,
        before + 1
    );
    let screen = bench.screen();
    let line = format!("ingest: workers {before} → {}", before + 1);
    assert!(screen.contains(&line), "{screen}");
}

#[test]
fn b_injects_the_scenarios_burst_and_the_log_shows_it() {
    let mut bench = Bench::new();
    assert_eq!(bench.press('b'), Turn::Continue);
    assert_eq!(bench.engine.sent, [Command::Burst { items: 10_000 }]);
    let screen = bench.screen();
    assert!(screen.contains("burst of 10000 items"), "{screen}");
}

#[test]
fn question_mark_opens_the_help_and_again_closes_it() {
    let mut bench = Bench::new();
    bench.press('?');
    let help = bench.screen();
    assert!(help.contains("this help"), "{help}");
    bench.press('?');
    let closed = bench.screen();
    assert!(!closed.contains("this help"), "{closed}");
    assert!(bench.engine.sent.is_empty(), "a view key sends nothing");
}

#[test]
fn q_stops_the_source_drains_and_the_loop_ends_with_the_run() {
    let mut bench = Bench::new();
    assert_eq!(bench.press('q'), Turn::Exit, "the run ended: the loop ends");
    assert_eq!(bench.engine.sent, [Command::Stop]);
    assert_eq!(bench.app.live().unwrap().state, RunState::Done);
    let screen = bench.screen();
    assert!(
        screen.contains("stop      source stopped, draining") && screen.contains("● done"),
        "{screen}"
    );
}

#[test]
fn q_twice_before_the_drain_ends_exits_at_once() {
    let mut bench = Bench::new();
    bench.keys.press('q');
    // The second q arrives before the drain's snapshots are taken in.
    assert_eq!(bench.press('q'), Turn::Exit);
    assert_eq!(bench.engine.sent, [Command::Stop, Command::Abort]);
}

#[test]
fn a_run_that_ends_by_itself_stays_on_screen_until_q() {
    let mut bench = Bench::new();
    bench.exit_at_end = false;
    bench.engine.tick(|s| s.state = RunState::Done, None);
    assert_eq!(bench.press('c'), Turn::Continue, "the dashboard stays open");
    let screen = bench.screen();
    assert!(screen.contains("done — q to quit"), "{screen}");
    // The whole run can be rewound after the end.
    assert_eq!(bench.press('f'), Turn::Continue);
    assert!(bench.app.is_frozen());
    assert_eq!(bench.press('q'), Turn::Exit);
    assert!(bench.engine.sent.is_empty(), "nothing is left to stop");
}

#[test]
fn with_exit_at_end_a_run_that_ends_by_itself_closes_the_dashboard() {
    let mut bench = Bench::new();
    bench.engine.tick(|s| s.state = RunState::Done, None);
    assert_eq!(bench.press('c'), Turn::Exit);
}
