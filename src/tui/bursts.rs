//! Bursts in progress: each burst in the event log with the source's rate
//! when it came. A burst's arrivals are due at [`BURST_SPEEDUP`] times that
//! rate (the engine's rule, and the simulator's), so from its size the
//! header can say how fast they arrive and how long that lasts, at any
//! moment shown, live or rewound.

use crate::model::Rate;
use crate::model::arrival_process::BURST_SPEEDUP;

/// One burst: when it came, how fast its arrivals are due, and for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Burst {
    start_s: f64,
    per_s: f64,
    end_s: f64,
}

/// What the bursts in progress at a moment amount to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurstNow {
    /// Arrivals due per second from bursts.
    pub per_s: f64,
    /// Seconds until the last of them is due.
    pub left_s: f64,
}

/// The run's bursts, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Bursts {
    bursts: Vec<Burst>,
}

/// Bursts remembered (the oldest are forgotten past this).
const KEPT: usize = 1_000;

impl Bursts {
    /// Notes a burst of `items` at `t_s`, with the source at `rate`. A
    /// burst under `max` is due at once: it lasts no time and is not kept.
    pub fn add(&mut self, t_s: f64, items: u64, rate: Rate) {
        let Some(rate) = rate.per_second().filter(|r| *r > 0.0) else {
            return;
        };
        let per_s = rate * BURST_SPEEDUP;
        self.bursts.push(Burst {
            start_s: t_s,
            per_s,
            end_s: t_s + items as f64 / per_s,
        });
        if self.bursts.len() > KEPT {
            self.bursts.remove(0);
        }
    }

    /// The bursts still arriving at `t_s`, if any.
    pub fn at(&self, t_s: f64) -> Option<BurstNow> {
        let active = self
            .bursts
            .iter()
            .filter(|b| b.start_s <= t_s + 1e-9 && t_s < b.end_s);
        let per_s: f64 = active.clone().map(|b| b.per_s).sum();
        let end = active.map(|b| b.end_s).fold(f64::NAN, f64::max);
        (per_s > 0.0).then_some(BurstNow {
            per_s,
            left_s: end - t_s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_arrives_at_ten_times_the_rate_until_its_items_are_due() {
        let mut bursts = Bursts::default();
        bursts.add(10.0, 10_000, Rate::PerSecond(1_000.0));
        assert_eq!(bursts.at(9.9), None, "not yet");
        let now = bursts.at(10.0).unwrap();
        assert_eq!(now.per_s, 1_000.0 * BURST_SPEEDUP);
        assert!((now.left_s - 1.0).abs() < 1e-9, "{now:?}");
        let later = bursts.at(10.75).unwrap();
        assert!((later.left_s - 0.25).abs() < 1e-9, "{later:?}");
        assert_eq!(bursts.at(11.0), None, "over");
    }

    #[test]
    fn overlapping_bursts_add_their_rates_and_max_bursts_take_no_time() {
        let mut bursts = Bursts::default();
        bursts.add(0.0, 4_000, Rate::PerSecond(200.0)); // 2000/s for 2 s
        bursts.add(1.0, 2_000, Rate::PerSecond(200.0)); // 2000/s for 1 s
        bursts.add(1.0, 2_000, Rate::Max);
        let both = bursts.at(1.5).unwrap();
        assert_eq!(both.per_s, 4_000.0);
        assert!((both.left_s - 0.5).abs() < 1e-9);
        assert_eq!(bursts.at(2.5), None);
    }
}
