//! The dashboard frame as an SVG: render [`App`] into an off-screen
//! `TestBackend` of the given size and convert its buffer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::driver::FrameCapture;
use crate::export::svg::buffer_to_svg;

use super::app::App;
use super::render::render;
use crate::metrics::Snapshot;
use crate::session::{SessionInfo, SessionOptions};

/// The frame `app` would show on a `width`×`height` terminal, as SVG.
pub fn render_to_svg(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height))
        .expect("a TestBackend terminal cannot fail to open");
    terminal
        .draw(|frame| render(frame, app))
        .expect("drawing into a TestBackend cannot fail");
    buffer_to_svg(terminal.backend().buffer())
}

/// Writes the frame to `dir/pipetop-<scenario>-<t>s.svg` and returns the path.
pub fn save_svg(app: &App, width: u16, height: u16, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let t = app.shown().map_or(0.0, |s| s.t_s);
    let name = if app.info.name.is_empty() {
        "pipetop".to_string()
    } else {
        app.info
            .name
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    };
    let path = dir.join(format!("pipetop-{name}-{t:.1}s.svg"));
    std::fs::write(&path, render_to_svg(app, width, height))?;
    Ok(path)
}

/// Renders the dashboard frame at a given time of a run to an SVG file
/// (`--screenshot FILE --at DUR`), from the same snapshots the run produces.
pub struct DashboardCapture {
    app: App,
    path: PathBuf,
    at_s: f64,
    size: (u16, u16),
    /// The time of the frame written, once it is.
    taken: Option<f64>,
}

impl DashboardCapture {
    /// The `--screenshot` renderer every front end lends the driver, if the
    /// options ask for one.
    pub fn boxed(options: &SessionOptions, info: &SessionInfo) -> Option<Box<dyn FrameCapture>> {
        Self::from_options(options, info).map(|c| Box::new(c) as Box<dyn FrameCapture>)
    }

    /// A capture if the options ask for one.
    pub fn from_options(options: &SessionOptions, info: &SessionInfo) -> Option<Self> {
        let path = options.screenshot.clone()?;
        Some(Self {
            app: App::new(info.clone()),
            path,
            at_s: options.screenshot_at.as_secs_f64(),
            size: options.screenshot_size,
            taken: None,
        })
    }
}

impl FrameCapture for DashboardCapture {
    /// Feeds one snapshot; writes the file when the run reaches the time (or
    /// ends before it). True when this call wrote it.
    fn observe(&mut self, snapshot: &Arc<Snapshot>) -> anyhow::Result<bool> {
        if self.taken.is_some() {
            return Ok(false);
        }
        self.app.on_snapshot(snapshot.clone());
        if snapshot.t_s < self.at_s && !snapshot.state.is_final() {
            return Ok(false);
        }
        self.app.now = SystemTime::now();
        let svg = render_to_svg(&self.app, self.size.0, self.size.1);
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&self.path, svg)
            .with_context(|| format!("cannot write the screenshot {}", self.path.display()))?;
        self.taken = Some(snapshot.t_s);
        Ok(true)
    }

    /// What was saved, once it was: where, and whether the run ended
    /// before `--at` (then the frame is its last one).
    fn saved(&self) -> Option<String> {
        let t_s = self.taken?;
        let path = self.path.display();
        Some(if t_s < self.at_s {
            format!(
                "saved {path}: the run ended at {t_s:.1}s, before --at {:.1}s, so this is its last frame",
                self.at_s
            )
        } else {
            format!("saved {path} (the frame at {t_s:.1}s)")
        })
    }
}
