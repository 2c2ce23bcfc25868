//! How the controller learns that engine threads have ended: a group (one
//! stage's workers, or the source) counts its live threads, and each thread,
//! as the last thing it does, takes itself off the count and wakes the
//! controller. A drain therefore moves on the moment a stage empties, not at
//! the next poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossbeam_channel::Sender;

/// The live threads of one group, as the controller sees them.
#[derive(Debug, Clone)]
pub struct LiveThreads {
    live: Arc<AtomicUsize>,
    wake: Sender<()>,
}

impl LiveThreads {
    /// An empty group whose exits wake the receiver of `wake`.
    pub fn new(wake: Sender<()>) -> Self {
        Self {
            live: Arc::new(AtomicUsize::new(0)),
            wake,
        }
    }

    /// Counts one more thread; the thread holds the returned notice and
    /// drops it when it ends.
    pub fn enlist(&self) -> ExitNotice {
        self.live.fetch_add(1, Ordering::AcqRel);
        ExitNotice(self.clone())
    }

    /// Threads enlisted and not yet ended. Once it reads 0, joining the
    /// group's threads waits only for them to unwind their last frames.
    pub fn count(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }
}

/// Held by a running thread; dropping it (on any way out, a panic included)
/// takes the thread off its group's count and wakes the controller.
#[derive(Debug)]
pub struct ExitNotice(LiveThreads);

impl Drop for ExitNotice {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
        // The controller outlives every thread; if it is gone, nobody waits.
        let _ = self.0.wake.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_exit_lowers_the_count_and_wakes_the_controller() {
        let (wake, woken) = crossbeam_channel::unbounded();
        let group = LiveThreads::new(wake);
        let first = group.enlist();
        let second = group.enlist();
        assert_eq!(group.count(), 2);
        drop(first);
        assert_eq!(group.count(), 1);
        assert_eq!(woken.try_recv(), Ok(()));
        let thread = std::thread::spawn(move || {
            let _notice = second;
            panic!("a thread that dies still says so");
        });
        assert!(thread.join().is_err());
        assert_eq!(group.count(), 0);
        assert_eq!(woken.try_recv(), Ok(()));
        assert!(woken.try_recv().is_err());
    }
}
