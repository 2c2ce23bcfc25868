//! What travels through a queue: one item, or a run of items that a
//! producer passes on together (one channel operation for up to
//! [`BATCH_MAX`] items instead of one each). A batch counts as its items
//! everywhere: the queue's capacity, `queue_len`, the policies, the counters.
//!
//! How many items a batch may hold is the consumers' call: as many as they
//! serve in about [`BATCH_WORK_NS`] at their last item's pace
//! ([`batch_size_for`]), since one worker takes a batch whole. Slow stages,
//! and every stage until its consumers have measured an item, send and take
//! one item at a time.

use std::mem;

use super::item::Item;

/// The most items a producer passes on in one batch.
pub const BATCH_MAX: usize = 64;

/// About how much work, in the consumers' service time, one batch holds: a
/// worker takes a batch whole, so it must not keep much from an idle colleague.
pub const BATCH_WORK_NS: u64 = 32_000;

/// Items per batch for consumers whose last item took `service_ns`: as many
/// as fit in [`BATCH_WORK_NS`], at most [`BATCH_MAX`], rounded down to a
/// power of two so the figure the consumers publish changes only when their
/// pace does. 1 (no batches) for items of 16 µs or more.
#[inline]
pub fn batch_size_for(service_ns: u64) -> usize {
    // Called for every item: the common cases cost a comparison, not a
    // division.
    if service_ns <= BATCH_WORK_NS / BATCH_MAX as u64 {
        return BATCH_MAX;
    }
    if service_ns > BATCH_WORK_NS / 2 {
        return 1;
    }
    let fit = (BATCH_WORK_NS / service_ns) as usize; // 2 ..= BATCH_MAX
    1 << (usize::BITS - 1 - fit.leading_zeros())
}

/// One item, or several in the order they were produced.
#[derive(Debug)]
pub enum Batch<T> {
    One(Item<T>),
    Many(Vec<Item<T>>),
}

impl<T> Batch<T> {
    /// How many items it carries (at least one).
    pub fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(items) => items.len(),
        }
    }

    /// The items, oldest first.
    pub fn items(&self) -> &[Item<T>] {
        match self {
            Self::One(item) => std::slice::from_ref(item),
            Self::Many(items) => items,
        }
    }

    /// Marks every item as admitted into a queue at `now_ns`: its wait
    /// there runs from here.
    #[inline]
    pub fn admit_at(&mut self, now_ns: u64) {
        match self {
            Self::One(item) => item.enqueued_ns = now_ns,
            Self::Many(items) => items.iter_mut().for_each(|item| item.enqueued_ns = now_ns),
        }
    }

    /// The items gathered in `buffer`, leaving it empty. A single item moves
    /// out alone, so the buffer keeps its memory for the next gathering.
    pub fn take_from(buffer: &mut Vec<Item<T>>) -> Self {
        if buffer.len() == 1
            && let Some(item) = buffer.pop()
        {
            return Self::One(item);
        }
        Self::Many(mem::replace(buffer, Vec::with_capacity(BATCH_MAX)))
    }

    /// The items as a vector (allocating for a single one).
    pub fn into_vec(self) -> Vec<Item<T>> {
        match self {
            Self::One(item) => vec![item],
            Self::Many(items) => items,
        }
    }
}

impl<T> IntoIterator for Batch<T> {
    type Item = Item<T>;
    type IntoIter = BatchItems<T>;

    fn into_iter(self) -> BatchItems<T> {
        match self {
            Self::One(item) => BatchItems::One(Some(item)),
            Self::Many(items) => BatchItems::Many(items.into_iter()),
        }
    }
}

/// The items of a [`Batch`], oldest first.
pub enum BatchItems<T> {
    One(Option<Item<T>>),
    Many(std::vec::IntoIter<Item<T>>),
}

impl<T> Iterator for BatchItems<T> {
    type Item = Item<T>;

    fn next(&mut self) -> Option<Item<T>> {
        match self {
            Self::One(item) => item.take(),
            Self::Many(items) => items.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(batch: Batch<()>) -> Vec<u64> {
        batch.into_iter().map(|i| i.id).collect()
    }

    #[test]
    fn a_single_item_leaves_the_buffer_its_memory() {
        let mut buffer = Vec::with_capacity(BATCH_MAX);
        buffer.push(Item::with_id(7));
        let batch = Batch::take_from(&mut buffer);
        assert!(matches!(batch, Batch::One(_)));
        assert_eq!((buffer.len(), buffer.capacity()), (0, BATCH_MAX));
        assert_eq!(ids(batch), [7]);
    }

    #[test]
    fn a_batch_holds_about_32_microseconds_of_the_consumers_work() {
        assert_eq!(batch_size_for(0), BATCH_MAX);
        assert_eq!(batch_size_for(40), BATCH_MAX, "zero-work items");
        assert_eq!(batch_size_for(1_000), 32);
        assert_eq!(batch_size_for(1_100), 16, "29 fit: rounded down");
        assert_eq!(batch_size_for(10_000), 2);
        assert_eq!(batch_size_for(16_000), 2);
        assert_eq!(batch_size_for(16_001), 1);
        assert_eq!(batch_size_for(2_000_000), 1, "the demos' stages");
    }

    #[test]
    fn several_items_keep_their_order() {
        let mut buffer: Vec<_> = (3..6).map(Item::with_id).collect();
        let batch = Batch::take_from(&mut buffer);
        assert_eq!(batch.len(), 3);
        assert!(buffer.is_empty());
        assert_eq!(ids(batch), [3, 4, 5]);
        assert_eq!(Batch::One(Item::with_id(1)).into_vec().len(), 1);
    }
}
