//! The live loop, kept thin: serve input before redraws (poll keys until the
//! next frame is due, then take a stop signal as a `q`), take in every
//! snapshot that arrived (keeping all their events), draw at most [`FPS`]
//! times a second, and exit when the operator quits at once, or when the
//! pipeline sends its final snapshot after a `q` (a run that ends by itself
//! stays on screen, "done — q to quit", unless `exit_at_end`).
//!
//! Every effect is behind a seam, so a test drives keys to frames with a
//! `TestBackend`: terminal input comes from an [`Input`], snapshots and
//! commands go through a [`Feed`], and the header's wall clock is a function.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};

use crate::driver::{LiveRun, Polled};
use crate::metrics::Snapshot;
use crate::model::Command;

use super::app::{App, QuitState};
use super::keys::{Action, action_for};
use super::render::render;
use super::screenshot::save_svg;

/// The most frames drawn per second.
pub const FPS: u32 = 20;
/// The most input events served before a due frame is drawn, so a flood of
/// events cannot starve the screen either.
const EVENTS_PER_FRAME: usize = 64;
/// Where `S` saves frames.
const SCREENSHOT_DIR: &str = "screenshots";

/// Where the dashboard's terminal input comes from.
pub trait Input {
    /// The next input event, waiting at most `timeout`; `None` if none came.
    fn poll(&mut self, timeout: Duration) -> std::io::Result<Option<TermEvent>>;
}

/// The real terminal's input, through crossterm.
#[derive(Debug, Default)]
pub struct TerminalInput;

impl Input for TerminalInput {
    fn poll(&mut self, timeout: Duration) -> std::io::Result<Option<TermEvent>> {
        if event::poll(timeout)? {
            event::read().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The run the dashboard shows: snapshots in, commands out.
pub trait Feed {
    /// The next snapshot, if one has arrived, or the end of the run.
    fn try_next(&mut self) -> anyhow::Result<Polled>;
    /// Sends a command to the pipeline.
    fn send(&mut self, command: Command);
}

impl Feed for LiveRun<'_> {
    fn try_next(&mut self) -> anyhow::Result<Polled> {
        LiveRun::try_next(self)
    }

    fn send(&mut self, command: Command) {
        LiveRun::send(self, command);
    }
}

/// What a turn of the loop ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Go on: the next frame is due in a frame's time.
    Continue,
    /// The operator quit at once, or the run has ended.
    Exit,
}

/// The dashboard's loop over its seams.
pub struct LiveLoop<'a, B: Backend, I: Input, F: Feed> {
    /// Where frames are drawn.
    pub terminal: &'a mut Terminal<B>,
    /// The dashboard's state.
    pub app: &'a mut App,
    /// Where keys come from.
    pub input: &'a mut I,
    /// The run shown.
    pub feed: &'a mut F,
    /// Whether a stop signal arrived since the last call (it acts like `q`).
    pub stop_signalled: &'a dyn Fn() -> bool,
    /// The wall clock shown in the header.
    pub wall_clock: fn() -> SystemTime,
    /// The newest snapshot received.
    pub last: Option<Arc<Snapshot>>,
    /// Close when the run ends by itself, rather than stay open until `q`.
    pub exit_at_end: bool,
}

impl<B, I, F> LiveLoop<'_, B, I, F>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Input,
    F: Feed,
{
    /// Turns until the operator quits at once or the run ends.
    pub fn run(&mut self) -> anyhow::Result<()> {
        let frame = Duration::from_secs(1) / FPS;
        let mut next_frame = Instant::now();
        while self.turn(next_frame)? == Turn::Continue {
            next_frame = Instant::now() + frame;
        }
        Ok(())
    }

    /// One turn: serve input until `draw_at` (or until none is waiting, once
    /// it has passed), take in every snapshot that arrived, draw a frame.
    pub fn turn(&mut self, draw_at: Instant) -> anyhow::Result<Turn> {
        let mut served = 0;
        while served < EVENTS_PER_FRAME {
            let wait = draw_at.saturating_duration_since(Instant::now());
            let Some(event) = self.input.poll(wait)? else {
                break;
            };
            served += 1;
            if let TermEvent::Key(key) = event
                && key.kind == KeyEventKind::Press
                && let Some(action) = action_for(&key)
            {
                self.act(action)?;
            }
            if self.app.quit == QuitState::Now {
                return Ok(Turn::Exit);
            }
        }
        if (self.stop_signalled)() {
            self.act(Action::Quit)?;
            if self.app.quit == QuitState::Now {
                return Ok(Turn::Exit);
            }
        }
        let ended = loop {
            match self.feed.try_next()? {
                Polled::Snapshot(snapshot) => {
                    self.last = Some(Arc::clone(&snapshot));
                    self.app.on_snapshot(snapshot);
                }
                Polled::Empty => break false,
                Polled::Ended => break true,
            }
        };
        self.app.now = (self.wall_clock)();
        let app = &*self.app;
        self.terminal.draw(|f| render(f, app))?;
        // A run the operator stopped with `q` closes when drained; one that
        // ended by itself stays open to be rewound, unless told otherwise.
        let over = ended || self.app.pipeline_finished();
        let close = self.exit_at_end || self.app.quit != QuitState::Running;
        Ok(if over && close {
            Turn::Exit
        } else {
            Turn::Continue
        })
    }

    /// Carries out one key's action.
    fn act(&mut self, action: Action) -> anyhow::Result<()> {
        self.app.status = None;
        if action == Action::Screenshot {
            let size = self.terminal.size()?;
            let dir = Path::new(SCREENSHOT_DIR);
            self.app.status = Some(match save_svg(self.app, size.width, size.height, dir) {
                Ok(path) => format!("saved {}", path.display()),
                Err(e) => format!("screenshot failed: {e}"),
            });
        }
        if let Some(command) = self.app.apply(action) {
            self.feed.send(command);
        }
        Ok(())
    }
}
