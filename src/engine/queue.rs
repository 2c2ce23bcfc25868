//! A stage's input queue: a crossbeam channel of [`Batch`]es, the item-level
//! bound those batches share ([`Room`]), and the policy that decides what
//! happens when it is full. The policy can change while the run goes on.
//!
//! Producers send batches only as large as the queue's consumers ask for
//! ([`QueueWriter::batch_items`]): one item at a time to slow consumers, so
//! a slow stage's idle worker is never kept from an item a colleague holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use super::batch::Batch;
use super::item::Item;
use super::queue_room::Room;
use super::wait;
use crate::model::spec::{QueueCapacity, QueuePolicy};

/// How often a blocked producer looks up from its wait (abort, policy change).
const BLOCKED_POLL: Duration = Duration::from_millis(5);

/// What a push did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Items now in the queue; the rest were dropped (each reported to the
    /// observer) or, if `aborted`, lost with the run.
    pub accepted: u64,
    /// The run was aborted (or torn down) while the producer waited.
    pub aborted: bool,
}

/// What a producer hears about while it pushes.
pub trait PushObserver {
    /// The engine's clock: items are admitted (and their wait starts) at
    /// the reading taken when they go in.
    fn now_ns(&mut self) -> u64;
    /// The queue is full under `block`: the wait starts.
    fn blocked(&mut self);
    /// Called every few milliseconds while blocked, with how many of the
    /// producer's items still wait to go in and the oldest one's birth;
    /// false aborts the push.
    fn keep_waiting(&mut self, waiting: usize, oldest_born_ns: u64) -> bool;
    /// Under `drop-newest`, the queue refused this producer's item `id`.
    fn dropped(&mut self, id: u64);
    /// Under `drop-oldest`, the queued item `id` was dropped to make room.
    fn evicted(&mut self, id: u64);
}

/// Settings and gauges of a queue that any thread may read and the
/// controller may change.
#[derive(Debug)]
pub struct QueueControl {
    room: Room,
    policy: AtomicU8,
    /// Set by a producer that found the queue full; cleared by the sampler.
    hit_capacity: AtomicBool,
    /// Items per batch the consumers ask for (1: one at a time).
    batch_items: AtomicUsize,
}

impl QueueControl {
    pub fn capacity(&self) -> Option<usize> {
        self.room.capacity()
    }

    /// Items waiting in the queue now.
    pub fn len(&self) -> usize {
        self.room.len()
    }

    #[inline]
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

    /// Items per batch the consumers ask for (see [`batch_size_for`]).
    ///
    /// [`batch_size_for`]: super::batch::batch_size_for
    #[inline]
    pub fn batch_items(&self) -> usize {
        self.batch_items.load(Ordering::Relaxed)
    }

    /// Consumers say how many items a batch should hold (written only when
    /// it changes: producers read it for every batch).
    #[inline]
    pub fn set_batch_items(&self, items: usize) {
        if self.batch_items.load(Ordering::Relaxed) != items {
            self.batch_items.store(items, Ordering::Relaxed);
        }
    }
}

/// The consumers' end of a queue; each worker holds its own clone.
#[derive(Debug)]
pub struct QueueReader<T> {
    rx: Receiver<Batch<T>>,
    pub control: Arc<QueueControl>,
}

impl<T> Clone for QueueReader<T> {
    fn clone(&self) -> Self {
        Self {
            rx: self.rx.clone(),
            control: self.control.clone(),
        }
    }
}

impl<T> QueueReader<T> {
    /// The oldest batch, if one is queued (`Disconnected` once the queue is
    /// drained and every producer is gone); it leaves the queue at `now_ns`.
    #[inline]
    pub fn try_take(&self, now_ns: u64) -> Result<Batch<T>, TryRecvError> {
        self.rx.try_recv().map(|batch| self.took(batch, now_ns))
    }

    /// The channel, to wait on in a `select!`: whatever it gives must go
    /// through [`Self::took`].
    pub fn receiver(&self) -> &Receiver<Batch<T>> {
        &self.rx
    }

    /// Accounts a batch received from [`Self::receiver`] at `now_ns`: its
    /// room is free, and its items' wait here ends.
    #[inline]
    pub fn took(&self, batch: Batch<T>, now_ns: u64) -> Batch<T> {
        self.control.room.release(batch.len(), now_ns);
        batch
    }

    /// The area under this queue's length curve up to `now_ns` (see
    /// [`Room::length_integral`]).
    pub fn length_integral(&self, now_ns: u64) -> u64 {
        self.control.room.length_integral(now_ns)
    }
}

/// A producer's end of a queue; each producer thread holds its own clone.
#[derive(Debug)]
pub struct QueueWriter<T> {
    tx: Sender<Batch<T>>,
    /// For `drop-oldest`: the producer takes the oldest batch out itself.
    evict: Receiver<Batch<T>>,
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
    // The bound is the room's, counted in items; the channel underneath is
    // a growable list, so a queue's memory follows what it holds, not its
    // bound (a bounded channel allocates every slot up front: 380 MiB for
    // `queue = 10000000` before the run started).
    let (tx, rx) = crossbeam_channel::unbounded();
    let control = Arc::new(QueueControl {
        room: Room::new(capacity.bound()),
        policy: AtomicU8::new(0),
        hit_capacity: AtomicBool::new(false),
        batch_items: AtomicUsize::new(1),
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
    /// The most items to pass on in one batch: what the consumers ask for
    /// ([`QueueControl::batch_items`]), and 1 into a `drop-oldest` queue (an
    /// eviction takes items from the oldest batch only).
    #[inline]
    pub fn batch_items(&self) -> usize {
        if self.control.policy() == QueuePolicy::DropOldest {
            1
        } else {
            self.control.batch_items()
        }
    }

    /// Offers `batch` under the queue's current policy, which is read again
    /// on every retry so a policy switch frees a blocked producer. What
    /// fits goes in at once, oldest items first; the rest is dropped, makes
    /// room by eviction, or waits, as the policy says.
    /// Each item's wait in the queue runs from the moment it goes in, not
    /// from when the producer first offered it: time spent blocked before
    /// that is the producer's.
    pub fn push(&self, mut batch: Batch<T>, observer: &mut impl PushObserver) -> Pushed {
        let wanted = batch.len();
        let got = self.control.room.reserve(wanted);
        if got == wanted {
            let now = observer.now_ns();
            batch.admit_at(now);
            self.control.room.admitted(wanted, now);
            let aborted = self.tx.send(batch).is_err();
            return Pushed {
                accepted: if aborted { 0 } else { wanted as u64 },
                aborted,
            };
        }
        self.control.hit_capacity.store(true, Ordering::Relaxed);
        let mut waiting = batch.into_vec();
        let mut pushed = Pushed {
            accepted: 0,
            aborted: false,
        };
        let mut blocked = false;
        let mut reserved = got;
        // Items at the front of `waiting` that an eviction took out of the
        // queue and put back: not this producer's, so not counted as its own.
        let mut requeued = 0;
        loop {
            if reserved > 0 {
                let mut front: Vec<_> = waiting.drain(..reserved).collect();
                // Items an eviction put back keep the time they first went in.
                let now = observer.now_ns();
                for item in front.iter_mut().skip(requeued) {
                    item.enqueued_ns = now;
                }
                self.control.room.admitted(reserved, now);
                if self.tx.send(Batch::take_from(&mut front)).is_err() {
                    pushed.aborted = true;
                    return pushed;
                }
                pushed.accepted += reserved.saturating_sub(requeued) as u64;
                requeued = requeued.saturating_sub(reserved);
            }
            if waiting.is_empty() {
                return pushed;
            }
            reserved = match self.control.policy() {
                QueuePolicy::DropNewest => {
                    for (index, item) in waiting.into_iter().enumerate() {
                        if index < requeued {
                            observer.evicted(item.id);
                        } else {
                            observer.dropped(item.id);
                        }
                    }
                    return pushed;
                }
                QueuePolicy::DropOldest => {
                    requeued += self.evict_for(&mut waiting, observer);
                    self.control.room.reserve(waiting.len())
                }
                QueuePolicy::Block => {
                    if !blocked {
                        blocked = true;
                        observer.blocked();
                    }
                    let got = self.wait_for_room(waiting.len());
                    if got == 0 && !observer.keep_waiting(waiting.len(), waiting[0].born_ns) {
                        pushed.aborted = true;
                        return pushed;
                    }
                    got
                }
            };
        }
    }

    /// Room for up to `wanted` items once consumers free some: yielding a
    /// few times (room is often freed within microseconds, see
    /// [`wait`]), then asleep until woken or
    /// [`BLOCKED_POLL`] passes (0 then).
    fn wait_for_room(&self, wanted: usize) -> usize {
        let room = &self.control.room;
        wait::yield_until(|| Some(room.reserve(wanted)).filter(|&got| got > 0))
            .unwrap_or_else(|| room.wait_to_reserve(wanted, BLOCKED_POLL))
    }

    /// Under `drop-oldest`: takes the oldest batch out of the queue and drops
    /// as many of its items, oldest first, as `waiting` needs room for. Any
    /// items of that batch left over go back in ahead of `waiting`, behind
    /// what is queued; returns how many. Only a batch queued before a switch
    /// to `drop-oldest` can hold more than the room needed: producers do not
    /// batch into such a queue.
    fn evict_for(&self, waiting: &mut Vec<Item<T>>, observer: &mut impl PushObserver) -> usize {
        let Ok(oldest) = self.evict.try_recv() else {
            return 0; // consumers emptied it meanwhile: there is room now
        };
        self.control.room.release(oldest.len(), observer.now_ns());
        let mut oldest = oldest.into_vec();
        let evicted = waiting.len().min(oldest.len());
        for item in oldest.drain(..evicted) {
            observer.evicted(item.id);
        }
        let requeued = oldest.len();
        oldest.append(waiting);
        *waiting = oldest;
        requeued
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Records what a producer hears.
    #[derive(Default)]
    struct Heard {
        blocked: usize,
        dropped: Vec<u64>,
        evicted: Vec<u64>,
    }

    impl PushObserver for Heard {
        fn now_ns(&mut self) -> u64 {
            0
        }
        fn blocked(&mut self) {
            self.blocked += 1;
        }
        fn keep_waiting(&mut self, _: usize, _: u64) -> bool {
            true
        }
        fn dropped(&mut self, id: u64) {
            self.dropped.push(id);
        }
        fn evicted(&mut self, id: u64) {
            self.evicted.push(id);
        }
    }

    fn items(ids: impl IntoIterator<Item = u64>) -> Batch<()> {
        let mut items: Vec<_> = ids.into_iter().map(Item::with_id).collect();
        Batch::take_from(&mut items)
    }

    fn bounded(capacity: usize, policy: QueuePolicy) -> (QueueWriter<()>, QueueReader<()>) {
        queue(QueueCapacity::Bounded(capacity), policy)
    }

    /// Every id left in the queue, oldest first.
    fn drain(reader: &QueueReader<()>) -> Vec<u64> {
        let mut ids = Vec::new();
        while let Ok(batch) = reader.try_take(0) {
            ids.extend(batch.into_iter().map(|item| item.id));
        }
        ids
    }

    #[test]
    fn a_batch_counts_as_its_items() {
        let (writer, reader) = bounded(10, QueuePolicy::Block);
        let pushed = writer.push(items(0..4), &mut Heard::default());
        assert_eq!(
            pushed,
            Pushed {
                accepted: 4,
                aborted: false
            }
        );
        assert_eq!(reader.control.len(), 4);
        assert_eq!(reader.try_take(0).expect("queued").len(), 4);
        assert_eq!(reader.control.len(), 0);
    }

    #[test]
    fn drop_newest_takes_what_fits_and_drops_the_newest_of_the_rest() {
        let (writer, reader) = bounded(5, QueuePolicy::DropNewest);
        let mut heard = Heard::default();
        writer.push(items(0..3), &mut heard);
        let pushed = writer.push(items(10..14), &mut heard);
        assert_eq!(pushed.accepted, 2);
        assert_eq!(heard.dropped, [12, 13]);
        assert_eq!(reader.control.len(), 5, "never beyond the bound");
        assert!(reader.control.take_hit_capacity());
        assert_eq!(drain(&reader), [0, 1, 2, 10, 11]);
    }

    #[test]
    fn drop_oldest_evicts_only_the_room_needed_from_the_oldest_batch() {
        let (writer, reader) = bounded(6, QueuePolicy::Block);
        let mut heard = Heard::default();
        writer.push(items(0..4), &mut heard);
        writer.push(items([4]), &mut heard);
        writer.push(items([5]), &mut heard);
        reader.control.set_policy(QueuePolicy::DropOldest);
        let pushed = writer.push(items([10, 11]), &mut heard);
        assert_eq!(pushed.accepted, 2, "only this producer's own items");
        assert_eq!(heard.evicted, [0, 1]);
        assert!(heard.dropped.is_empty());
        assert_eq!(reader.control.len(), 6);
        // The rest of the evicted batch went back in, behind what was queued.
        assert_eq!(drain(&reader), [4, 5, 2, 3, 10, 11]);
    }

    #[test]
    fn a_blocked_producer_delivers_a_whole_batch_in_order_as_room_frees() {
        let (writer, reader) = bounded(3, QueuePolicy::Block);
        let producer = std::thread::spawn(move || {
            let mut heard = Heard::default();
            let pushed = writer.push(items(0..10), &mut heard);
            (pushed, heard.blocked)
        });
        let mut ids = Vec::new();
        while ids.len() < 10 {
            let batch = reader
                .receiver()
                .recv_timeout(Duration::from_secs(10))
                .expect("the producer delivers");
            let batch = reader.took(batch, 0);
            assert!(reader.control.len() <= 3);
            ids.extend(batch.into_iter().map(|item| item.id));
        }
        let (pushed, blocked) = producer.join().expect("producer");
        assert_eq!(
            pushed,
            Pushed {
                accepted: 10,
                aborted: false
            }
        );
        assert_eq!(blocked, 1, "one wait, however many times it woke");
        assert_eq!(ids, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn producers_batch_as_the_consumers_ask_except_into_drop_oldest() {
        let (writer, reader) = bounded(8, QueuePolicy::Block);
        assert_eq!(writer.batch_items(), 1, "not until the consumers ask");
        reader.control.set_batch_items(16);
        assert_eq!(writer.batch_items(), 16);
        reader.control.set_policy(QueuePolicy::DropNewest);
        assert_eq!(writer.batch_items(), 16);
        reader.control.set_policy(QueuePolicy::DropOldest);
        assert_eq!(writer.batch_items(), 1);
    }

    #[test]
    fn an_unbounded_queue_takes_every_batch() {
        let (writer, reader) = queue::<()>(QueueCapacity::Unbounded, QueuePolicy::Block);
        for start in (0..1000).step_by(10) {
            let pushed = writer.push(items(start..start + 10), &mut Heard::default());
            assert_eq!(pushed.accepted, 10);
        }
        assert_eq!(reader.control.len(), 1000);
        assert_eq!(drain(&reader), (0..1000).collect::<Vec<_>>());
    }
}
