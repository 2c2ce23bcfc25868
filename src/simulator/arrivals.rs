//! When items are due from the source, in virtual nanoseconds: the real
//! engine's arrival process (`engine::arrivals`), rewritten here because the
//! simulator may not import engine internals. It draws from the same seeded
//! generator in the same order, so a virtual run of a scenario sees the
//! same arrival times as a real run with the same seed, until commands or
//! backpressure make them differ.
//!
//! One difference: under `rate = "max"` the real source takes items as fast
//! as its thread can push them; here an item is due [`MAX_RATE_GAP_NS`]
//! after the previous one was taken (at most a million per second), so
//! that a queue that never blocks (a drop policy, unbounded) does not make
//! infinitely many arrivals at one instant.

use std::collections::VecDeque;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp};

use crate::model::{Arrivals, Rate};

/// A burst arrives this many times faster than the regular rate (as in the engine).
pub const BURST_SPEEDUP: f64 = 10.0;

/// Under `max`, the least time between two arrivals.
pub const MAX_RATE_GAP_NS: u64 = 1_000;

/// Arrivals on top of the regular rate: `count` items, the first due at
/// `first_due_ns`, then one every `gap_ns`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Extra {
    first_due_ns: u64,
    gap_ns: f64,
    count: u64,
}

impl Extra {
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

/// Schedules arrivals.
#[derive(Debug)]
pub struct ArrivalProcess {
    rate: Rate,
    spacing: Arrivals,
    rng: StdRng,
    paused: bool,
    /// Due time of the next regular arrival (under `max`: the earliest the
    /// next may be taken).
    next_due_ns: u64,
    extras: VecDeque<Extra>,
}

impl ArrivalProcess {
    /// A process starting at `now_ns`.
    pub fn new(rate: Rate, spacing: Arrivals, seed: u64, now_ns: u64) -> Self {
        let mut process = Self {
            rate,
            spacing,
            rng: StdRng::seed_from_u64(seed),
            paused: false,
            next_due_ns: now_ns,
            extras: VecDeque::new(),
        };
        process.next_due_ns = now_ns + process.gap_ns();
        process
    }

    fn gap_ns(&mut self) -> u64 {
        if !self.rate.is_paceable() {
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

    /// When the next item is due, or `None` when nothing will be.
    pub fn next_due(&self) -> Option<u64> {
        let regular = (!self.paused).then_some(self.next_due_ns);
        let extra = self.extras.front().map(|b| b.first_due_ns);
        match (regular, extra) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes the earliest due arrival (which must be due by `now_ns`) and
    /// returns its birth time.
    pub fn take(&mut self, now_ns: u64) -> u64 {
        let regular_due = if self.paused {
            u64::MAX
        } else {
            self.next_due_ns
        };
        if let Some(front) = self.extras.front_mut()
            && front.first_due_ns <= regular_due
        {
            let due = front.first_due_ns;
            front.count -= 1;
            front.first_due_ns += front.gap_ns as u64;
            if front.count == 0 {
                self.extras.pop_front();
            }
            return due;
        }
        match self.rate {
            Rate::PerSecond(_) => {
                self.next_due_ns += self.gap_ns();
                regular_due
            }
            Rate::Max => {
                self.next_due_ns = now_ns + MAX_RATE_GAP_NS;
                now_ns
            }
        }
    }

    /// Items due by `now_ns` and not yet taken, and the oldest one's due time.
    pub fn backlog(&self, now_ns: u64) -> (u64, Option<u64>) {
        let mut count: u64 = self.extras.iter().map(|b| b.due_by(now_ns)).sum();
        let mut oldest = self
            .extras
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
            let gap_ns = match self.rate {
                Rate::PerSecond(rate) => 1e9 / (rate * BURST_SPEEDUP),
                Rate::Max => MAX_RATE_GAP_NS as f64,
            };
            self.extras.push_back(Extra {
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

    /// Stops scheduling regular arrivals; what is already due still arrives.
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

    fn freeze_backlog(&mut self, now_ns: u64) {
        if let Rate::PerSecond(rate) = self.rate
            && self.next_due_ns <= now_ns
        {
            let due = 1 + ((now_ns - self.next_due_ns) as f64 * rate / 1e9) as u64;
            self.extras.push_back(Extra {
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

    fn take_all_due(process: &mut ArrivalProcess, until_ns: u64) -> Vec<u64> {
        let mut births = Vec::new();
        while process.next_due().is_some_and(|due| due <= until_ns) {
            births.push(process.take(until_ns));
        }
        births
    }

    #[test]
    fn uniform_rate_schedules_exactly_rate_per_second() {
        let mut process = ArrivalProcess::new(Rate::PerSecond(2_000.0), Arrivals::Uniform, 1, 0);
        assert_eq!(take_all_due(&mut process, 10 * SECOND).len(), 20_000);
    }

    #[test]
    fn a_burst_arrives_at_ten_times_the_rate_and_pause_keeps_what_was_due() {
        let mut process = ArrivalProcess::new(Rate::PerSecond(100.0), Arrivals::Uniform, 1, 0);
        process.burst(2_000, 0);
        assert_eq!(process.backlog(SECOND - 1).0, 99 + 1_000);
        process.pause(SECOND - 1);
        assert_eq!(take_all_due(&mut process, 3 * SECOND).len(), 99 + 2_000);
        assert_eq!(process.next_due(), None);
    }

    #[test]
    fn max_rate_is_one_item_per_gap_at_most() {
        let mut process = ArrivalProcess::new(Rate::Max, Arrivals::Poisson, 1, 0);
        assert_eq!(process.take(5), 5);
        assert_eq!(process.next_due(), Some(5 + MAX_RATE_GAP_NS));
    }
}
