//! A mean and its 95% confidence interval over a few replications
//! (Student's t: the replications are few and their spread unknown).

use serde::Serialize;

/// A mean with the half-width of its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The mean over the replications.
    pub mean: f64,
    /// The interval is mean ± ci; 0 with one replication (unknown).
    pub ci: f64,
}

/// Student's t at 97.5% for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The estimate of `values`' mean (empty: zero).
pub fn estimate(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate { mean: 0.0, ci: 0.0 };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Estimate { mean, ci: 0.0 };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T975.get(n - 2).copied().unwrap_or(1.96);
    Estimate {
        mean,
        ci: t * (var / n as f64).sqrt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_students() {
        let e = estimate(&[1.0, 2.0, 3.0]);
        assert_eq!(e.mean, 2.0);
        // sd 1, n 3: 4.303 / √3.
        assert!((e.ci - 4.303 / 3f64.sqrt()).abs() < 1e-9);
        assert_eq!(estimate(&[5.0]).ci, 0.0);
    }
}
