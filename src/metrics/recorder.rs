//! What a worker records on its own thread between flushes: latency
//! tallies (hdrhistogram's buckets, see [`latency_tally`](super::latency_tally))
//! and finished ids. At a fixed interval it hands them to the sampler as one
//! small [`Flush`] message (the non-zero buckets; the worker keeps and reuses
//! its arrays), so recording shares no lock with anyone and moves no big
//! buffers.
//! (We merge per-worker histograms at the tick rather than use
//! hdrhistogram's `SyncHistogram`, whose refresh waits on idle recorders.)

use crossbeam_channel::Sender;

use super::checkpoint::FinishedIds;
use super::latency::LatencyCounts;
use super::latency_tally::LatencyTally;

/// Who sent a flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushOrigin {
    Source,
    Stage(usize),
}

/// Everything one thread recorded since its last flush.
#[derive(Debug, Default)]
pub struct Recorded {
    pub service: LatencyTally,
    pub wait: LatencyTally,
    pub end_to_end: LatencyTally,
    pub finished: FinishedIds,
}

impl Recorded {
    fn is_empty(&self) -> bool {
        self.service.is_empty()
            && self.wait.is_empty()
            && self.end_to_end.is_empty()
            && self.finished.is_empty()
    }
}

/// One batch of recordings on its way to the sampler.
#[derive(Debug)]
pub struct Flush {
    pub origin: FlushOrigin,
    pub service: LatencyCounts,
    pub wait: LatencyCounts,
    pub end_to_end: LatencyCounts,
    pub finished: FinishedIds,
}

/// A thread's local recordings and when to hand them over.
#[derive(Debug)]
pub struct Recorder {
    origin: FlushOrigin,
    every_ns: u64,
    next_flush_ns: u64,
    pub now: Recorded,
    tx: Sender<Flush>,
}

impl Recorder {
    /// A recorder that flushes to `tx` every `every_ns` nanoseconds.
    pub fn new(origin: FlushOrigin, every_ns: u64, now_ns: u64, tx: Sender<Flush>) -> Self {
        Self {
            origin,
            every_ns,
            next_flush_ns: now_ns + every_ns,
            now: Recorded::default(),
            tx,
        }
    }

    /// When the next flush is due, in engine nanoseconds.
    pub fn next_flush_ns(&self) -> u64 {
        self.next_flush_ns
    }

    /// Whether anything was recorded since the last flush.
    pub fn has_pending(&self) -> bool {
        !self.now.is_empty()
    }

    /// Flushes if the interval has passed.
    #[inline]
    pub fn flush_if_due(&mut self, now_ns: u64) {
        if now_ns >= self.next_flush_ns {
            self.flush(now_ns);
        }
    }

    /// Hands over everything recorded so far.
    pub fn flush(&mut self, now_ns: u64) {
        self.next_flush_ns = now_ns + self.every_ns;
        if self.now.is_empty() {
            return;
        }
        let flush = Flush {
            origin: self.origin,
            service: self.now.service.take_counts(),
            wait: self.now.wait.take_counts(),
            end_to_end: self.now.end_to_end.take_counts(),
            finished: std::mem::take(&mut self.now.finished),
        };
        // The sampler outlives every worker; if it is gone the run is over.
        let _ = self.tx.send(flush);
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.flush(self.next_flush_ns);
    }
}
