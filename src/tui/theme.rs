//! The dashboard's colour scheme, in one place: borders, accents, the
//! green → yellow → red occupancy ramp, backpressure tints and the bottleneck mark.

use ratatui::style::{Color, Modifier, Style};

use crate::metrics::{Backpressure, RunState};
use crate::model::{Command, EventKind};

/// Ordinary panel borders.
pub const BORDER: Color = Color::DarkGray;
/// Panel titles and key names.
pub const ACCENT: Color = Color::Cyan;
/// Secondary text: units, labels.
pub const MUTED: Color = Color::Gray;
/// The bottleneck's border and mark.
pub const BOTTLENECK: Color = Color::Magenta;
/// Occupancy or latency that is fine.
pub const GOOD: Color = Color::Green;
/// Occupancy or latency worth a look.
pub const WARN: Color = Color::Yellow;
/// Occupancy or latency that is a problem.
pub const BAD: Color = Color::Red;

/// The text of the bottleneck mark.
pub const BOTTLENECK_MARK: &str = "◆ BOTTLENECK";

/// Panel title style.
pub fn title() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

/// Column headers and labels.
pub fn label() -> Style {
    Style::new().fg(MUTED)
}

/// A key name in the footer and help.
pub fn key() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(ACCENT)
        .add_modifier(Modifier::BOLD)
}

/// The selected row or stage.
pub fn selected() -> Style {
    Style::new()
        .bg(Color::Rgb(40, 44, 64))
        .add_modifier(Modifier::BOLD)
}

/// An unbounded queue's colour, which no bound can give: red while it
/// grows (more than one item a second), yellow while it holds items,
/// green when empty.
pub fn growth(len: usize, per_second: f64) -> Color {
    if per_second > 1.0 {
        BAD
    } else if len > 0 {
        WARN
    } else {
        GOOD
    }
}

/// The green → yellow → red ramp for a queue occupancy in 0..=1.
pub fn occupancy(fraction: f64) -> Color {
    if fraction >= 0.8 {
        BAD
    } else if fraction >= 0.5 {
        WARN
    } else {
        GOOD
    }
}

/// The tint of a stage under backpressure.
pub fn backpressure(level: Backpressure) -> Color {
    match level {
        Backpressure::Ok => BORDER,
        Backpressure::Low => WARN,
        Backpressure::High => BAD,
    }
}

/// The colour of the run state in the header.
pub fn run_state(state: RunState) -> Color {
    match state {
        RunState::Running => GOOD,
        RunState::Paused => WARN,
        RunState::Draining => ACCENT,
        RunState::Done => MUTED,
        RunState::Aborted => BAD,
    }
}

/// The colour of an event in the log, from its report `kind` word (a
/// recorded run's events carry only their words): as [`event_kind`] colours it.
pub fn event_word(word: &str) -> Color {
    match word {
        "crash" | "abort" | "restart" | "drops" | "spawn-refused" | "output-failed" => BAD,
        "burst" | "slowdown" | "policy" | "unadmitted" | "memory-cap" => WARN,
        "workers" | "rate" | "pause" | "resume" => ACCENT,
        _ => MUTED,
    }
}

/// The colour of an event kind in the log.
pub fn event_kind(kind: &EventKind) -> Color {
    match kind {
        EventKind::Applied(applied) => command(&applied.command()),
        // An ignored command keeps its command's colour, as its word.
        EventKind::Ignored {
            command: ignored, ..
        } => command(ignored),
        EventKind::DrainWorker { .. } => ACCENT,
        EventKind::Restart { .. }
        | EventKind::Drops { .. }
        | EventKind::SpawnRefused { .. }
        | EventKind::OutputFailed { .. } => BAD,
        EventKind::Unadmitted { .. }
        | EventKind::MemoryCap { .. }
        | EventKind::DrainTimeout { .. }
        | EventKind::TicksSkipped { .. }
        | EventKind::External { .. } => WARN,
        EventKind::SourceDone | EventKind::DropsEnd { .. } | EventKind::Bottleneck { .. } => MUTED,
    }
}

/// The colour of a command's events.
fn command(command: &Command) -> Color {
    match command {
        Command::Crash { .. } | Command::Abort => BAD,
        Command::Burst { .. } | Command::Slowdown { .. } | Command::Policy { .. } => WARN,
        Command::Workers { .. } | Command::Rate(_) | Command::Pause | Command::Resume => ACCENT,
        Command::Stop => MUTED,
    }
}
