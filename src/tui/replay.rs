//! `pipetop replay FILE.jsonl`: a recorded series in the same dashboard,
//! with nothing running. A [`Playback`] clock feeds the moments up to its
//! position into the [`App`] exactly as a live run would have, so the frame
//! at tick k is the frame the live dashboard drew at tick k; the rewind
//! keys then work on what has been played, `space` plays and pauses,
//! `<` `>` change the speed, and → PgDn `.` at the newest moment seek on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event as TermEvent, KeyEventKind};

use crate::replay::{Moment, SeriesError, SeriesReader};
use crate::session::SessionInfo;

use super::app::{App, JUMP_SECONDS, Playback, QuitState};
use super::event_log::LogLine;
use super::keys::{Action, action_for};
use super::live::{FPS, Input, TerminalInput};
use super::render::render;
use super::screenshot::{render_to_svg, save_svg};
use super::signals::StopSignal;
use super::terminal::TerminalGuard;

/// How a replay is asked to run.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Write the frame at `at` to this SVG file instead of opening the dashboard.
    pub screenshot: Option<PathBuf>,
    /// When in the recording to take the screenshot.
    pub at: Duration,
    /// Columns and rows of the screenshot.
    pub size: (u16, u16),
    /// Recorded seconds per second at the start.
    pub speed: f64,
}

/// Takes one recorded moment into the dashboard, as a live run would.
pub fn feed(app: &mut App, moment: Moment) {
    let lines = moment
        .events
        .iter()
        .filter_map(LogLine::of_recorded)
        .collect();
    app.on_moment(moment.snapshot, lines);
}

/// The recording being played: the reader and the next moment due.
pub struct Recording {
    reader: SeriesReader,
    next: Option<Moment>,
    ended: bool,
}

impl Recording {
    /// Opens a series file.
    pub fn open(path: &Path) -> Result<Self, SeriesError> {
        let mut reader = SeriesReader::open(path)?;
        let next = reader.next_moment()?;
        if next.is_none() {
            return Err(SeriesError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            reader,
            next,
            ended: false,
        })
    }

    /// What the dashboard shows about the run: from the series' first line.
    pub fn info(&self) -> SessionInfo {
        let h = &self.reader.header;
        SessionInfo {
            name: crate::format::printable(&h.scenario),
            description: h.description.clone(),
            lesson: h.lesson.clone(),
            seed: h.seed,
            burst_items: h.burst_items,
            window_secs: h.window_secs,
            ..SessionInfo::default()
        }
    }

    /// True if the series carries histograms.
    pub fn has_histograms(&self) -> bool {
        self.reader.header.has_histograms()
    }

    /// The time of the next moment due, if any.
    pub fn next_t(&self) -> Option<f64> {
        self.next.as_ref().map(|m| m.snapshot.t_s)
    }

    /// Feeds `app` every moment up to `until_s`; true once the recording is done.
    pub fn feed_until(&mut self, app: &mut App, until_s: f64) -> Result<bool, SeriesError> {
        while self.next_t().is_some_and(|t| t <= until_s) {
            self.feed_one(app)?;
        }
        Ok(self.ended)
    }

    /// Feeds `app` the next moment; true once the recording is done.
    pub fn feed_one(&mut self, app: &mut App) -> Result<bool, SeriesError> {
        if let Some(moment) = self.next.take() {
            feed(app, moment);
            self.next = self.reader.next_moment()?;
        }
        self.ended = self.next.is_none();
        Ok(self.ended)
    }
}

/// Replays `path`: the dashboard, or with a screenshot the frame at `at`.
pub fn run(path: &Path, options: &ReplayOptions) -> anyhow::Result<()> {
    let mut recording = Recording::open(path)?;
    let mut app = App::new(recording.info());
    if let Some(svg) = &options.screenshot {
        let at = options.at.as_secs_f64();
        recording.feed_until(&mut app, at)?;
        app.now = SystemTime::now();
        let frame = render_to_svg(&app, options.size.0, options.size.1);
        std::fs::write(svg, frame)
            .with_context(|| format!("cannot write the screenshot {}", svg.display()))?;
        let t = app.live().map_or(0.0, |s| s.t_s);
        crate::stderr::note(format!("saved {} (the frame at {t:.1}s)", svg.display()));
        return Ok(());
    }
    if !recording.has_histograms() {
        app.status = Some("series schema 1: no histograms".to_string());
    }
    app.playback = Some(Playback {
        playing: true,
        speed: options
            .speed
            .clamp(super::dispatch::MIN_SPEED, super::dispatch::MAX_SPEED),
        at_end: false,
    });
    let mut terminal = TerminalGuard::new()?;
    let signals = StopSignal::install()?;
    ReplayLoop {
        terminal: &mut terminal,
        app: &mut app,
        input: &mut TerminalInput,
        recording: &mut recording,
        position_s: 0.0,
    }
    .run(&|| signals.take())
}

/// The replay's loop over its seams (a test drives it with a `TestBackend`).
pub struct ReplayLoop<'a, B: Backend, I: Input> {
    /// Where frames are drawn.
    pub terminal: &'a mut Terminal<B>,
    /// The dashboard's state.
    pub app: &'a mut App,
    /// Where keys come from.
    pub input: &'a mut I,
    /// The recording.
    pub recording: &'a mut Recording,
    /// Recorded seconds played so far.
    pub position_s: f64,
}

impl<B, I> ReplayLoop<'_, B, I>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Input,
{
    /// Plays until `q` (or a stop signal).
    pub fn run(&mut self, stop_signalled: &dyn Fn() -> bool) -> anyhow::Result<()> {
        let frame = Duration::from_secs(1) / FPS;
        let mut last = Instant::now();
        loop {
            let draw_at = Instant::now() + frame;
            while let Some(event) = self
                .input
                .poll(draw_at.saturating_duration_since(Instant::now()))?
            {
                if let TermEvent::Key(key) = event
                    && key.kind == KeyEventKind::Press
                    && let Some(action) = action_for(&key)
                {
                    self.act(action)?;
                }
                if self.app.quit == QuitState::Now {
                    return Ok(());
                }
            }
            if stop_signalled() {
                return Ok(());
            }
            let now = Instant::now();
            let playing = self.app.playback.is_some_and(|p| p.playing && !p.at_end);
            if playing {
                let speed = self.app.playback.map_or(1.0, |p| p.speed);
                self.position_s += (now - last).as_secs_f64() * speed;
            }
            last = now;
            self.advance()?;
            self.draw()?;
        }
    }

    /// Feeds what the playback position has reached.
    fn advance(&mut self) -> anyhow::Result<()> {
        let ended = self.recording.feed_until(self.app, self.position_s)?;
        if let Some(p) = &mut self.app.playback {
            p.at_end = ended;
        }
        Ok(())
    }

    /// Draws one frame.
    pub fn draw(&mut self) -> anyhow::Result<()> {
        self.app.now = SystemTime::now();
        let app = &*self.app;
        self.terminal.draw(|f| render(f, app))?;
        Ok(())
    }

    /// One key. At the newest moment played, the forward keys seek on
    /// through the recording; everywhere else they rewind as live.
    pub fn act(&mut self, action: Action) -> anyhow::Result<()> {
        self.app.status = None;
        let at_edge = !self.app.is_frozen();
        match action {
            Action::StepForward if at_edge => {
                self.recording.feed_one(self.app)?;
                self.position_s = self.position_s.max(self.app.live().map_or(0.0, |s| s.t_s));
            }
            Action::JumpForward if at_edge => self.position_s += JUMP_SECONDS,
            Action::NextEvent if at_edge => {
                // Play on to the next moment with an event.
                let from = self.app.events().len();
                while self.app.events().len() == from && !self.recording.feed_one(self.app)? {}
                self.position_s = self.position_s.max(self.app.live().map_or(0.0, |s| s.t_s));
            }
            Action::Screenshot => {
                let size = self.terminal.size()?;
                let dir = Path::new("screenshots");
                self.app.status = Some(match save_svg(self.app, size.width, size.height, dir) {
                    Ok(path) => format!("saved {}", path.display()),
                    Err(e) => format!("screenshot failed: {e}"),
                });
            }
            other => {
                // Nothing runs: commands for a pipeline go nowhere.
                let _ = self.app.apply(other);
            }
        }
        self.advance()
    }
}
