//! Scenario pipelines: a [`PipelineSpec`] built with the same typed builder
//! library users have, over a payload-free simulated item. Each stage's work
//! spends a sampled service time and fails at the declared rate.
//!
//! The randomness of an attempt comes from the seed, the stage, the item's id
//! and the attempt number (see `engine::attempt`), not from the
//! worker: with the same seed the same items take the same time and fail the
//! same way, whichever worker takes them and however threads are scheduled.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use super::attempt;
use super::pipeline::{Pipeline, StageConfig};
use super::service::{ServiceTime, spend};
use super::source::SimulatedSource;
use super::work::{Work, WorkError};
use crate::model::mix;
use crate::model::spec::{FailKind, PipelineSpec, StageSpec, WorkMode};

/// One simulated stage's work.
struct SimulatedWork {
    /// The run's seed mixed with the stage's index.
    stage_seed: u64,
    service: ServiceTime,
    mode: WorkMode,
    fail_rate: f64,
    fail_kind: FailKind,
}

impl Work<(), ()> for SimulatedWork {
    fn process(&mut self, _: &()) -> Result<(), WorkError> {
        let (id, attempt) = attempt::current();
        let mut rng = SmallRng::seed_from_u64(mix(self.stage_seed, id, u64::from(attempt)));
        spend(self.service.sample(&mut rng), self.mode);
        if self.fail_rate > 0.0 && rng.random_bool(self.fail_rate.min(1.0)) {
            match self.fail_kind {
                FailKind::Error => return Err(WorkError::new("simulated failure")),
                FailKind::Panic => panic!("simulated panic"),
            }
        }
        Ok(())
    }
}

fn config(stage: &StageSpec) -> StageConfig {
    StageConfig {
        name: stage.name.clone(),
        workers: stage.workers,
        queue: stage.queue,
        policy: stage.policy,
        mode: stage.mode,
        max_attempts: stage.max_attempts,
    }
}

fn factory(
    seed: u64,
    index: usize,
    stage: &StageSpec,
) -> impl Fn(u64) -> SimulatedWork + Send + Sync + 'static {
    let service = ServiceTime::new(stage.service);
    let (mode, fail_rate, fail_kind) = (stage.mode, stage.fail_rate, stage.fail_kind);
    let stage_seed = mix(seed, index as u64 + 1, 0);
    move |_incarnation| SimulatedWork {
        stage_seed,
        service: service.clone(),
        mode,
        fail_rate,
        fail_kind,
    }
}

/// Builds the pipeline a spec describes. `spec.stages` must not be empty.
pub fn build(spec: &PipelineSpec) -> Pipeline {
    let (first, rest) = spec
        .stages
        .split_first()
        .expect("a validated spec has at least one stage");
    let mut builder = Pipeline::from_source(SimulatedSource)
        .rate(spec.source.rate)
        .arrivals(spec.source.arrivals)
        .seed(spec.seed)
        .stage_with(config(first), factory(spec.seed, 0, first));
    for (i, stage) in rest.iter().enumerate() {
        builder = builder.stage_with(config(stage), factory(spec.seed, i + 1, stage));
    }
    builder.sink(|()| {})
}
