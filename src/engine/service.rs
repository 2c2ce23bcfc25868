//! Simulated service times: sampling a [`ServiceDist`] and spending the time
//! the way the stage's [`WorkMode`] says (sleeping like I/O, or burning CPU).

use std::time::{Duration, Instant};

use super::clock;
pub use crate::model::ServiceTime;
use crate::model::spec::WorkMode;

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
    use crate::model::ServiceDist;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn mean_and_stddev(dist: ServiceDist) -> (f64, f64) {
        let time = ServiceTime::new(dist);
        let mut rng = StdRng::seed_from_u64(3);
        let xs: Vec<f64> = (0..200_000)
            .map(|_| time.sample(&mut rng).as_nanos() as f64)
            .collect();
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
