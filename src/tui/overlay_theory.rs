//! The theory overlay's inputs for one stage: its measurements over the
//! latency window (λ admitted, the mean wait and service, the queue's
//! integrated mean length) handed to [`crate::metrics::theory`], which does
//! all the arithmetic for the dashboard and the report alike. One span for
//! every figure, so ρ and Little's law do not jump from tick to tick.

use crate::metrics::theory::{self, Measured, Prediction, StageTheory};
use crate::metrics::{Backpressure, StageSnapshot};

/// What the theory overlay shows for a stage.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlayTheory {
    /// The stage's queueing figures, from the live snapshot.
    pub theory: StageTheory,
    /// Erlang C at the current pool size, for the demand.
    pub now: Prediction,
    /// Erlang C with one more worker.
    pub one_more: Prediction,
    /// The measured mean wait over the window, ms.
    pub wait_ms: f64,
}

impl OverlayTheory {
    /// Theory for `stage`, or `None` before it has a service time.
    /// `source_rate` is the source's rate (the demand when the stage is held
    /// at capacity) and `markov` whether the stage is an M/M/c queue (see
    /// [`theory::markov`]). Erlang C is computed either way: for a stage
    /// that is not M/M/c it is what an M/M/c stage would do, and
    /// `theory.model_note` says why it does not apply.
    pub fn of(
        stage: &StageSnapshot,
        source_rate: Option<f64>,
        markov: Result<(), String>,
    ) -> Option<Self> {
        let service_ms = stage.service_ms.window.mean;
        if service_ms <= 0.0 {
            return None;
        }
        let markov = markov.and_then(|()| live_markov(stage));
        let queue_avg = stage.window.queue_len_mean;
        let workers = stage.workers_target;
        let theory = StageTheory::new(
            Measured {
                arrival_rate: stage.window.in_rate,
                service_ms,
                wait_ms: stage.wait_ms.window.mean,
                workers,
                busy: stage.busy,
                queue_capacity: stage.queue_capacity,
                queue_len: stage.queue_len,
                items_in_stage: Some(queue_avg + stage.busy * workers as f64),
                queue_len_mean: Some(queue_avg),
                source_rate,
            },
            markov,
        );
        let demand = theory.offered_rate.unwrap_or(theory.arrival_rate);
        let c = workers.max(1);
        Some(Self {
            now: theory::predict(demand, theory.service_rate, c),
            one_more: theory::predict(demand, theory.service_rate, c + 1),
            wait_ms: stage.wait_ms.window.mean,
            theory,
        })
    }
}

/// What the live figures say against the M/M/c model, beyond the spec: a
/// full queue holds arrivals back upstream, so they stop being the Poisson
/// stream, and workers blocked handing items on are held beyond their
/// service, so the stage no longer serves at μ.
fn live_markov(stage: &StageSnapshot) -> Result<(), String> {
    if stage
        .queue_capacity
        .is_some_and(|cap| stage.queue_len >= cap)
    {
        return Err("its queue is full, so arrivals are held back upstream".to_string());
    }
    if stage.backpressure != Backpressure::Ok {
        return Err(format!(
            "its workers are blocked {:.0}% of the time handing items on",
            stage.blocked * 100.0
        ));
    }
    Ok(())
}
