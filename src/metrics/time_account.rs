//! Per-worker accounting of time spent busy, idle and blocked, lock-free.
//!
//! The worker is the only writer; the sampler reads through a sequence lock, so
//! a worker never waits for the reader. A state still in progress counts up to
//! the moment of reading: a long stall shows at every tick, not only when it ends.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering, fence};

/// What a worker is doing with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum WorkerState {
    /// Processing an item.
    Busy = 0,
    /// Waiting for input.
    Idle = 1,
    /// Waiting to hand an item downstream.
    Blocked = 2,
    /// Gone: no time accrues any more.
    Exited = 3,
}

/// Nanoseconds spent in each state: `[busy, idle, blocked]`.
pub type StateTimes = [u64; 3];

/// One worker's time ledger.
#[derive(Debug)]
pub struct TimeAccount {
    seq: AtomicU64,
    state: AtomicU8,
    since_ns: AtomicU64,
    totals_ns: [AtomicU64; 3],
}

impl TimeAccount {
    /// A ledger that starts idle at `now_ns`.
    pub fn new(now_ns: u64) -> Self {
        Self {
            seq: AtomicU64::new(0),
            state: AtomicU8::new(WorkerState::Idle as u8),
            since_ns: AtomicU64::new(now_ns),
            totals_ns: Default::default(),
        }
    }

    /// Switches to `next` at `now_ns`. Only the owning worker calls this.
    #[inline]
    pub fn enter(&self, next: WorkerState, now_ns: u64) {
        let current = self.state.load(Ordering::Relaxed);
        if current != next as u8 {
            self.switch(current, next, now_ns);
        }
    }

    /// Closes the time of state `current` and opens `next`, under the lock.
    fn switch(&self, current: u8, next: WorkerState, now_ns: u64) {
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        if current < 3 {
            let since = self.since_ns.load(Ordering::Relaxed);
            self.totals_ns[current as usize]
                .fetch_add(now_ns.saturating_sub(since), Ordering::Relaxed);
        }
        self.state.store(next as u8, Ordering::Relaxed);
        self.since_ns.store(now_ns, Ordering::Relaxed);
        self.seq.store(seq + 2, Ordering::Release);
    }

    /// The worker's current state.
    pub fn state(&self) -> WorkerState {
        match self.state.load(Ordering::Acquire) {
            0 => WorkerState::Busy,
            1 => WorkerState::Idle,
            2 => WorkerState::Blocked,
            _ => WorkerState::Exited,
        }
    }

    /// Time in each state up to `now_ns`, including the state in progress.
    pub fn read(&self, now_ns: u64) -> StateTimes {
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let state = self.state.load(Ordering::Relaxed);
            let since = self.since_ns.load(Ordering::Relaxed);
            let mut totals = [0u64; 3];
            for (total, cell) in totals.iter_mut().zip(&self.totals_ns) {
                *total = cell.load(Ordering::Relaxed);
            }
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) != before {
                continue;
            }
            if state < 3 {
                totals[state as usize] += now_ns.saturating_sub(since);
            }
            return totals;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_in_progress_counts_up_to_the_read() {
        let account = TimeAccount::new(0);
        account.enter(WorkerState::Busy, 100);
        account.enter(WorkerState::Blocked, 300);
        // Still blocked: the stall shows before it ends.
        assert_eq!(account.read(1_000), [200, 100, 700]);
        account.enter(WorkerState::Idle, 1_500);
        assert_eq!(account.read(2_000), [200, 600, 1_200]);
    }

    #[test]
    fn exited_worker_stops_accruing() {
        let account = TimeAccount::new(0);
        account.enter(WorkerState::Busy, 0);
        account.enter(WorkerState::Exited, 50);
        assert_eq!(account.read(10_000), [50, 0, 0]);
        assert_eq!(account.state(), WorkerState::Exited);
    }
}
