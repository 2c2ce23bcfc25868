//! The live loop, kept thin: serve input before redraws (poll keys until the
//! next frame is due, then take a stop signal as a `q`), drain every snapshot
//! that arrived (keeping all their events), draw at most [`FPS`] times a
//! second, and exit when the operator quits at once or the pipeline sends its
//! final snapshot.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, TryRecvError};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};

use crate::engine::Command;
use crate::metrics::Snapshot;

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

/// Runs the dashboard until the operator quits at once or the pipeline ends;
/// returns the last snapshot received. `send` delivers commands to the
/// engine; `record` sees every snapshot as it arrives (for the run's files);
/// `stop_signalled` says whether a stop signal arrived (it acts like `q`).
pub fn run_loop<B>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    snapshots: &Receiver<Arc<Snapshot>>,
    send: impl Fn(Command),
    mut record: impl FnMut(&Arc<Snapshot>) -> anyhow::Result<()>,
    stop_signalled: impl Fn() -> bool,
) -> anyhow::Result<Option<Arc<Snapshot>>>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
{
    let frame = Duration::from_secs(1) / FPS;
    let mut last = None;
    let mut next_frame = Instant::now();
    loop {
        let mut served = 0;
        while served < EVENTS_PER_FRAME
            && event::poll(next_frame.saturating_duration_since(Instant::now()))?
        {
            served += 1;
            let TermEvent::Key(key) = event::read()? else {
                continue;
            };
            if key.kind != KeyEventKind::Press {
                continue;
            }
            if let Some(action) = action_for(&key) {
                app.status = None;
                if action == Action::Screenshot {
                    let size = terminal.size()?;
                    app.status = Some(
                        match save_svg(app, size.width, size.height, Path::new(SCREENSHOT_DIR)) {
                            Ok(path) => format!("saved {}", path.display()),
                            Err(e) => format!("screenshot failed: {e}"),
                        },
                    );
                }
                if let Some(command) = app.apply(action) {
                    send(command);
                }
            }
            if app.quit == QuitState::Now {
                return Ok(last);
            }
        }
        if stop_signalled() {
            if let Some(command) = app.apply(Action::Quit) {
                send(command);
            }
            if app.quit == QuitState::Now {
                return Ok(last);
            }
        }
        let disconnected = loop {
            match snapshots.try_recv() {
                Ok(snapshot) => {
                    record(&snapshot)?;
                    last = Some(Arc::clone(&snapshot));
                    app.on_snapshot(snapshot);
                }
                Err(TryRecvError::Empty) => break false,
                Err(TryRecvError::Disconnected) => break true,
            }
        };
        app.now = SystemTime::now();
        terminal.draw(|f| render(f, app))?;
        if disconnected || app.pipeline_finished() {
            return Ok(last);
        }
        next_frame = Instant::now() + frame;
    }
}
