//! Queueing theory beside the measurements, for one stage: utilization
//! ρ = λ/(c·μ), Little's law L = λW, Erlang C's M/M/c predictions (only when
//! the model holds), saturation when ρ ≥ 1, and the worker count that would
//! bring ρ under [`HEADROOM`]. Pure arithmetic; the report and the
//! dashboard's theory overlay both use it.
//!
//! Little's law is checked at the queue, exactly: `queue_len_little` is
//! λ × the mean wait, `queue_len_measured` the queue's length integrated
//! over time (by the engine, at every admission and departure) over the
//! same span. And for the whole stage, two ways. `items_in_stage` is L = λ·W with W the
//! measured mean wait + mean service; `items_in_stage_measured` is the
//! observed mean number in the stage when the caller has samples (the
//! dashboard: `queue_len` averaged over its recent history plus busy × c;
//! the report, which sees only the final cumulative snapshot, leaves it
//! null). The in-service
//! half is always checkable: `busy × c` (time accounting) against the
//! offered load a = λ/μ (= λ × mean service).
//!
//! Erlang C is computed through the Erlang B recurrence
//! B(k) = a·B(k−1) / (k + a·B(k−1)), C = B / (1 − ρ(1 − B)): no factorials,
//! stable for any c (tested to 1024).

use serde::Serialize;

use crate::model::{Arrivals, PipelineSpec, QueueCapacity, Rate, ServiceDist};

/// The utilization the what-if aims under: the usual headroom.
pub const HEADROOM: f64 = 0.8;

/// A measured ρ from here counts as saturated: when upstream blocks, the
/// measured arrival rate is capped at c·μ, so ρ never gets past ~1.
pub const AT_CAPACITY: f64 = 0.98;

/// What the stage measured, as theory needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// λ: items accepted per second.
    pub arrival_rate: f64,
    /// Mean time a worker spends on one item, ms.
    pub service_ms: f64,
    /// Mean time an item waits in the input queue, ms.
    pub wait_ms: f64,
    /// c: the pool size.
    pub workers: usize,
    /// Fraction of worker time spent processing.
    pub busy: f64,
    /// Input queue bound (`None`: unbounded).
    pub queue_capacity: Option<usize>,
    /// Items in the input queue now.
    pub queue_len: usize,
    /// Time-average of queued + in-service items, when sampled.
    pub items_in_stage: Option<f64>,
    /// The queue's time-averaged length over the same span as `arrival_rate`
    /// and `wait_ms` (integrated, not sampled), when known.
    pub queue_len_mean: Option<f64>,
    /// The source's rate, items/s, when known: the demand a stage at capacity
    /// would see if nothing upstream were held back.
    pub source_rate: Option<f64>,
}

/// Erlang C's prediction for an M/M/c queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    /// c: the pool size the prediction is for.
    pub workers: usize,
    /// ρ = λ/(c·μ).
    pub utilization: f64,
    /// Probability that an arrival waits (Erlang C); 1 when ρ ≥ 1.
    pub p_wait: f64,
    /// Wq, mean wait in the queue, ms; infinite when ρ ≥ 1.
    pub wait_ms: f64,
    /// Lq = λ·Wq, mean items queued; infinite when ρ ≥ 1.
    pub queue_len: f64,
}

/// Theory for one stage, next to what was measured (report field names).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageTheory {
    /// λ: measured arrival rate, items/s.
    pub arrival_rate: f64,
    /// μ: items/s one worker completes, 1 / mean measured service time.
    pub service_rate: f64,
    /// c: workers.
    pub workers: usize,
    /// a = λ/μ (Erlangs): the mean number of busy workers theory expects.
    pub offered_load: f64,
    /// ρ = λ/(c·μ).
    pub utilization: f64,
    /// busy × c: the mean number of busy workers measured (compare with `offered_load`).
    pub in_service_measured: f64,
    /// W: measured mean wait + mean service, ms.
    pub time_in_stage_ms: f64,
    /// L = λ·W: Little's law's mean number of items in the stage.
    pub items_in_stage: f64,
    /// Time-averaged sampled queue_len + in_service; null when not sampled.
    pub items_in_stage_measured: Option<f64>,
    /// Little's law for the queue alone: λ × the measured mean wait, items.
    pub queue_len_little: f64,
    /// The queue's measured time-averaged length over the same span (compare
    /// with `queue_len_little`); null when not known.
    pub queue_len_measured: Option<f64>,
    /// "M/M/c" when the Erlang C predictions apply, else null.
    pub model: Option<String>,
    /// Why there is no M/M/c prediction (null when there is one).
    pub model_note: Option<String>,
    /// Erlang C: probability that an arrival waits.
    pub p_wait: Option<f64>,
    /// Erlang C: Wq, mean wait in the queue, ms (compare with the measured `wait_ms.mean`).
    pub wait_ms_predicted: Option<f64>,
    /// Erlang C: Lq, mean number queued.
    pub queue_len_predicted: Option<f64>,
    /// ρ ≥ 1 (measured ρ ≥ 0.98, or the source's demand over c·μ): no
    /// steady state, the queue grows (or upstream is held back).
    pub saturated: bool,
    /// When saturated and the source's rate is known: the demand the stage
    /// would see without backpressure (its measured λ is capped at c·μ).
    pub offered_rate: Option<f64>,
    /// max(λ, offered) − c·μ, items/s, when saturated: how fast the backlog
    /// grows (in this queue, then upstream).
    pub queue_growth_per_s: Option<f64>,
    /// Seconds until a bounded queue is full at that growth (0 if full now).
    pub queue_full_in_s: Option<f64>,
    /// The smallest c with ρ < 0.8 at this arrival rate (the offered rate when
    /// saturated); null before a service time is measured.
    pub workers_needed: Option<usize>,
}

impl StageTheory {
    /// Theory for what was measured; `markov` says whether the stage is
    /// M/M/c (`Err(reason)` when it is not, or not known to be).
    pub fn new(m: Measured, markov: Result<(), String>) -> Self {
        let lambda = m.arrival_rate.max(0.0);
        let mu = service_rate(m.service_ms);
        let c = m.workers;
        let offered_load = if mu > 0.0 { lambda / mu } else { 0.0 };
        let rho = utilization(lambda, mu, c);
        let time_in_stage_ms = m.wait_ms.max(0.0) + m.service_ms.max(0.0);
        let at_capacity = rho >= AT_CAPACITY;
        let offered_rate = m
            .source_rate
            .filter(|_| at_capacity)
            .map(|rate| rate.max(lambda));
        let demand = offered_rate.unwrap_or(lambda);
        let saturated = at_capacity || utilization(demand, mu, c) >= 1.0;
        let growth = (demand - c as f64 * mu).max(0.0);
        let queue_full_in_s = match m.queue_capacity {
            Some(cap) if saturated && growth > 0.0 => {
                Some(cap.saturating_sub(m.queue_len) as f64 / growth)
            }
            _ => None,
        };
        let mut theory = Self {
            arrival_rate: lambda,
            service_rate: mu,
            workers: c,
            offered_load,
            utilization: rho,
            in_service_measured: m.busy.clamp(0.0, 1.0) * c as f64,
            time_in_stage_ms,
            items_in_stage: lambda * time_in_stage_ms / 1e3,
            items_in_stage_measured: m.items_in_stage,
            queue_len_little: lambda * m.wait_ms.max(0.0) / 1e3,
            queue_len_measured: m.queue_len_mean,
            model: None,
            model_note: None,
            p_wait: None,
            wait_ms_predicted: None,
            queue_len_predicted: None,
            saturated,
            offered_rate,
            queue_growth_per_s: saturated.then_some(growth),
            queue_full_in_s,
            workers_needed: workers_needed(demand, mu, HEADROOM),
        };
        let usable = markov.and_then(|()| {
            if mu <= 0.0 {
                Err("no service time measured yet".to_string())
            } else if c == 0 {
                Err("no workers".to_string())
            } else if saturated {
                Err("ρ ≥ 1: no steady state, the queue grows".to_string())
            } else {
                Ok(())
            }
        });
        match usable {
            Ok(()) => {
                let p = predict(lambda, mu, c);
                theory.model = Some("M/M/c".to_string());
                theory.p_wait = Some(p.p_wait);
                theory.wait_ms_predicted = Some(p.wait_ms);
                theory.queue_len_predicted = Some(p.queue_len);
            }
            Err(note) => theory.model_note = Some(note),
        }
        theory
    }
}

/// μ for a mean service time in ms; 0 when none is measured.
pub fn service_rate(service_ms: f64) -> f64 {
    if service_ms > 0.0 {
        1e3 / service_ms
    } else {
        0.0
    }
}

/// ρ = λ/(c·μ); 0 with no arrivals, infinite with arrivals and no capacity.
pub fn utilization(lambda: f64, mu: f64, c: usize) -> f64 {
    let capacity = c as f64 * mu;
    if lambda <= 0.0 {
        0.0
    } else if capacity > 0.0 {
        lambda / capacity
    } else {
        f64::INFINITY
    }
}

/// The smallest c with λ/(c·μ) < `target`; `None` without a service rate.
pub fn workers_needed(lambda: f64, mu: f64, target: f64) -> Option<usize> {
    if mu <= 0.0 || target <= 0.0 {
        return None;
    }
    let a = lambda.max(0.0) / mu;
    // Strictly under the target: floor(a/target) + 1, at least one worker.
    let c = (a / target).floor() as usize + 1;
    Some(c.max(1))
}

/// Erlang C: the probability of waiting with `c` servers and offered load
/// `a` = λ/μ. 1 when a ≥ c (or c = 0), 0 when a = 0.
pub fn erlang_c(c: usize, a: f64) -> f64 {
    if c == 0 || a >= c as f64 {
        return 1.0;
    }
    if a <= 0.0 {
        return 0.0;
    }
    let b = (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b));
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}

/// The M/M/c prediction for arrival rate λ, per-worker service rate μ
/// (items/s) and `c` workers.
pub fn predict(lambda: f64, mu: f64, c: usize) -> Prediction {
    let rho = utilization(lambda, mu, c);
    if rho >= 1.0 {
        return Prediction {
            workers: c,
            utilization: rho,
            p_wait: 1.0,
            wait_ms: f64::INFINITY,
            queue_len: f64::INFINITY,
        };
    }
    if lambda <= 0.0 {
        return Prediction {
            workers: c,
            utilization: 0.0,
            p_wait: 0.0,
            wait_ms: 0.0,
            queue_len: 0.0,
        };
    }
    let p_wait = erlang_c(c, lambda / mu);
    let wq_s = p_wait / (c as f64 * mu - lambda);
    Prediction {
        workers: c,
        utilization: rho,
        p_wait,
        wait_ms: wq_s * 1e3,
        queue_len: lambda * wq_s,
    }
}

/// Whether stage `index` of a simulated pipeline is an M/M/c queue:
/// Poisson arrivals at a fixed rate, exponential service, and (Burke's
/// theorem) every stage before it M/M/c too, so its departures, this
/// stage's arrivals, are Poisson. Failures (retries) and bounded queues that
/// block break the model; a bounded queue that never fills is harmless, so
/// it is not excluded here (Erlang C assumes an unbounded queue).
pub fn markov_stage(spec: &PipelineSpec, index: usize) -> Result<(), String> {
    if spec.source.arrivals != Arrivals::Poisson {
        return Err("arrivals are not Poisson".to_string());
    }
    if let Rate::Max = spec.source.rate {
        return Err("the source runs at max rate, not Poisson".to_string());
    }
    let Some(stages) = spec.stages.get(..=index) else {
        return Err("stage not in the spec".to_string());
    };
    for (i, stage) in stages.iter().enumerate() {
        let whose = if i == index {
            "service".to_string()
        } else {
            format!("upstream stage {}'s service", stage.name)
        };
        if !matches!(stage.service, ServiceDist::Exp { .. }) {
            return Err(format!(
                "{whose} is {}, not exponential",
                stage.service.name()
            ));
        }
        if stage.fail_rate > 0.0 {
            return Err(format!("{} retries failed attempts", stage.name));
        }
        if i < index && stage.queue == QueueCapacity::Bounded(0) {
            return Err(format!("{} has no queue", stage.name));
        }
    }
    Ok(())
}

/// `markov_stage` when the spec is known; library pipelines are not modelled.
pub fn markov(spec: Option<&PipelineSpec>, index: usize) -> Result<(), String> {
    match spec {
        Some(spec) => markov_stage(spec, index),
        None => Err("service and arrival distributions unknown (library pipeline)".to_string()),
    }
}

#[cfg(test)]
mod tests;
