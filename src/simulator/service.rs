//! One attempt's service time and outcome, drawn exactly as the real
//! engine's simulated stages draw them (`engine::simulate` and
//! `engine::service`): a small generator seeded from the run's seed, the
//! stage, the item's id and the attempt number; the service time first,
//! then whether the attempt fails. So the same item takes the same time in
//! a real and a virtual run with the same seed.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal, Normal};

use crate::model::ServiceDist;

/// A ready-to-sample service-time distribution, in nanoseconds.
#[derive(Debug, Clone)]
pub enum ServiceTime {
    Fixed(f64),
    Uniform(f64, f64),
    Exp(Exp<f64>),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
}

fn nanos(d: std::time::Duration) -> f64 {
    d.as_nanos() as f64
}

impl ServiceTime {
    /// Prepares `dist`; degenerate parameters fall back to the mean.
    pub fn new(dist: ServiceDist) -> Self {
        let fixed = Self::Fixed(nanos(dist.mean()));
        match dist {
            ServiceDist::Fixed { mean } => Self::Fixed(nanos(mean)),
            ServiceDist::Uniform { min, max } if min < max => Self::Uniform(nanos(min), nanos(max)),
            ServiceDist::Uniform { .. } => fixed,
            ServiceDist::Exp { mean } => Exp::new(1.0 / nanos(mean)).map_or(fixed, Self::Exp),
            ServiceDist::Normal { mean, stddev } => {
                Normal::new(nanos(mean), nanos(stddev)).map_or(fixed, Self::Normal)
            }
            ServiceDist::LogNormal { mean, stddev } => {
                let (m, s) = (nanos(mean), nanos(stddev));
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                LogNormal::new(mu, sigma2.sqrt()).map_or(fixed, Self::LogNormal)
            }
        }
    }

    fn sample_ns(&self, rng: &mut SmallRng) -> u64 {
        let ns = match self {
            Self::Fixed(ns) => *ns,
            Self::Uniform(lo, hi) => rng.random_range(*lo..=*hi),
            Self::Exp(d) => d.sample(rng),
            Self::Normal(d) => d.sample(rng),
            Self::LogNormal(d) => d.sample(rng),
        };
        ns.max(0.0) as u64
    }
}

/// A well-mixed seed from `seed` and two numbers (splitmix64), as the engine mixes it.
pub fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

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
    let service_ns = service.sample_ns(&mut rng);
    let fails = fail_rate > 0.0 && rng.random_bool(fail_rate.min(1.0));
    Draw { service_ns, fails }
}
