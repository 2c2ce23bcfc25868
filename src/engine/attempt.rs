//! The item and attempt a worker thread is on, for work that draws its
//! randomness from them: a simulated stage's service time and failures then
//! depend on the seed and the item, not on which worker happened to take it,
//! so the same seed fails the same items however the threads are scheduled.

use std::cell::Cell;

thread_local! {
    static CURRENT: Cell<(u64, u32)> = const { Cell::new((0, 0)) };
}

/// Notes that this thread is about to make attempt `attempt` (from 1) at item `id`.
#[inline]
pub(crate) fn begin(id: u64, attempt: u32) {
    CURRENT.with(|c| c.set((id, attempt)));
}

/// The item id and attempt this thread is on.
#[inline]
pub(crate) fn current() -> (u64, u32) {
    CURRENT.with(Cell::get)
}
