//! Simulated service times: sampling a [`ServiceDist`] and spending the time
//! the way the stage's [`WorkMode`] says (sleeping like I/O, or burning CPU).

use std::time::{Duration, Instant};

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, LogNormal, Normal};

use super::clock;
use crate::model::spec::{ServiceDist, WorkMode};

/// A ready-to-sample service-time distribution, in nanoseconds.
#[derive(Debug, Clone)]
pub enum ServiceTime {
    Fixed(f64),
    Uniform(f64, f64),
    Exp(Exp<f64>),
    Normal(Normal<f64>),
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

/// Spends `time` as the mode says.
pub fn spend(time: Duration, mode: WorkMode) {
    if time.is_zero() {
        return; // a stage with no work: measure the engine's own cost
    }
    match mode {
        WorkMode::Sleep => clock::sleep_until(Instant::now() + time),
        WorkMode::Spin => clock::spin_for_cpu(time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn mean_and_stddev(dist: ServiceDist) -> (f64, f64) {
        let time = ServiceTime::new(dist);
        let mut rng = StdRng::seed_from_u64(3);
        let xs: Vec<f64> = (0..200_000).map(|_| nanos(time.sample(&mut rng))).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn each_distribution_has_the_declared_mean() {
        let ms = Duration::from_millis;
        for (dist, want_sd) in [
            (ServiceDist::Fixed { mean: ms(2) }, 0.0),
            (ServiceDist::Exp { mean: ms(2) }, 2e6),
            (
                ServiceDist::Uniform {
                    min: ms(1),
                    max: ms(3),
                },
                2e6 / 12f64.sqrt(),
            ),
            (
                ServiceDist::Normal {
                    mean: ms(2),
                    stddev: ms(1) / 2,
                },
                0.5e6,
            ),
            (
                ServiceDist::LogNormal {
                    mean: ms(2),
                    stddev: ms(1),
                },
                1e6,
            ),
        ] {
            let (mean, sd) = mean_and_stddev(dist);
            assert!((mean - 2e6).abs() / 2e6 < 0.01, "{dist:?}: mean {mean}");
            assert!((sd - want_sd).abs() <= 0.02 * 2e6, "{dist:?}: stddev {sd}");
        }
    }
}
