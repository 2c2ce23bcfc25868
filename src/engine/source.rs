//! Where items come from: the [`Source`] trait, with ready-made sources for an
//! iterator and for the simulated payload of scenario pipelines.

/// Produces the items a pipeline processes. The engine decides *when* to
/// ask (the arrival process); the source decides *what* comes next.
pub trait Source: Send + 'static {
    /// The items this source yields, which the first stage takes as input.
    type Item: Send + 'static;

    /// The next item, or `None` when the source is exhausted (the pipeline
    /// then drains and ends).
    fn next_item(&mut self) -> Option<Self::Item>;

    /// The id of the first item. A source resuming from a checkpoint returns
    /// the watermark it resumes at, so ids stay stable across restarts.
    fn first_id(&self) -> u64 {
        0
    }
}

/// A source that yields an iterator's items.
#[derive(Debug)]
pub struct IterSource<I> {
    iter: I,
    first_id: u64,
}

impl<I> IterSource<I> {
    /// Yields `iter`'s items with ids from 0.
    pub fn new(iter: I) -> Self {
        Self { iter, first_id: 0 }
    }

    /// Yields `iter`'s items with ids from `first_id` (e.g. after skipping
    /// that many items to resume from a checkpoint).
    pub fn starting_at(iter: I, first_id: u64) -> Self {
        Self { iter, first_id }
    }
}

impl<I> Source for IterSource<I>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    type Item = I::Item;

    fn next_item(&mut self) -> Option<I::Item> {
        self.iter.next()
    }

    fn first_id(&self) -> u64 {
        self.first_id
    }
}

/// The endless source of a simulated pipeline: items carry no data of their own.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimulatedSource;

impl Source for SimulatedSource {
    type Item = ();

    fn next_item(&mut self) -> Option<()> {
        Some(())
    }
}
