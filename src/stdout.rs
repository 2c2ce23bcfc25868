//! Writing results (summaries, listings) to standard output. `print!` panics
//! when the reader has gone away (`pipetop demos | head`); here a closed pipe
//! ends the output quietly, as it does for other Unix tools.

use std::io::{ErrorKind, Write};

/// Writes `text` to standard output. A reader that closed the pipe is not an
/// error; any other failure to write is returned.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
