//! SIGTERM and SIGHUP while the dashboard runs. In raw mode Ctrl-C is a key,
//! not a signal; these two are real signals (`kill`, a service manager, a
//! closing terminal). Each acts like pressing `q`: the first stops the source
//! and drains with the dashboard live, so the report is still written and the
//! terminal restored; another one exits at once. The handlers are removed
//! when this is dropped, so a library caller's own handling comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGTERM};

/// The stop signals' flag, registered for as long as this lives.
pub struct StopSignals {
    requested: Arc<AtomicBool>,
    handlers: Vec<SigId>,
}

impl StopSignals {
    /// Registers the handlers.
    pub fn install() -> anyhow::Result<Self> {
        let requested = Arc::new(AtomicBool::new(false));
        let handlers = [SIGTERM, SIGHUP]
            .into_iter()
            .map(|signal| signal_hook::flag::register(signal, requested.clone()))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            requested,
            handlers,
        })
    }

    /// Whether a stop signal arrived since the last call.
    pub fn take(&self) -> bool {
        self.requested.swap(false, Ordering::Relaxed)
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        for handler in self.handlers.drain(..) {
            signal_hook::low_level::unregister(handler);
        }
    }
}
