//! A worker's *hand*: the items it has taken from its queue and not yet
//! started, oldest first. It keeps the batches as they came out of the
//! queue and walks through them, so taking a batch moves no items.

use std::collections::VecDeque;

use super::batch::{Batch, BatchItems};
use super::item::Item;

/// Items taken and not yet started.
pub struct Hand<T> {
    batches: VecDeque<BatchItems<T>>,
    len: usize,
}

impl<T> Hand<T> {
    pub fn new() -> Self {
        Self {
            batches: VecDeque::with_capacity(4),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Takes `batch` in behind what the hand holds.
    #[inline]
    pub fn take(&mut self, batch: Batch<T>) {
        self.len += batch.len();
        self.batches.push_back(batch.into_iter());
    }

    /// The oldest item, to start now.
    #[inline]
    pub fn next(&mut self) -> Option<Item<T>> {
        loop {
            let front = self.batches.front_mut()?;
            if let Some(item) = front.next() {
                self.len -= 1;
                return Some(item);
            }
            self.batches.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_the_order_their_batches_went_in() {
        let mut hand = Hand::new();
        hand.take(Batch::Many((1..4).map(Item::with_id).collect()));
        hand.take(Batch::One(Item::with_id(4)));
        hand.take(Batch::Many((5..7).map(Item::with_id).collect()));
        assert_eq!(hand.len(), 6);
        let mut ids = Vec::new();
        while let Some(item) = hand.next() {
            ids.push(item.id);
        }
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
        assert!(hand.is_empty());
        assert!(hand.next().is_none());
    }
}
