//! The counters one producer (a worker or the source) keeps about its own work.
//!
//! Each cell has exactly one writer, so counting costs no contention; the
//! sampler sums cells per stage. Counts about the *next* queue (accepted,
//! dropped there) are kept by the producer that pushed, and credited to the
//! next stage when sampled.

use std::sync::atomic::{AtomicU64, Ordering};

use super::time_account::TimeAccount;

/// Counters and time ledger of one worker or of the source.
#[derive(Debug)]
pub struct WorkerStats {
    /// Items taken from the input queue (or, for the source, generated).
    pub taken: AtomicU64,
    /// Items handed into the next queue.
    pub pushed: AtomicU64,
    /// Items of this producer's that the next queue refused (`drop-newest`).
    pub dropped_next: AtomicU64,
    /// Older items this producer pushed out of the next queue (`drop-oldest`).
    pub evicted_next: AtomicU64,
    /// Items handed to the sink (last stage only).
    pub completed: AtomicU64,
    /// Attempts that failed and were tried again.
    pub retried: AtomicU64,
    /// Items given up on after their last attempt.
    pub dead_lettered: AtomicU64,
    /// Times this worker's work crashed and was started afresh.
    pub restarts: AtomicU64,
    pub time: TimeAccount,
}

/// A plain copy of a [`WorkerStats`]' counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerCounts {
    pub taken: u64,
    pub pushed: u64,
    pub dropped_next: u64,
    pub evicted_next: u64,
    pub completed: u64,
    pub retried: u64,
    pub dead_lettered: u64,
    pub restarts: u64,
}

impl WorkerStats {
    pub fn new(now_ns: u64) -> Self {
        Self {
            taken: AtomicU64::new(0),
            pushed: AtomicU64::new(0),
            dropped_next: AtomicU64::new(0),
            evicted_next: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            time: TimeAccount::new(now_ns),
        }
    }

    /// Adds `n` to a counter. Only the owning thread writes, so this is a plain
    /// load and store, published with release ordering.
    #[inline]
    pub fn bump(counter: &AtomicU64, n: u64) {
        counter.store(counter.load(Ordering::Relaxed) + n, Ordering::Release);
    }

    /// Reads every counter.
    pub fn counts(&self) -> WorkerCounts {
        let get = |c: &AtomicU64| c.load(Ordering::Acquire);
        WorkerCounts {
            taken: get(&self.taken),
            pushed: get(&self.pushed),
            dropped_next: get(&self.dropped_next),
            evicted_next: get(&self.evicted_next),
            completed: get(&self.completed),
            retried: get(&self.retried),
            dead_lettered: get(&self.dead_lettered),
            restarts: get(&self.restarts),
        }
    }
}

impl WorkerCounts {
    /// Items this worker holds: taken but not yet passed on, dropped or given up.
    pub fn in_hand(&self) -> u64 {
        self.taken
            .saturating_sub(self.pushed + self.dropped_next + self.completed + self.dead_lettered)
    }

    /// Adds another worker's counts (to fold a retired worker into its stage).
    pub fn add(&mut self, other: &WorkerCounts) {
        self.taken += other.taken;
        self.pushed += other.pushed;
        self.dropped_next += other.dropped_next;
        self.evicted_next += other.evicted_next;
        self.completed += other.completed;
        self.retried += other.retried;
        self.dead_lettered += other.dead_lettered;
        self.restarts += other.restarts;
    }
}
