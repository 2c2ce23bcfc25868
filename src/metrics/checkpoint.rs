//! The checkpoint watermark: the highest id W such that every id below W is
//! finished (completed, dropped or dead-lettered).
//!
//! Finished ids arrive out of order, as runs, from every worker's flush. A
//! bitmap that starts at the watermark holds the finished ids above it; the
//! watermark advances over the leading run of set bits. Memory follows the
//! spread of ids in flight, one bit each.

use std::collections::VecDeque;

/// Tracks finished ids and the watermark below which all are finished.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// Id of bit 0 of `words[0]`; always a multiple of 64.
    base: u64,
    words: VecDeque<u64>,
    watermark: u64,
}

impl Checkpoint {
    /// A checkpoint where every id below `start` is already finished.
    pub fn starting_at(start: u64) -> Self {
        let base = start - start % 64;
        let mut checkpoint = Self {
            base,
            words: VecDeque::new(),
            watermark: start,
        };
        if start > base {
            checkpoint.finish_run(base, start - base);
        }
        checkpoint
    }

    /// Every id below this is finished.
    pub fn watermark(&self) -> u64 {
        self.watermark
    }

    /// Marks ids `start .. start + len` finished.
    pub fn finish_run(&mut self, start: u64, len: u64) {
        let end = start + len;
        let mut id = start.max(self.base);
        while id < end {
            let offset = id - self.base;
            let word = (offset / 64) as usize;
            if word >= self.words.len() {
                self.words.resize(word + 1, 0);
            }
            let bit = offset % 64;
            let span = (64 - bit).min(end - id);
            let mask = if span == 64 {
                u64::MAX
            } else {
                ((1u64 << span) - 1) << bit
            };
            self.words[word] |= mask;
            id += span;
        }
        self.advance();
    }

    fn advance(&mut self) {
        while self.words.front() == Some(&u64::MAX) {
            self.words.pop_front();
            self.base += 64;
        }
        let leading = self.words.front().map_or(0, |w| w.trailing_ones() as u64);
        self.watermark = self.watermark.max(self.base + leading);
    }
}

/// Consecutive finished ids gathered by one thread between flushes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinishedIds {
    /// `(first id, count)` runs, in the order they finished.
    pub runs: Vec<(u64, u64)>,
}

impl FinishedIds {
    /// Notes one finished id, extending the last run when it follows on.
    #[inline]
    pub fn push(&mut self, id: u64) {
        match self.runs.last_mut() {
            Some((start, len)) if *start + *len == id => *len += 1,
            _ => self.runs.push((id, 1)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn watermark_waits_for_the_gap() {
        let mut cp = Checkpoint::default();
        cp.finish_run(0, 10);
        cp.finish_run(11, 200);
        assert_eq!(cp.watermark(), 10);
        cp.finish_run(10, 1);
        assert_eq!(cp.watermark(), 211);
    }

    #[test]
    fn resuming_starts_the_watermark_at_the_offset() {
        let mut cp = Checkpoint::starting_at(1_000);
        assert_eq!(cp.watermark(), 1_000);
        cp.finish_run(1_000, 5);
        assert_eq!(cp.watermark(), 1_005);
    }

    proptest! {
        #[test]
        fn watermark_is_the_first_unfinished_id(order in Just((0u64..500).collect::<Vec<_>>()).prop_shuffle(), cut in 0usize..500) {
            let mut cp = Checkpoint::default();
            let mut last = 0;
            for &id in &order[..cut] {
                cp.finish_run(id, 1);
                prop_assert!(cp.watermark() >= last, "never goes backwards");
                last = cp.watermark();
            }
            let mut done: Vec<u64> = order[..cut].to_vec();
            done.sort_unstable();
            let first_missing = done.iter().enumerate().find(|(i, id)| *i as u64 != **id).map_or(done.len() as u64, |(i, _)| i as u64);
            prop_assert_eq!(cp.watermark(), first_missing);
        }
    }
}
