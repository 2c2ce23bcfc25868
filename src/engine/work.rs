//! What a stage does to one item: the [`Work`] trait, its error type, and the
//! factory that gives every worker (and every restarted worker) its own.

use std::fmt;
use std::sync::Arc;

/// Why one attempt at an item failed. The item is retried, then dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkError {
    message: String,
}

impl WorkError {
    /// An error with this message, shown in the stage's error list (the `e` key).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message, as recorded for the failed attempt.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for WorkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for WorkError {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}

/// One worker's processing of items. It borrows the input so that a failed
/// attempt can be retried with the same item.
pub trait Work<In, Out>: Send {
    /// Processes one item: `Ok` passes the output on; `Err` retries the item
    /// or, on its last attempt, dead-letters it.
    fn process(&mut self, input: &In) -> Result<Out, WorkError>;
}

impl<In, Out, F> Work<In, Out> for F
where
    F: FnMut(&In) -> Result<Out, WorkError> + Send,
{
    fn process(&mut self, input: &In) -> Result<Out, WorkError> {
        self(input)
    }
}

/// Makes a fresh [`Work`] for a worker. The argument identifies the
/// incarnation: the worker's serial (counting every worker a stage started,
/// from 0) in the low 32 bits, and how often it was restarted after a panic
/// in the high bits.
pub type WorkFactory<In, Out> = Arc<dyn Fn(u64) -> Box<dyn Work<In, Out>> + Send + Sync>;
