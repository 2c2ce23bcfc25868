//! The machine's cores as `spin` stages share them: processor sharing.
//! While n attempts spin on c cores, each advances at min(1, c/n) of real
//! speed, as threads under a fair scheduler would. A spin attempt of
//! service time S is S of CPU work; it finishes when it has received that
//! much. (`sleep` attempts use no core, as the engine's sleeping threads
//! use almost none.)
//!
//! Kept as one "work clock" V that advances at the per-attempt rate: an
//! attempt started at V0 with work S finishes when V reaches V0 + S, so
//! only the earliest finish matters and a change in n costs a heap
//! operation, not a pass over every attempt.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A spinning attempt: which stage and worker slot.
pub type Job = (usize, usize);

/// The shared cores.
#[derive(Debug)]
pub struct Cores {
    cores: f64,
    /// Work each running attempt has received since the start, ns (f64 as
    /// integer-valued ticks of work would round at every rate change).
    work_clock: f64,
    last_ns: u64,
    /// (finish on the work clock, order of arrival, job).
    running: BinaryHeap<Reverse<(u64, u64, Job)>>,
    arrivals: u64,
}

impl Cores {
    pub fn new(cores: usize) -> Self {
        Self {
            cores: cores.max(1) as f64,
            work_clock: 0.0,
            last_ns: 0,
            running: BinaryHeap::new(),
            arrivals: 0,
        }
    }

    fn rate(&self) -> f64 {
        let n = self.running.len() as f64;
        if n <= self.cores { 1.0 } else { self.cores / n }
    }

    /// Moves the work clock to `now_ns`.
    fn advance(&mut self, now_ns: u64) {
        let dt = now_ns.saturating_sub(self.last_ns) as f64;
        self.work_clock += dt * self.rate();
        self.last_ns = now_ns;
    }

    /// Starts `job` with `work_ns` of CPU work at `now_ns`.
    pub fn start(&mut self, job: Job, work_ns: u64, now_ns: u64) {
        self.advance(now_ns);
        let finish = self.work_clock.ceil() as u64 + work_ns;
        self.running.push(Reverse((finish, self.arrivals, job)));
        self.arrivals += 1;
    }

    /// When the next attempt finishes, if any spins.
    pub fn next_finish(&self) -> Option<u64> {
        let Reverse((finish, _, _)) = self.running.peek()?;
        let left = (*finish as f64 - self.work_clock).max(0.0);
        Some(self.last_ns + (left / self.rate()).ceil() as u64)
    }

    /// The attempts finished by `now_ns`, in finishing order.
    pub fn finished(&mut self, now_ns: u64, out: &mut Vec<Job>) {
        self.advance(now_ns);
        while let Some(Reverse((finish, _, job))) = self.running.peek().copied() {
            if finish as f64 > self.work_clock + 0.5 {
                break;
            }
            self.running.pop();
            out.push(job);
        }
    }

    /// Forgets every running attempt (an abort).
    pub fn clear(&mut self) {
        self.running.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_all(cores: &mut Cores) -> Vec<(u64, Job)> {
        let mut done = Vec::new();
        let mut out = Vec::new();
        while let Some(t) = cores.next_finish() {
            cores.finished(t, &mut out);
            done.extend(out.drain(..).map(|j| (t, j)));
        }
        done
    }

    #[test]
    fn four_attempts_on_two_cores_take_twice_as_long() {
        let mut cores = Cores::new(2);
        for w in 0..4 {
            cores.start((0, w), 1_000_000, 0);
        }
        let done = run_all(&mut cores);
        assert_eq!(done.len(), 4);
        assert!(done.iter().all(|&(t, _)| t == 2_000_000), "{done:?}");
    }

    #[test]
    fn a_short_attempt_leaves_and_the_rest_speed_up() {
        let mut cores = Cores::new(1);
        cores.start((0, 0), 1_000, 0);
        cores.start((0, 1), 3_000, 0);
        // Both at half speed until 2 000 (the first has its 1 000); then
        // the second has 2 000 left at full speed.
        let done = run_all(&mut cores);
        assert_eq!(done, vec![(2_000, (0, 0)), (4_000, (0, 1))]);
    }
}
