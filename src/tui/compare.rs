//! `pipetop compare A.jsonl B.jsonl` in the dashboard: both recordings fed
//! whole into their own [`App`] (so their histories give the charts), and
//! summed up for the A/B/Δ table. Keys from the one key table: ↑↓ select a
//! stage, `c` the chart's metric, `z` its span (1 min, 10 min, the whole
//! run) on the shared time axis, the rewind keys (← → one tick, PgUp PgDn
//! 10 s, `,` `.` the previous or next event of either run, End back to the
//! end) move the moment both runs are shown at, `q` quits.

use std::path::Path;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event as TermEvent, KeyEventKind};

use crate::replay::{Moment, RunSummary, SeriesError, SeriesReader, SummaryBuilder};

use super::app::{App, JUMP_SECONDS};
use super::chart_kind::{ChartKind, ChartSpan};
use super::keys::{Action, action_for};
use super::live::{Input, TerminalInput};
use super::render::compare::render;
use super::replay::{Recording, feed};
use super::signals::StopSignal;
use super::terminal::TerminalGuard;

/// One side of a comparison: the run fed whole, and its summary.
#[derive(Debug, Clone)]
pub struct Side {
    /// The dashboard state fed the whole run (its history draws the charts).
    pub app: App,
    /// The run in numbers.
    pub summary: RunSummary,
}

impl Side {
    /// A side from its moments, in order.
    pub fn from_moments(
        name: &str,
        path: &str,
        app: App,
        moments: impl IntoIterator<Item = Moment>,
    ) -> Option<Self> {
        let mut app = app;
        let mut builder = SummaryBuilder::default();
        for moment in moments {
            builder.push(&moment);
            feed(&mut app, moment);
        }
        Some(Self {
            summary: builder.finish(name, path)?,
            app,
        })
    }

    /// Reads a series file whole.
    pub fn read(path: &Path) -> Result<Self, SeriesError> {
        let info = Recording::open(path)?.info();
        let mut reader = SeriesReader::open(path)?;
        let mut app = App::new(info.clone());
        let mut builder = SummaryBuilder::default();
        while let Some(moment) = reader.next_moment()? {
            builder.push(&moment);
            feed(&mut app, moment);
        }
        let summary = builder
            .finish(&info.name, &path.display().to_string())
            .ok_or_else(|| SeriesError::Empty {
                path: path.to_path_buf(),
            })?;
        Ok(Self { app, summary })
    }
}

/// The comparison's view state.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Run A.
    pub a: Side,
    /// Run B.
    pub b: Side,
    /// The selected stage (by A's order).
    pub selected: usize,
    /// The chart's metric.
    pub chart: ChartKind,
    /// How much of the shared time axis the chart spans.
    pub span: ChartSpan,
    /// The moment shown, seconds since the start; `None`: the end.
    pub at: Option<f64>,
    /// True once `q` was pressed.
    pub quit: bool,
}

impl Comparison {
    /// A comparison of `a` and `b`, the first stage selected.
    pub fn new(a: Side, b: Side) -> Self {
        Self {
            a,
            b,
            selected: 0,
            chart: ChartKind::Queue,
            span: ChartSpan::WholeRun,
            at: None,
            quit: false,
        }
    }

    /// The end of the shared time axis: the longer run's.
    pub fn end_s(&self) -> f64 {
        self.a.summary.duration_s.max(self.b.summary.duration_s)
    }

    /// The moment shown: where the view was rewound to, or the end.
    pub fn shown_s(&self) -> f64 {
        self.at.unwrap_or_else(|| self.end_s())
    }

    /// The time axis the chart draws: the span up to the moment shown, or
    /// the whole run.
    pub fn axis(&self) -> (f64, f64) {
        match self.span.seconds() {
            Some(span) => {
                let to = self.shown_s().max(span.min(self.end_s()));
                ((to - span).max(0.0), to)
            }
            None => (0.0, self.end_s().max(1.0)),
        }
    }

    /// One tick of run A (else B): the step of ← →.
    fn tick_s(&self) -> f64 {
        [&self.a, &self.b]
            .iter()
            .filter_map(|side| side.app.live())
            .find(|s| s.tick > 0)
            .map_or(1.0, |s| s.t_s / s.tick as f64)
    }

    /// Moves the moment shown by `seconds`, within the run; at the end, back to it.
    fn move_by(&mut self, seconds: f64) {
        let end = self.end_s();
        let to = (self.shown_s() + seconds).clamp(0.0, end);
        self.at = (to < end).then_some(to);
    }

    /// Moves to the previous (or next) event of either run.
    fn jump_to_event(&mut self, forward: bool) {
        let now = self.shown_s();
        let times = self
            .a
            .summary
            .events
            .iter()
            .chain(&self.b.summary.events)
            .map(|e| e.t_s);
        let to = if forward {
            times.filter(|&t| t > now + 1e-9).fold(f64::NAN, f64::min)
        } else {
            times.filter(|&t| t < now - 1e-9).fold(f64::NAN, f64::max)
        };
        if !to.is_nan() {
            self.at = Some(to);
        }
    }

    /// The stage names: A's, then those only in B.
    pub fn stage_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .a
            .summary
            .stages
            .iter()
            .map(|s| s.name.clone())
            .collect();
        for s in &self.b.summary.stages {
            if !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
        names
    }

    /// Carries out one key's action (the ones a comparison has).
    pub fn apply(&mut self, action: Action) {
        let stages = self.stage_names().len();
        match action {
            Action::SelectUp => self.selected = self.selected.saturating_sub(1),
            Action::SelectDown => self.selected = (self.selected + 1).min(stages.saturating_sub(1)),
            Action::CycleChart => self.chart = self.chart.next(),
            Action::CycleSpan => self.span = self.span.next(),
            Action::StepBack => self.move_by(-self.tick_s()),
            Action::StepForward => self.move_by(self.tick_s()),
            Action::JumpBack => self.move_by(-JUMP_SECONDS),
            Action::JumpForward => self.move_by(JUMP_SECONDS),
            Action::PrevEvent => self.jump_to_event(false),
            Action::NextEvent => self.jump_to_event(true),
            Action::Live => self.at = None,
            Action::Quit | Action::QuitNow => self.quit = true,
            // Nothing runs in a comparison.
            Action::AddWorker
            | Action::RemoveWorker
            | Action::Burst
            | Action::RateDown
            | Action::RateUp
            | Action::TogglePause
            | Action::CyclePolicy
            | Action::SlowDown
            | Action::Restore
            | Action::Crash
            | Action::CycleHistogram
            | Action::Lesson
            | Action::Theory
            | Action::Errors
            | Action::Freeze
            | Action::Help
            | Action::CloseOverlay
            | Action::Screenshot
            | Action::ScrollLog
            | Action::FilterLog
            | Action::Slower
            | Action::Faster
            | Action::FullSpeed => {}
        }
    }
}

/// Opens the comparison of two series files in the dashboard.
pub fn run(a: &Path, b: &Path) -> anyhow::Result<()> {
    let mut comparison = Comparison::new(Side::read(a)?, Side::read(b)?);
    let mut terminal = TerminalGuard::new()?;
    let signals = StopSignal::install()?;
    compare_loop(&mut terminal, &mut comparison, &mut TerminalInput, &|| {
        signals.take()
    })
}

/// Writes the comparison frame to `screenshots/pipetop-compare.svg` (`S`).
fn save_svg(comparison: &Comparison, width: u16, height: u16) -> anyhow::Result<()> {
    let mut terminal = Terminal::new(ratatui::backend::TestBackend::new(width, height))?;
    terminal.draw(|f| render(f, comparison))?;
    std::fs::create_dir_all("screenshots")?;
    std::fs::write(
        "screenshots/pipetop-compare.svg",
        crate::export::svg::buffer_to_svg(terminal.backend().buffer()),
    )?;
    Ok(())
}

/// Draws and serves keys until `q`.
pub fn compare_loop<B, I>(
    terminal: &mut Terminal<B>,
    comparison: &mut Comparison,
    input: &mut I,
    stop_signalled: &dyn Fn() -> bool,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Input,
{
    loop {
        terminal.draw(|f| render(f, comparison))?;
        if let Some(TermEvent::Key(key)) = input.poll(Duration::from_millis(250))?
            && key.kind == KeyEventKind::Press
            && let Some(action) = action_for(&key)
        {
            if action == Action::Screenshot {
                let size = terminal.size()?;
                save_svg(comparison, size.width, size.height)?;
            }
            comparison.apply(action);
        }
        if comparison.quit || stop_signalled() {
            return Ok(());
        }
    }
}
