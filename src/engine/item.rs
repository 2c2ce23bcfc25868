//! An item on its way through the pipeline: the user's payload plus the id
//! and timestamps the engine needs to measure it.

/// One item in a queue or a worker's hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<T> {
    /// Sequential from the source's first id; the checkpoint watermark counts these.
    pub id: u64,
    /// When the arrival process scheduled it (engine ns): end-to-end latency
    /// counts from here, so time spent waiting behind backpressure is not hidden.
    pub born_ns: u64,
    /// When it entered its current queue (engine ns).
    pub enqueued_ns: u64,
    pub payload: T,
}

#[cfg(test)]
impl Item<()> {
    /// An item with only an id, for tests of what moves items around.
    pub fn with_id(id: u64) -> Self {
        Self {
            id,
            born_ns: 0,
            enqueued_ns: 0,
            payload: (),
        }
    }
}
