//! Waiting for what another engine thread will do within microseconds (put
//! an item in a queue, free room in one): look again a few times, yielding
//! the core before each look, and only then block. Yield, not spin: with
//! more threads than cores, the thread waited for may need this very core.
//! Every such wait in the engine is this one helper, then its own blocking
//! call (a `select!`, a condition variable).
//!
//! Yielding pays only where the wait is that short. A thread whose looks
//! keep coming back empty (a slow stage's workers, one of a thousand idle
//! ones) keeps a [`YieldHabit`] and goes straight to blocking, trying the
//! yields again now and then: six `sched_yield` calls per item were a
//! sixth of the CPU of 4096 sleeping workers.

/// How many times a waiting thread yields and looks again before it blocks.
pub const YIELDS: u32 = 6;

/// Yields the core and asks `ready` again, up to [`YIELDS`] times; the
/// first answer it gives, or `None` if it had none (then block). Call it
/// after a first look found nothing.
pub fn yield_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    (0..YIELDS).find_map(|_| {
        std::thread::yield_now();
        ready()
    })
}

/// Consecutive empty yield rounds after which a thread stops yielding.
const MISSES_TO_STOP: u32 = 4;
/// While stopped, every this many waits tries the yields again.
const RETRY_EVERY: u32 = 64;

/// Whether yielding before blocking has been paying off for one thread.
#[derive(Debug, Default)]
pub struct YieldHabit {
    misses: u32,
    waits_since_stop: u32,
}

impl YieldHabit {
    /// [`yield_until`] if yielding has been paying off (or it is time to try
    /// again), else `None` at once: block.
    pub fn yield_until<T>(&mut self, ready: impl FnMut() -> Option<T>) -> Option<T> {
        if self.misses >= MISSES_TO_STOP {
            self.waits_since_stop += 1;
            if self.waits_since_stop < RETRY_EVERY {
                return None;
            }
            self.waits_since_stop = 0;
        }
        let found = yield_until(ready);
        if found.is_some() {
            self.misses = 0;
        } else {
            self.misses = self.misses.saturating_add(1);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_habit_stops_yielding_after_misses_and_tries_again_later() {
        let mut habit = YieldHabit::default();
        let looks = std::cell::Cell::new(0);
        let wait = |habit: &mut YieldHabit| {
            habit.yield_until(|| {
                looks.set(looks.get() + 1);
                None::<()>
            })
        };
        for _ in 0..MISSES_TO_STOP {
            wait(&mut habit);
        }
        assert_eq!(looks.get(), MISSES_TO_STOP * YIELDS);
        // Stopped: no looks, until the retry.
        for _ in 0..RETRY_EVERY - 1 {
            wait(&mut habit);
        }
        assert_eq!(looks.get(), MISSES_TO_STOP * YIELDS);
        wait(&mut habit);
        assert_eq!(looks.get(), (MISSES_TO_STOP + 1) * YIELDS);
        // A hit resets the count of misses: it takes as many again to stop.
        let mut habit = YieldHabit::default();
        for _ in 0..MISSES_TO_STOP - 1 {
            wait(&mut habit);
        }
        assert_eq!(habit.yield_until(|| Some(1)), Some(1));
        looks.set(0);
        for _ in 0..MISSES_TO_STOP {
            wait(&mut habit);
        }
        assert_eq!(looks.get(), MISSES_TO_STOP * YIELDS);
    }

    #[test]
    fn it_stops_at_the_first_answer_and_gives_up_after_the_yields() {
        let mut looks = 0;
        assert_eq!(
            yield_until(|| {
                looks += 1;
                (looks == 3).then_some("ready")
            }),
            Some("ready")
        );
        assert_eq!(looks, 3);
        let mut looks = 0;
        assert_eq!(
            yield_until(|| {
                looks += 1;
                None::<()>
            }),
            None
        );
        assert_eq!(looks, YIELDS);
    }
}
