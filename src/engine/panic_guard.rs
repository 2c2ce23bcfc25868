//! Keeps worker panics off the terminal. A panic inside a stage's work is
//! caught by its worker and counted as a restart; its message is kept for the
//! event log instead of being printed over the dashboard.

use std::cell::{Cell, RefCell};
use std::panic;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Wraps the current panic hook so that panics on quiet threads are recorded,
/// not printed. Installed at every engine start, so it wraps any hook set up
/// before (such as the terminal-restoring one), which then never runs for a
/// caught worker panic.
pub fn install() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if QUIET.with(Cell::get) {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            LAST_MESSAGE.with(|last| *last.borrow_mut() = Some(text));
        } else {
            previous(info);
        }
    }));
}

/// Marks the calling thread's panics as caught and quiet.
pub fn quiet_this_thread() {
    QUIET.with(|q| q.set(true));
}

/// The message of this thread's last quiet panic.
pub fn take_last_message() -> Option<String> {
    LAST_MESSAGE.with(|last| last.borrow_mut().take())
}
