//! Building a pipeline with your own types: a source, stages that map
//! `In → Out` with your functions, and a sink. The data path is typed; once
//! built, each stage is an untyped [`StageControl`] the controller can resize
//! and measure.

use std::sync::Arc;

use super::pool::{StageControl, StagePool};
use super::queue::{QueueWriter, queue};
use super::source::Source;
use super::source_thread::{LaunchSource, SourceRunner};
use super::stage_shared::{AbortFlag, StageShared};
use super::work::{Work, WorkError, WorkFactory};
use super::worker::Output;
use crate::model::spec::{Arrivals, QueueCapacity, QueuePolicy, Rate, WorkMode};
use crate::model::{DEFAULT_SEED, MAX_QUEUE, MAX_WORKERS};

/// How one stage is set up.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    /// The stage's name, as shown in the dashboard and reports.
    pub name: String,
    /// Workers at the start.
    pub workers: usize,
    /// The input queue's bound.
    pub queue: QueueCapacity,
    /// What the input queue does when it is full.
    pub policy: QueuePolicy,
    /// How a `slowdown` stretches this stage's work: sleeping or spinning.
    pub mode: WorkMode,
    /// Attempts per item, the first included, before it is dead-lettered.
    pub max_attempts: u32,
}

impl StageConfig {
    /// One worker, a 256-item blocking queue, three attempts.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            // Shown on a terminal: control characters are made visible.
            name: crate::format::printable(&name.into()),
            workers: 1,
            queue: QueueCapacity::Bounded(256),
            policy: QueuePolicy::Block,
            mode: WorkMode::Sleep,
            max_attempts: 3,
        }
    }

    /// Sets the number of workers at the start (at most [`MAX_WORKERS`]:
    /// the limits guard the machine, as a scenario's do).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.min(MAX_WORKERS);
        self
    }

    /// Bounds the input queue at `capacity` items (1 to [`MAX_QUEUE`]).
    pub fn queue(mut self, capacity: usize) -> Self {
        self.queue = QueueCapacity::Bounded(capacity.clamp(1, MAX_QUEUE));
        self
    }

    /// Makes the input queue unbounded; only for showing why bounds matter.
    pub fn unbounded(mut self) -> Self {
        self.queue = QueueCapacity::Unbounded;
        self
    }

    /// Sets what the input queue does when it is full.
    pub fn policy(mut self, policy: QueuePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets how a `slowdown` stretches this stage's work.
    pub fn mode(mut self, mode: WorkMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the attempts per item, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }
}

/// The parts of a pipeline built so far.
pub(crate) struct Parts {
    pub source: Option<Box<dyn LaunchSource>>,
    pub stages: Vec<Box<dyn StageControl>>,
    pub abort: Arc<AbortFlag>,
    /// The arrival process's seed.
    pub seed: u64,
}

/// Connects the last element built so far to what comes after it.
type Connect<T> = Box<dyn FnOnce(Output<T>, &mut Parts) + Send>;

/// Connects the element before a new stage to that stage's input queue.
type ConnectQueue<T> = Box<dyn FnOnce(QueueWriter<T>, &mut Parts) + Send>;

/// A pipeline that can run: see [`Pipeline::from_source`].
pub struct Pipeline {
    pub(crate) parts: Parts,
}

impl Pipeline {
    /// Starts building a pipeline fed by `source`, as fast as it goes
    /// (`Rate::Max`) unless paced with [`SourceBuilder::rate`].
    pub fn from_source<S: Source>(source: S) -> SourceBuilder<S> {
        SourceBuilder {
            source,
            rate: Rate::Max,
            arrivals: Arrivals::Uniform,
            seed: DEFAULT_SEED,
        }
    }

    /// The seed of its arrival process.
    pub fn seed(&self) -> u64 {
        self.parts.seed
    }

    /// The stage names, in order.
    pub fn stage_names(&self) -> Vec<String> {
        self.parts
            .stages
            .iter()
            .map(|s| s.name().to_string())
            .collect()
    }
}

/// A source and its pacing, before the first stage.
pub struct SourceBuilder<S: Source> {
    source: S,
    rate: Rate,
    arrivals: Arrivals,
    seed: u64,
}

impl<S: Source> SourceBuilder<S> {
    /// Paces the source at `rate`.
    pub fn rate(mut self, rate: Rate) -> Self {
        self.rate = rate;
        self
    }

    /// Poisson or evenly spaced arrivals at the rate.
    pub fn arrivals(mut self, arrivals: Arrivals) -> Self {
        self.arrivals = arrivals;
        self
    }

    /// Seeds the arrival process: same seed, same traffic.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The first stage, applying `f` to each item (each worker gets a clone).
    pub fn stage<Out, F>(self, config: StageConfig, f: F) -> PipelineBuilder<Out>
    where
        Out: Send + 'static,
        F: Fn(&S::Item) -> Result<Out, WorkError> + Clone + Send + Sync + 'static,
    {
        self.stage_with(config, cloning_factory(f))
    }

    /// The first stage, with a [`Work`] made per worker by `factory(serial)`.
    pub fn stage_with<Out, W, F>(self, config: StageConfig, factory: F) -> PipelineBuilder<Out>
    where
        Out: Send + 'static,
        W: Work<S::Item, Out> + 'static,
        F: Fn(u64) -> W + Send + Sync + 'static,
    {
        let parts = Parts {
            source: None,
            stages: Vec::new(),
            abort: Arc::new(AbortFlag::default()),
            seed: self.seed,
        };
        let Self {
            source,
            rate,
            arrivals,
            seed,
        } = self;
        let connect_source: ConnectQueue<S::Item> = Box::new(move |writer, parts: &mut Parts| {
            parts.source = Some(Box::new(SourceRunner {
                source,
                writer,
                rate,
                arrivals,
                seed,
            }));
        });
        add_stage(parts, connect_source, config, boxed_factory(factory))
    }
}

/// A pipeline whose last stage emits `T`: add stages, then a sink.
pub struct PipelineBuilder<T> {
    parts: Parts,
    connect_last: Connect<T>,
}

impl<T: Send + 'static> PipelineBuilder<T> {
    /// Another stage, applying `f` to each item (each worker gets a clone).
    pub fn stage<Out, F>(self, config: StageConfig, f: F) -> PipelineBuilder<Out>
    where
        Out: Send + 'static,
        F: Fn(&T) -> Result<Out, WorkError> + Clone + Send + Sync + 'static,
    {
        self.stage_with(config, cloning_factory(f))
    }

    /// Another stage, with a [`Work`] made per worker by `factory(serial)`.
    pub fn stage_with<Out, W, F>(self, config: StageConfig, factory: F) -> PipelineBuilder<Out>
    where
        Out: Send + 'static,
        W: Work<T, Out> + 'static,
        F: Fn(u64) -> W + Send + Sync + 'static,
    {
        let connect_last = self.connect_last;
        let connect_prev: ConnectQueue<T> =
            Box::new(move |writer, parts: &mut Parts| connect_last(Output::Queue(writer), parts));
        add_stage(self.parts, connect_prev, config, boxed_factory(factory))
    }

    /// Ends the pipeline: `sink` receives every completed item (called from
    /// the last stage's workers, possibly concurrently).
    pub fn sink(self, sink: impl Fn(T) + Send + Sync + 'static) -> Pipeline {
        let mut parts = self.parts;
        (self.connect_last)(Output::Sink(Arc::new(sink)), &mut parts);
        Pipeline { parts }
    }
}

fn add_stage<In, Out>(
    parts: Parts,
    connect_prev: ConnectQueue<In>,
    config: StageConfig,
    factory: WorkFactory<In, Out>,
) -> PipelineBuilder<Out>
where
    In: Send + 'static,
    Out: Send + 'static,
{
    let (writer, reader) = queue::<In>(config.queue, config.policy);
    let shared = Arc::new(StageShared::new(
        &config.name,
        config.mode,
        config.max_attempts,
        parts.abort.clone(),
    ));
    let mut parts = parts;
    connect_prev(writer, &mut parts);
    let connect_last: Connect<Out> = Box::new(move |output, parts: &mut Parts| {
        let index = parts.stages.len();
        parts.stages.push(Box::new(StagePool::new(
            index,
            config.name,
            config.workers,
            reader,
            output,
            factory,
            shared,
        )));
    });
    PipelineBuilder {
        parts,
        connect_last,
    }
}

fn boxed_factory<In, Out, W, F>(factory: F) -> WorkFactory<In, Out>
where
    W: Work<In, Out> + 'static,
    F: Fn(u64) -> W + Send + Sync + 'static,
{
    Arc::new(move |serial| Box::new(factory(serial)) as Box<dyn Work<In, Out>>)
}

fn cloning_factory<In, Out, F>(f: F) -> impl Fn(u64) -> F + Send + Sync + 'static
where
    F: Fn(&In) -> Result<Out, WorkError> + Clone + Send + Sync + 'static,
{
    move |_serial| f.clone()
}
