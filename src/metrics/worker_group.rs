//! The workers of one stage (or the source thread) as the sampler sees them:
//! their summed counters, and the time they spent busy, idle and blocked
//! since the last sample. Workers that exited are folded into the totals.

use std::sync::Arc;

use crossbeam_utils::CachePadded;

use super::time_account::{StateTimes, WorkerState};
use super::worker_stats::{WorkerCounts, WorkerStats};

/// A worker's stats cell, shared between the worker (writer) and the sampler.
pub type SharedWorkerStats = Arc<CachePadded<WorkerStats>>;

#[derive(Debug)]
struct Tracked {
    stats: SharedWorkerStats,
    seen: StateTimes,
}

/// One sample of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupSample {
    /// Counters summed over live and exited workers, since the start.
    pub counts: WorkerCounts,
    /// Items in live workers' hands.
    pub in_hand: u64,
    /// Nanoseconds spent busy / idle / blocked since the previous sample.
    pub time: StateTimes,
    /// Workers still running.
    pub live: usize,
}

impl GroupSample {
    /// Busy, idle and blocked as fractions that sum to 1 (all idle when no
    /// worker time passed, e.g. a stage with no workers).
    pub fn fractions(&self) -> (f64, f64, f64) {
        let total: u64 = self.time.iter().sum();
        if total == 0 {
            return (0.0, 1.0, 0.0);
        }
        let t = total as f64;
        let busy = self.time[0] as f64 / t;
        let blocked = self.time[2] as f64 / t;
        (busy, 1.0 - busy - blocked, blocked)
    }
}

/// The sampler's view of a set of workers.
#[derive(Debug, Default)]
pub struct WorkerGroup {
    live: Vec<Tracked>,
    exited: WorkerCounts,
}

impl WorkerGroup {
    /// Starts tracking a new worker.
    pub fn track(&mut self, stats: SharedWorkerStats) {
        self.live.push(Tracked {
            stats,
            seen: [0; 3],
        });
    }

    /// Items taken (for the source: generated) so far, live and exited
    /// workers together. Reads no time, so it can be read last.
    pub fn taken(&self) -> u64 {
        self.exited.taken
            + self
                .live
                .iter()
                .map(|w| w.stats.taken.load(std::sync::atomic::Ordering::Acquire))
                .sum::<u64>()
    }

    /// Reads every worker at `now_ns`, folding in those that exited.
    pub fn sample(&mut self, now_ns: u64) -> GroupSample {
        let mut sample = GroupSample::default();
        let exited = &mut self.exited;
        self.live.retain_mut(|worker| {
            let gone = worker.stats.time.state() == WorkerState::Exited;
            let counts = worker.stats.counts();
            let times = worker.stats.time.read(now_ns);
            for ((delta, now), seen) in sample.time.iter_mut().zip(times).zip(&mut worker.seen) {
                *delta += now.saturating_sub(*seen);
                *seen = (*seen).max(now);
            }
            if gone {
                exited.add(&counts);
            } else {
                sample.counts.add(&counts);
                sample.in_hand += counts.in_hand();
                sample.live += 1;
            }
            !gone
        });
        sample.counts.add(exited);
        sample
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exited_workers_keep_their_counts() {
        let mut group = WorkerGroup::default();
        let stats: SharedWorkerStats = Arc::new(CachePadded::new(WorkerStats::new(0)));
        group.track(stats.clone());
        WorkerStats::bump(&stats.taken, 5);
        WorkerStats::bump(&stats.pushed, 3);
        stats.time.enter(WorkerState::Busy, 0);
        let first = group.sample(100);
        assert_eq!((first.live, first.in_hand, first.counts.pushed), (1, 2, 3));
        assert_eq!(first.time, [100, 0, 0]);
        WorkerStats::bump(&stats.pushed, 2);
        stats.time.enter(WorkerState::Exited, 150);
        let second = group.sample(1_000);
        assert_eq!(
            (second.live, second.in_hand, second.counts.pushed),
            (0, 0, 5)
        );
        assert_eq!(
            second.time,
            [50, 0, 0],
            "only the time since the last sample"
        );
        assert_eq!(group.sample(2_000).counts.pushed, 5);
    }

    #[test]
    fn fractions_sum_to_one() {
        let sample = GroupSample {
            time: [3, 5, 2],
            ..Default::default()
        };
        let (busy, idle, blocked) = sample.fractions();
        assert!((busy + idle + blocked - 1.0).abs() < 1e-12);
        assert!((blocked - 0.2).abs() < 1e-12);
    }
}
