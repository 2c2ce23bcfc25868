//! What went wrong in a stage: the last dead letters (items given up on) and
//! the last failed attempts, with their causes. Written only on the failure
//! path, read by the controller when it changed: never on the hot path.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::model::failure::{DEAD_LETTERS_KEPT, DeadLetter, FAILURES_KEPT, Failure, FailureView};

#[derive(Debug, Default)]
struct Kept {
    dead_letters: VecDeque<DeadLetter>,
    recent: VecDeque<Failure>,
}

/// A stage's failure records.
#[derive(Debug, Default)]
pub struct Failures {
    stage: String,
    kept: Mutex<Kept>,
    /// Bumped on every record, so readers copy only when something changed.
    version: AtomicU64,
}

fn push_bounded<T>(list: &mut VecDeque<T>, item: T, bound: usize) {
    if list.len() == bound {
        list.pop_front();
    }
    list.push_back(item);
}

impl Failures {
    pub fn new(stage: impl Into<String>) -> Self {
        Self {
            stage: stage.into(),
            ..Self::default()
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a failed attempt.
    pub fn attempt_failed(&self, failure: Failure) {
        push_bounded(&mut self.kept().recent, failure, FAILURES_KEPT);
        self.version.fetch_add(1, Ordering::Release);
    }

    /// Notes an item given up on.
    pub fn dead_lettered(&self, id: u64, attempts: u32, t_s: f64, error: &str) {
        let letter = DeadLetter {
            id,
            stage: self.stage.clone(),
            attempts,
            t_s,
            error: error.to_string(),
        };
        push_bounded(&mut self.kept().dead_letters, letter, DEAD_LETTERS_KEPT);
        self.version.fetch_add(1, Ordering::Release);
    }

    /// Changes with every record.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// A copy of what is kept.
    pub fn view(&self) -> FailureView {
        let kept = self.kept();
        FailureView {
            dead_letters: Arc::new(kept.dead_letters.iter().cloned().collect()),
            recent: Arc::new(kept.recent.iter().cloned().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_hundred_dead_letters() {
        let failures = Failures::new("store");
        for id in 0..150 {
            failures.dead_lettered(id, 3, 0.0, "boom");
        }
        let view = failures.view();
        assert_eq!(view.dead_letters.len(), DEAD_LETTERS_KEPT);
        assert_eq!(view.dead_letters.first().unwrap().id, 50);
        assert_eq!(failures.version(), 150);
    }
}
