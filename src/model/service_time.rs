//! What one attempt at one simulated item draws, shared by every producer
//! that simulates work (the engine's scenario stages, the virtual-time
//! simulator): a service-time distribution ready to sample, and the seed
//! mix that makes the same item take the same time in either. Plain
//! arithmetic over [`ServiceDist`]; it imports nothing else of the crate.

use std::time::Duration;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal, Normal};

use super::spec::ServiceDist;

/// A ready-to-sample service-time distribution, in nanoseconds.
#[derive(Debug, Clone)]
pub enum ServiceTime {
    /// Always this many nanoseconds.
    Fixed(f64),
    /// Uniform between the two bounds.
    Uniform(f64, f64),
    /// Exponential (memoryless).
    Exp(Exp<f64>),
    /// Normal, clamped at zero.
    Normal(Normal<f64>),
    /// Log-normal with the declared mean and stddev.
    LogNormal(LogNormal<f64>),
}

fn nanos(d: Duration) -> f64 {
    d.as_nanos() as f64
}

impl ServiceTime {
    /// Prepares `dist`. Parameters are assumed validated (positive means,
    /// `min ≤ max`); degenerate ones fall back to the mean.
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
                // Parameters of the underlying normal that give this mean and stddev.
                let (m, s) = (nanos(mean), nanos(stddev));
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                LogNormal::new(mu, sigma2.sqrt()).map_or(fixed, Self::LogNormal)
            }
        }
    }

    /// One service time.
    pub fn sample(&self, rng: &mut impl Rng) -> Duration {
        let ns = match self {
            Self::Fixed(ns) => *ns,
            Self::Uniform(lo, hi) => rng.random_range(*lo..=*hi),
            Self::Exp(d) => d.sample(rng),
            Self::Normal(d) => d.sample(rng),
            Self::LogNormal(d) => d.sample(rng),
        };
        Duration::from_nanos(ns.max(0.0) as u64)
    }
}

/// A well-mixed seed from `seed` and two numbers (splitmix64): a stage's
/// seed from the run's, an attempt's from the stage's, the item's id and
/// the attempt number.
pub fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
