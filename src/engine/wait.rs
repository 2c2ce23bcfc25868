//! Waiting for what another engine thread will do within microseconds (put
//! an item in a queue, free room in one): look again a few times, yielding
//! the core before each look, and only then block. Yield, not spin: with
//! more threads than cores, the thread waited for may need this very core.
//! Every such wait in the engine is this one helper, then its own blocking
//! call (a `select!`, a condition variable).

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

#[cfg(test)]
mod tests {
    use super::*;

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
