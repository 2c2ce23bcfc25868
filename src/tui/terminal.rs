//! Terminal setup and restore: ratatui's `try_init` (raw mode, alternate
//! screen, and a panic hook that restores first) plus a drop guard, so every
//! exit path (quit, Ctrl-C, error return, panic) leaves a sane terminal.

use std::ops::{Deref, DerefMut};

use ratatui::DefaultTerminal;

/// The live terminal; restored when dropped.
pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen.
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            terminal: ratatui::try_init()?,
        })
    }
}

impl Deref for TerminalGuard {
    type Target = DefaultTerminal;

    fn deref(&self) -> &DefaultTerminal {
        &self.terminal
    }
}

impl DerefMut for TerminalGuard {
    fn deref_mut(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
