//! The arrival process: when items are due from the source, shared by
//! every producer that generates traffic (the engine's source thread, the
//! virtual-time simulator), so that a real and a virtual run with the same
//! seed draw the same arrival times, until commands or backpressure make
//! them differ. Regular arrivals follow the rate (Poisson or evenly
//! spaced); a burst adds items arriving evenly at [`BURST_SPEEDUP`] times
//! the rate. Items that are due but not yet taken are the source's backlog
//! (`source_pending`), and their due time is their birth time.
//!
//! One choice differs between the two producers, under `rate = "max"`
//! ([`MaxSpacing`]): the real source takes items as fast as its thread can
//! push them (always due now); in virtual time an item is due
//! [`MAX_RATE_GAP_NS`] after the previous one was taken (at most a million
//! per second), so that a queue that never blocks (a drop policy,
//! unbounded) does not make infinitely many arrivals at one instant.

use std::collections::VecDeque;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp};

use super::spec::{Arrivals, Rate};

/// A burst arrives this many times faster than the regular rate.
pub const BURST_SPEEDUP: f64 = 10.0;

/// In virtual time under `max`, the least time between two arrivals.
pub const MAX_RATE_GAP_NS: u64 = 1_000;

/// How arrivals are spaced under `rate = "max"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxSpacing {
    /// The next item is always due now, a burst all at once (real time:
    /// the source thread's own speed spaces them).
    Immediate,
    /// The next item is due this many nanoseconds after the previous one
    /// was taken, a burst's items as far apart (virtual time).
    AtLeast(u64),
}

/// Arrivals on top of the regular rate: `count` items, the first due at
/// `first_due_ns`, then one every `gap_ns`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Batch {
    first_due_ns: u64,
    gap_ns: f64,
    count: u64,
}

impl Batch {
    /// How many of its items are due by `now_ns`.
    fn due_by(&self, now_ns: u64) -> u64 {
        if now_ns < self.first_due_ns {
            0
        } else if self.gap_ns <= 0.0 {
            self.count
        } else {
            (1 + ((now_ns - self.first_due_ns) as f64 / self.gap_ns) as u64).min(self.count)
        }
    }
}

/// Schedules arrivals in nanoseconds of the producer's clock.
#[derive(Debug)]
pub struct ArrivalProcess {
    rate: Rate,
    spacing: Arrivals,
    max_spacing: MaxSpacing,
    rng: StdRng,
    paused: bool,
    /// Due time of the next regular arrival (under `max` spaced
    /// [`MaxSpacing::AtLeast`]: the earliest the next may be taken).
    next_due_ns: u64,
    /// Injected bursts (and backlog frozen by a pause or a new rate), oldest first.
    bursts: VecDeque<Batch>,
}

impl ArrivalProcess {
    /// A process starting at `now_ns`.
    pub fn new(
        rate: Rate,
        spacing: Arrivals,
        max_spacing: MaxSpacing,
        seed: u64,
        now_ns: u64,
    ) -> Self {
        let mut process = Self {
            rate,
            spacing,
            max_spacing,
            rng: StdRng::seed_from_u64(seed),
            paused: false,
            next_due_ns: now_ns,
            bursts: VecDeque::new(),
        };
        process.next_due_ns = now_ns + process.gap_ns();
        process
    }

    fn gap_ns(&mut self) -> u64 {
        if !self.rate.is_paceable() {
            // A library caller's start rate the commands would refuse: no
            // arrivals rather than a panic in the source thread.
            return u64::MAX / 2;
        }
        let Rate::PerSecond(rate) = self.rate else {
            return 0;
        };
        let mean_ns = 1e9 / rate;
        match self.spacing {
            Arrivals::Uniform => mean_ns as u64,
            Arrivals::Poisson => {
                let exp = Exp::new(1.0 / mean_ns).expect("a positive rate gives a valid Exp");
                exp.sample(&mut self.rng) as u64
            }
        }
    }

    /// When the next regular arrival is due, unless paused.
    fn regular_due(&self, now_ns: u64) -> Option<u64> {
        match (self.paused, self.rate, self.max_spacing) {
            (true, _, _) => None,
            (false, Rate::Max, MaxSpacing::Immediate) => Some(now_ns),
            (false, Rate::Max, MaxSpacing::AtLeast(_)) | (false, Rate::PerSecond(_), _) => {
                Some(self.next_due_ns)
            }
        }
    }

    /// When the next item is due, or `None` when nothing will be (paused, no
    /// burst left).
    pub fn next_due(&self, now_ns: u64) -> Option<u64> {
        let regular = self.regular_due(now_ns);
        let burst = self.bursts.front().map(|b| b.first_due_ns);
        match (regular, burst) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes the earliest due arrival and returns its due time (the item's
    /// birth). Call only when [`next_due`](Self::next_due) is in the past.
    pub fn take(&mut self, now_ns: u64) -> u64 {
        let regular_due = self.regular_due(now_ns).unwrap_or(u64::MAX);
        if let Some(front) = self.bursts.front_mut()
            && front.first_due_ns <= regular_due
        {
            let due = front.first_due_ns;
            front.count -= 1;
            front.first_due_ns += front.gap_ns as u64;
            if front.count == 0 {
                self.bursts.pop_front();
            }
            return due;
        }
        match (self.rate, self.max_spacing) {
            (Rate::PerSecond(_), _) => {
                self.next_due_ns += self.gap_ns();
                regular_due
            }
            (Rate::Max, MaxSpacing::Immediate) => now_ns,
            (Rate::Max, MaxSpacing::AtLeast(gap_ns)) => {
                self.next_due_ns = now_ns + gap_ns;
                now_ns
            }
        }
    }

    /// Items due by `now_ns` and not yet taken, and the due time of the oldest.
    pub fn backlog(&self, now_ns: u64) -> (u64, Option<u64>) {
        let mut count: u64 = self.bursts.iter().map(|b| b.due_by(now_ns)).sum();
        let mut oldest = self
            .bursts
            .front()
            .map(|b| b.first_due_ns)
            .filter(|&due| due <= now_ns);
        if let (false, Rate::PerSecond(rate)) = (self.paused, self.rate)
            && self.next_due_ns <= now_ns
        {
            count += 1 + ((now_ns - self.next_due_ns) as f64 * rate / 1e9) as u64;
            oldest = Some(oldest.map_or(self.next_due_ns, |o| o.min(self.next_due_ns)));
        }
        (count, oldest)
    }

    /// Injects `items` arrivals from `now_ns`, at ten times the rate.
    pub fn burst(&mut self, items: u64, now_ns: u64) {
        if items > 0 {
            let gap_ns = match (self.rate, self.max_spacing) {
                (Rate::PerSecond(rate), _) => 1e9 / (rate * BURST_SPEEDUP),
                (Rate::Max, MaxSpacing::Immediate) => 0.0,
                (Rate::Max, MaxSpacing::AtLeast(gap_ns)) => gap_ns as f64,
            };
            self.bursts.push_back(Batch {
                first_due_ns: now_ns,
                gap_ns,
                count: items,
            });
        }
    }

    /// Changes the rate from `now_ns` on; arrivals already due stay due.
    pub fn set_rate(&mut self, rate: Rate, now_ns: u64) {
        if !self.paused {
            self.freeze_backlog(now_ns);
        }
        self.rate = rate;
        self.next_due_ns = now_ns + self.gap_ns();
    }

    /// Stops scheduling regular arrivals. Items already due, and bursts,
    /// still arrive: they happened before the pause.
    pub fn pause(&mut self, now_ns: u64) {
        if !self.paused {
            self.freeze_backlog(now_ns);
            self.paused = true;
        }
    }

    /// Schedules regular arrivals again from `now_ns`.
    pub fn resume(&mut self, now_ns: u64) {
        if self.paused {
            self.paused = false;
            self.next_due_ns = now_ns + self.gap_ns();
        }
    }

    /// Turns regular arrivals already due into a backlog entry, so that a
    /// new rate or a pause applies only from now on. (They keep the oldest
    /// one's due time as their birth: a slight overstatement of their age.)
    fn freeze_backlog(&mut self, now_ns: u64) {
        if let Rate::PerSecond(rate) = self.rate
            && self.next_due_ns <= now_ns
        {
            let due = 1 + ((now_ns - self.next_due_ns) as f64 * rate / 1e9) as u64;
            self.bursts.push_back(Batch {
                first_due_ns: self.next_due_ns,
                gap_ns: 0.0,
                count: due,
            });
            self.next_due_ns = now_ns;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    /// A real-time process (under `max`, always due now).
    fn real(rate: Rate, spacing: Arrivals, seed: u64) -> ArrivalProcess {
        ArrivalProcess::new(rate, spacing, MaxSpacing::Immediate, seed, 0)
    }

    fn take_all_due(process: &mut ArrivalProcess, until_ns: u64) -> Vec<u64> {
        let mut births = Vec::new();
        while process
            .next_due(until_ns)
            .is_some_and(|due| due <= until_ns)
        {
            births.push(process.take(until_ns));
        }
        births
    }

    #[test]
    fn uniform_rate_schedules_exactly_rate_per_second() {
        let mut process = real(Rate::PerSecond(2_000.0), Arrivals::Uniform, 1);
        assert_eq!(take_all_due(&mut process, 10 * SECOND).len(), 20_000);
    }

    #[test]
    fn poisson_rate_averages_the_rate() {
        let mut process = real(Rate::PerSecond(1_000.0), Arrivals::Poisson, 7);
        let n = take_all_due(&mut process, 100 * SECOND).len() as f64;
        // 100 000 expected; a Poisson count's stddev is √100 000 ≈ 316.
        assert!((n - 100_000.0).abs() < 1_500.0, "{n}");
    }

    #[test]
    fn same_seed_same_traffic() {
        let mut a = real(Rate::PerSecond(500.0), Arrivals::Poisson, 9);
        let mut b = real(Rate::PerSecond(500.0), Arrivals::Poisson, 9);
        assert_eq!(take_all_due(&mut a, SECOND), take_all_due(&mut b, SECOND));
    }

    #[test]
    fn backlog_counts_items_due_but_not_taken() {
        let mut process = real(Rate::PerSecond(1_000.0), Arrivals::Uniform, 1);
        // 500 items at 10 000/s: all due within 50 ms.
        process.burst(500, SECOND / 2);
        let (pending, oldest) = process.backlog(SECOND);
        assert_eq!(pending, 1_000 + 500);
        assert_eq!(oldest, Some(SECOND / 1_000));
        let births = take_all_due(&mut process, SECOND);
        assert_eq!(births.len(), 1_500);
        assert!(
            births.windows(2).all(|w| w[0] <= w[1]),
            "taken in due order"
        );
        assert_eq!(process.backlog(SECOND).0, 0);
    }

    #[test]
    fn pause_keeps_what_was_due_and_schedules_nothing_new() {
        let mut process = real(Rate::PerSecond(1_000.0), Arrivals::Uniform, 1);
        process.pause(SECOND / 10);
        let (pending, _) = process.backlog(SECOND / 10);
        assert_eq!(pending, 100);
        assert_eq!(take_all_due(&mut process, 10 * SECOND).len(), 100);
        assert_eq!(process.next_due(10 * SECOND), None);
        process.resume(10 * SECOND);
        assert_eq!(take_all_due(&mut process, 11 * SECOND).len(), 1_000);
    }

    #[test]
    fn a_new_rate_applies_from_now_and_keeps_the_backlog() {
        let mut process = real(Rate::PerSecond(1_000.0), Arrivals::Uniform, 1);
        process.set_rate(Rate::PerSecond(100.0), SECOND);
        assert_eq!(process.backlog(SECOND).0, 1_000);
        assert_eq!(take_all_due(&mut process, 2 * SECOND).len(), 1_000 + 100);
    }

    #[test]
    fn a_burst_arrives_at_ten_times_the_rate() {
        let mut process = real(Rate::PerSecond(100.0), Arrivals::Uniform, 1);
        process.burst(2_000, 0);
        // 100/s regular plus the burst at 1 000/s: half the burst by 1 s.
        assert_eq!(process.backlog(SECOND - 1).0, 99 + 1_000);
        assert_eq!(take_all_due(&mut process, 2 * SECOND).len(), 200 + 2_000);
    }

    #[test]
    fn max_rate_is_always_due_and_never_backlogged() {
        let mut process = real(Rate::Max, Arrivals::Poisson, 1);
        assert_eq!(process.next_due(5), Some(5));
        assert_eq!(process.take(5), 5);
        assert_eq!(process.backlog(5).0, 0);
    }

    #[test]
    fn the_same_seed_draws_the_same_arrivals_in_either_clock() {
        let mut real_time = real(Rate::PerSecond(800.0), Arrivals::Poisson, 3);
        let mut virtual_time = ArrivalProcess::new(
            Rate::PerSecond(800.0),
            Arrivals::Poisson,
            MaxSpacing::AtLeast(MAX_RATE_GAP_NS),
            3,
            0,
        );
        assert_eq!(
            take_all_due(&mut real_time, SECOND),
            take_all_due(&mut virtual_time, SECOND)
        );
    }

    #[test]
    fn spaced_max_rate_is_one_item_per_gap_at_most() {
        let mut process = ArrivalProcess::new(
            Rate::Max,
            Arrivals::Poisson,
            MaxSpacing::AtLeast(MAX_RATE_GAP_NS),
            1,
            0,
        );
        assert_eq!(process.take(5), 5);
        assert_eq!(process.next_due(5), Some(5 + MAX_RATE_GAP_NS));
        // A burst's items are a gap apart too.
        process.burst(3, 10);
        assert_eq!(process.backlog(10 + 2 * MAX_RATE_GAP_NS - 1).0, 2);
        assert_eq!(process.backlog(10 + 2 * MAX_RATE_GAP_NS).0, 3);
    }
}
