//! The dashboard frame as an SVG: render [`App`] into an off-screen
//! `TestBackend` of the given size and convert its buffer.

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::export::svg::buffer_to_svg;

use super::app::App;
use super::render::render;

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
    let name = if app.meta.name.is_empty() {
        "pipetop".to_string()
    } else {
        app.meta
            .name
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    };
    let path = dir.join(format!("pipetop-{name}-{t:.1}s.svg"));
    std::fs::write(&path, render_to_svg(app, width, height))?;
    Ok(path)
}
