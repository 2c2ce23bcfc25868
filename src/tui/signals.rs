//! SIGTERM while the dashboard runs (`kill`, a service manager). In raw mode
//! Ctrl-C is a key, not a signal. SIGTERM acts like pressing `q`: the first
//! stops the source and drains with the dashboard live, so the report is
//! still written and the terminal restored; another one exits at once. The
//! handler is removed when this is dropped, so a library caller's own
//! handling comes back.
//!
//! SIGHUP (the terminal closed) keeps its default and ends the process: with
//! no terminal the dashboard cannot go on, and crossterm's input reader spins
//! on a hung-up terminal instead of reporting it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::SigId;
use signal_hook::consts::SIGTERM;

/// The stop signal's flag, registered for as long as this lives.
pub struct StopSignal {
    requested: Arc<AtomicBool>,
    handler: SigId,
}

impl StopSignal {
    /// Registers the handler.
    pub fn install() -> anyhow::Result<Self> {
        let requested = Arc::new(AtomicBool::new(false));
        let handler = signal_hook::flag::register(SIGTERM, requested.clone())?;
        Ok(Self { requested, handler })
    }

    /// Whether SIGTERM arrived since the last call.
    pub fn take(&self) -> bool {
        self.requested.swap(false, Ordering::Relaxed)
    }
}

impl Drop for StopSignal {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.handler);
    }
}
