//! Notes for the person at the terminal (progress lines, events, where a
//! file went), on standard error. `eprintln!` panics when stderr is closed
//! or full (`2>/dev/full`, `2>&1 | head`); a note is best-effort instead, so
//! a run whose stderr is gone still writes its report and summary.

use std::io::Write;

/// Writes `text` and a newline to standard error, if it can.
pub fn note(text: impl AsRef<str>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", text.as_ref());
}
