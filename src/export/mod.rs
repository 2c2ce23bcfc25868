//! Exporters: turn what the dashboard shows into files other tools read.

pub mod svg;

pub use svg::buffer_to_svg;
