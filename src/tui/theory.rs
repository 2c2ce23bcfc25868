//! Queueing theory for one stage, from what was measured: utilization
//! ρ = λ/(c·μ), Little's law L = λW, and Erlang C's wait for an M/M/c queue,
//! with a what-if for one more worker. Pure arithmetic for the theory overlay.

use crate::metrics::StageSnapshot;

/// What theory predicts for a stage with `c` workers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub workers: usize,
    /// Utilization ρ = λ/(c·μ).
    pub rho: f64,
    /// Probability an arrival waits (Erlang C); 1 when ρ ≥ 1.
    pub p_wait: f64,
    /// Mean time in the queue in ms; infinite when ρ ≥ 1.
    pub wait_ms: f64,
}

/// The measured inputs and the predictions for a stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageTheory {
    /// Arrival rate λ, items/s.
    pub lambda: f64,
    /// Service rate of one worker μ, items/s.
    pub mu: f64,
    /// Items in the stage now (queued + in service): Little's L, observed.
    pub l_observed: f64,
    /// λ·W with W the measured mean wait + service: Little's L, predicted.
    pub l_little: f64,
    /// At the current pool size.
    pub now: Prediction,
    /// With one more worker.
    pub one_more: Prediction,
    /// The fewest workers that keep ρ under 0.8.
    pub workers_for_80: usize,
}

impl StageTheory {
    /// Theory for a stage, or `None` before it has a service time.
    pub fn of(stage: &StageSnapshot) -> Option<Self> {
        let service_ms = stage.service_ms.window.mean;
        if service_ms <= 0.0 {
            return None;
        }
        let lambda = stage.in_rate.max(0.0);
        let mu = 1000.0 / service_ms;
        let w_ms = stage.wait_ms.window.mean + service_ms;
        let c = stage.workers_target.max(1);
        Some(Self {
            lambda,
            mu,
            l_observed: stage.queue_len as f64 + stage.in_service as f64,
            l_little: lambda * w_ms / 1000.0,
            now: predict(lambda, mu, c),
            one_more: predict(lambda, mu, c + 1),
            workers_for_80: ((lambda / mu) / 0.8).ceil().max(1.0) as usize,
        })
    }
}

/// M/M/c prediction for `c` workers.
pub fn predict(lambda: f64, mu: f64, c: usize) -> Prediction {
    let a = lambda / mu;
    let rho = a / c as f64;
    if rho >= 1.0 {
        return Prediction {
            workers: c,
            rho,
            p_wait: 1.0,
            wait_ms: f64::INFINITY,
        };
    }
    let p_wait = erlang_c(c, a);
    Prediction {
        workers: c,
        rho,
        p_wait,
        wait_ms: if lambda > 0.0 {
            1000.0 * p_wait / (c as f64 * mu - lambda)
        } else {
            0.0
        },
    }
}

/// Erlang C: the probability of waiting with `c` servers and offered load `a`
/// (< c), through the stable Erlang B recurrence.
fn erlang_c(c: usize, a: f64) -> f64 {
    let b = (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b));
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_server_erlang_c_is_rho() {
        let p = predict(50.0, 100.0, 1);
        assert!((p.rho - 0.5).abs() < 1e-12);
        assert!((p.p_wait - 0.5).abs() < 1e-12);
        // M/M/1: Wq = ρ/(μ − λ) = 0.5/50 s = 10 ms.
        assert!((p.wait_ms - 10.0).abs() < 1e-9);
    }

    #[test]
    fn two_servers_match_the_textbook() {
        // c = 2, a = 1: C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn overload_predicts_an_unbounded_wait() {
        let p = predict(300.0, 100.0, 2);
        assert!(p.rho > 1.0 && p.wait_ms.is_infinite());
    }
}
