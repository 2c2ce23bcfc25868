//! Ctrl-C and SIGTERM in a headless run: the first stops the source and lets
//! the pipeline drain, so the summary and the report still come out; a
//! second one of either exits at once (status 130 after SIGINT, 143 after
//! SIGTERM, as a shell reports a process killed by them).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Set when the run was asked to stop.
pub struct Interrupt {
    requested: Arc<AtomicBool>,
    handled: bool,
}

impl Interrupt {
    /// Installs the handlers for the rest of the process.
    pub fn install() -> anyhow::Result<Self> {
        let requested = Arc::new(AtomicBool::new(false));
        // Registered first, so it sees the flag as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(SIGINT, 130, requested.clone())?;
        signal_hook::flag::register_conditional_shutdown(SIGTERM, 143, requested.clone())?;
        signal_hook::flag::register(SIGINT, requested.clone())?;
        signal_hook::flag::register(SIGTERM, requested.clone())?;
        Ok(Self {
            requested,
            handled: false,
        })
    }

    /// True once, the first time a stop was asked for.
    pub fn take(&mut self) -> bool {
        if self.handled || !self.requested.load(Ordering::Relaxed) {
            return false;
        }
        self.handled = true;
        true
    }
}
