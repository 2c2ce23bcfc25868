//! A stage's input queue: a crossbeam channel plus the policy that decides
//! what happens when it is full. The policy can change while the run goes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, SendTimeoutError, Sender, TrySendError};

use super::item::Item;
use super::spec::{QueueCapacity, QueuePolicy};

/// How often a blocked producer looks up from its wait (abort, policy change).
const BLOCKED_POLL: Duration = Duration::from_millis(5);

/// What a push did with the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// The item is in the queue.
    Accepted,
    /// The queue was full and the policy dropped this item (its id).
    Dropped(u64),
    /// The run was aborted while the producer waited; the item is gone.
    Aborted,
}

/// What a producer hears about while it pushes.
pub trait PushObserver {
    /// The queue is full under `block`: the wait starts.
    fn blocked(&mut self);
    /// Called every few milliseconds while blocked; false aborts the push.
    fn keep_waiting(&mut self) -> bool;
    /// Under `drop-oldest`, the queued item `id` was dropped to make room.
    fn evicted(&mut self, id: u64);
}

/// Settings of a queue that any thread may read and the controller may change.
#[derive(Debug)]
pub struct QueueControl {
    capacity: Option<usize>,
    policy: AtomicU8,
    /// Set by a producer that found the queue full; cleared by the sampler.
    hit_capacity: AtomicBool,
}

impl QueueControl {
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    pub fn policy(&self) -> QueuePolicy {
        QueuePolicy::ALL[self.policy.load(Ordering::Relaxed) as usize]
    }

    pub fn set_policy(&self, policy: QueuePolicy) {
        let index = QueuePolicy::ALL
            .iter()
            .position(|p| *p == policy)
            .unwrap_or(0);
        self.policy.store(index as u8, Ordering::Relaxed);
    }

    /// Whether a producer found the queue full since the last call.
    pub fn take_hit_capacity(&self) -> bool {
        self.hit_capacity.swap(false, Ordering::Relaxed)
    }
}

/// The consumer's end of a queue.
#[derive(Debug)]
pub struct QueueReader<T> {
    pub rx: Receiver<Item<T>>,
    pub control: Arc<QueueControl>,
}

/// A producer's end of a queue; each producer thread holds its own clone.
#[derive(Debug)]
pub struct QueueWriter<T> {
    tx: Sender<Item<T>>,
    /// For `drop-oldest`: the producer takes the oldest item out itself.
    evict: Receiver<Item<T>>,
    control: Arc<QueueControl>,
}

impl<T> Clone for QueueWriter<T> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            evict: self.evict.clone(),
            control: self.control.clone(),
        }
    }
}

/// A new queue with the given bound and starting policy.
pub fn queue<T>(capacity: QueueCapacity, policy: QueuePolicy) -> (QueueWriter<T>, QueueReader<T>) {
    let (tx, rx) = match capacity {
        QueueCapacity::Bounded(n) => crossbeam_channel::bounded(n),
        QueueCapacity::Unbounded => crossbeam_channel::unbounded(),
    };
    let control = Arc::new(QueueControl {
        capacity: capacity.bound(),
        policy: AtomicU8::new(0),
        hit_capacity: AtomicBool::new(false),
    });
    control.set_policy(policy);
    (
        QueueWriter {
            tx,
            evict: rx.clone(),
            control: control.clone(),
        },
        QueueReader { rx, control },
    )
}

impl<T> QueueWriter<T> {
    /// Offers `item` under the queue's current policy, which is read again
    /// on every retry so a policy switch frees a blocked producer.
    pub fn push(&self, item: Item<T>, observer: &mut impl PushObserver) -> Pushed {
        let mut item = match self.tx.try_send(item) {
            Ok(()) => return Pushed::Accepted,
            Err(TrySendError::Full(item)) => item,
            // Consumers are gone only when the run is being torn down.
            Err(TrySendError::Disconnected(_)) => return Pushed::Aborted,
        };
        self.control.hit_capacity.store(true, Ordering::Relaxed);
        let mut blocked = false;
        loop {
            match self.control.policy() {
                QueuePolicy::DropNewest => return Pushed::Dropped(item.id),
                QueuePolicy::DropOldest => {
                    if let Ok(oldest) = self.evict.try_recv() {
                        observer.evicted(oldest.id);
                    }
                    match self.tx.try_send(item) {
                        Ok(()) => return Pushed::Accepted,
                        Err(TrySendError::Full(back)) => item = back,
                        Err(TrySendError::Disconnected(_)) => return Pushed::Aborted,
                    }
                }
                QueuePolicy::Block => {
                    if !blocked {
                        blocked = true;
                        observer.blocked();
                    }
                    match self.tx.send_timeout(item, BLOCKED_POLL) {
                        Ok(()) => return Pushed::Accepted,
                        Err(SendTimeoutError::Timeout(back)) => {
                            if !observer.keep_waiting() {
                                return Pushed::Aborted;
                            }
                            item = back;
                        }
                        Err(SendTimeoutError::Disconnected(_)) => return Pushed::Aborted,
                    }
                }
            }
        }
    }
}
