//! One attempt's service time and outcome, drawn exactly as the real
//! engine's simulated stages draw them (`engine::simulate` and
//! `engine::service`): a small generator seeded from the run's seed, the
//! stage, the item's id and the attempt number; the service time first,
//! then whether the attempt fails. So the same item takes the same time in
//! a real and a virtual run with the same seed.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

pub use crate::model::{ServiceTime, mix};

/// The seed of stage `index` in a run seeded with `seed`.
pub fn stage_seed(seed: u64, index: usize) -> u64 {
    mix(seed, index as u64 + 1, 0)
}

/// What one attempt at one item will do: take this long, then fail or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    pub service_ns: u64,
    pub fails: bool,
}

/// Draws attempt `attempt` (from 1) at item `id` of the stage seeded `stage_seed`.
#[inline]
pub fn draw(service: &ServiceTime, fail_rate: f64, stage_seed: u64, id: u64, attempt: u32) -> Draw {
    let mut rng = SmallRng::seed_from_u64(mix(stage_seed, id, u64::from(attempt)));
    let service_ns = service.sample(&mut rng).as_nanos() as u64;
    let fails = fail_rate > 0.0 && rng.random_bool(fail_rate.min(1.0));
    Draw { service_ns, fails }
}
