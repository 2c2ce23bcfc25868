//! The up-front estimate of what a scenario's run takes (threads, memory
//! mappings, resident and reserved memory) and its refusal, before the run
//! starts, when that is more than the machine's [`MachineLimits`] leave:
//! `pipetop check` and `pipetop run` both refuse it with exit 2, naming the
//! numbers and the fix. Also the smallest tick that samples every stage in
//! time. Pure: the limits come in as data.
//!
//! # What is compared with what
//!
//! - **Threads** (every worker at the largest pool the scenario ever asks
//!   for, plus the engine's own and the exporter's) against `ulimit -u`
//!   (the user's threads), `threads-max` and `pid_max` (the machine's) and a
//!   cgroup's `pids.max`, each minus what is in use. Each limit refuses a
//!   new thread outright, so each is a hard limit. `ulimit -u` is honoured
//!   even for root, whom the kernel exempts: it is what the user asked for.
//! - **Mappings**: each thread's stack is two mappings (the stack and its
//!   guard page), against `vm.max_map_count` minus the process's own. Past
//!   it the process aborts (the crash the resize leak hit).
//! - **Reserved memory** (virtual): every thread reserves its whole stack
//!   (2 MiB unless `RUST_MIN_STACK` says otherwise), against `ulimit -v`
//!   only. Linux overcommits, so an untouched stack page costs no memory:
//!   comparing reserved stacks with the machine's memory would refuse runs
//!   that fit easily (1 000 idle workers reserve 2 GiB and use 20 MiB).
//! - **Engine work**: every item costs the engine a hand-off at every
//!   stage (a queue's wake-up, a timer, the bookkeeping), about
//!   [`HANDOFF_CPU`] of a core each on this project's VM, whatever the
//!   stage's own service. At the scenario's peak declared rate, hand-offs
//!   that need more cores than the machine has would leave no CPU to
//!   measure with: the control thread starves, ticks stop, and the run
//!   neither shows nor ends anything. (A `spin` stage's own CPU is the
//!   lesson of oversubscription, not counted here; `rate = "max"` is
//!   bounded by the stages themselves.)
//! - **Resident memory** (what the run will really use) against
//!   `MemAvailable`, and against the run's memory cap: past the cap the
//!   run would abort at its first tick. The figures below were measured
//!   on this engine (`--series` RSS of one-stage and 200-stage runs).

use std::fmt::Write as _;
use std::time::Duration;

use crate::metrics::DEFAULT_WINDOW_SECS;
use crate::model::spec::Rate;
use crate::model::{Command, MAX_WORKERS};

use super::machine_limits::{Allowance, MachineLimits};
use super::{Scenario, ScenarioError};

/// Threads every run has besides its workers: the main thread, the
/// control thread and the source thread.
pub const ENGINE_THREADS: u64 = 3;
/// Threads `--prometheus` may add: the exporter's own, the HTTP server's
/// listener and its pool of connection threads (an allowance).
pub const EXPORTER_THREADS: u64 = 6;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
/// The process before any stage: binary, allocator, sampler, dashboard
/// buffers (a one-stage run measured 7.3 MiB).
const PROCESS_RESIDENT: u64 = 8 * MIB;
/// What a thread keeps resident: the stack pages it touches, its
/// thread-locals and its handle (1 000 idle workers measured 20 MiB).
const THREAD_RESIDENT: u64 = 32 * KIB;
/// A worker's latency tallies (service and wait), grown as used: each at
/// most 16 384 four-byte buckets for latencies up to about 34 ms.
const WORKER_TALLIES: u64 = 128 * KIB;
/// One hdrhistogram at three digits holding values up to 2^25 ns (about
/// 34 ms): 17 × 1 024 eight-byte counts. Histograms grow with the largest
/// value seen; this is the size of a busy stage's.
const HISTOGRAM: u64 = 136 * KIB;
/// A queue when the run starts: queues grow with what they hold, and the
/// memory cap, not this estimate, bounds that growth.
const QUEUE_START: u64 = 4 * KIB;
/// Sampling one stage at a tick (its counters, gauges and two windowed
/// histograms) and writing it to the series and the dashboard: a generous
/// figure, so that the tick is never shorter than the work it paces.
const SAMPLE_PER_STAGE: Duration = Duration::from_micros(250);
/// Sampling one worker's counters at a tick.
const SAMPLE_PER_WORKER: Duration = Duration::from_micros(2);
/// The engine's CPU per item per stage, measured with
/// `benches/many_workers.rs` (64 sleeping workers: ~35 µs for each of
/// 10 000 hand-offs a second, source included), rounded down: a refusal
/// must never be a near thing.
pub const HANDOFF_CPU: Duration = Duration::from_micros(25);
/// The shortest tick `--tick` allows at all.
pub const MIN_TICK: Duration = Duration::from_millis(10);

/// What a scenario's run takes, estimated before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    /// Stages in the pipeline.
    pub stages: usize,
    /// Worker threads at once, at most: each stage at the largest pool its
    /// `workers` or a timeline entry asks for (and at least one, which a
    /// drain gives back to an empty stage).
    pub workers: u64,
    /// The stage with the most workers, and how many.
    pub largest: Option<(String, u64)>,
    /// Every thread: workers, the engine's and the front end's.
    pub threads: u64,
    /// Memory mappings the threads' stacks take (two each).
    pub mappings: u64,
    /// Stack reserved per thread (virtual memory).
    pub stack_bytes: u64,
    /// Virtual memory reserved by all the stacks.
    pub stacks_reserved: u64,
    /// Resident memory the run is expected to use when it starts working.
    pub resident: u64,
    /// Items handed from queue to worker per second, at the peak declared
    /// rate: the rate times the stages (`None` for `rate = "max"`).
    pub handoffs_per_s: Option<f64>,
}

impl Footprint {
    /// Cores the engine's own hand-offs need at the peak declared rate.
    pub fn engine_cores(&self) -> Option<f64> {
        self.handoffs_per_s
            .map(|per_s| per_s * HANDOFF_CPU.as_secs_f64())
    }
}

/// The highest rate the scenario declares, at the start or in its
/// timeline (rate profiles are timeline steps); `None` when any is "max".
fn peak_rate(scenario: &Scenario) -> Option<f64> {
    let declared = std::iter::once(scenario.pipeline.source.rate).chain(
        scenario.timeline.iter().filter_map(|t| match t.command {
            Command::Rate(rate) => Some(rate),
            _ => None,
        }),
    );
    declared
        .map(|rate| match rate {
            Rate::PerSecond(per_s) => Some(per_s),
            Rate::Max => None,
        })
        .try_fold(0.0f64, |peak, rate| rate.map(|r| peak.max(r)))
}

/// Estimates the run of `scenario` with `extra_threads` beyond the
/// engine's (see [`EXPORTER_THREADS`]) and stacks of `stack_bytes`.
pub fn estimate(scenario: &Scenario, extra_threads: u64, stack_bytes: u64) -> Footprint {
    let stages = &scenario.pipeline.stages;
    let mut pools: Vec<u64> = stages.iter().map(|s| s.workers.max(1) as u64).collect();
    for entry in &scenario.timeline {
        if let Command::Workers { stage, count } = entry.command
            && let Some(pool) = pools.get_mut(stage)
        {
            *pool = (*pool).max(count.min(MAX_WORKERS) as u64);
        }
    }
    let workers: u64 = pools.iter().sum();
    let largest = stages
        .iter()
        .zip(&pools)
        .min_by_key(|(_, n)| std::cmp::Reverse(**n))
        .map(|(s, n)| (s.name.clone(), *n));
    let threads = workers + ENGINE_THREADS + extra_threads;
    let histograms_per_metric = DEFAULT_WINDOW_SECS as u64 + 2;
    let per_stage = 2 * histograms_per_metric * HISTOGRAM + QUEUE_START;
    let resident = PROCESS_RESIDENT
        + histograms_per_metric * HISTOGRAM
        + stages.len() as u64 * per_stage
        + threads * THREAD_RESIDENT
        + workers * WORKER_TALLIES;
    Footprint {
        stages: stages.len(),
        workers,
        largest,
        threads,
        mappings: 2 * threads,
        stack_bytes,
        stacks_reserved: threads.saturating_mul(stack_bytes),
        resident,
        handoffs_per_s: peak_rate(scenario).map(|rate| rate * stages.len() as f64),
    }
}

/// Refuses a run whose footprint is more than `limits` leave, or whose
/// resident memory alone passes its memory cap; the error names every
/// limit passed, with the numbers, and how to fix it.
pub fn refuse_beyond(
    scenario: &Scenario,
    footprint: &Footprint,
    limits: &MachineLimits,
) -> Result<(), ScenarioError> {
    let mut passed = String::new();
    let mut fixes: Vec<&str> = Vec::new();
    let f = footprint;
    // Each row compares in units of one, and shows counts as they are and
    // bytes in MiB.
    let mut over = |need: u64, allowance: Option<Allowance>, what: &str, name: &str, fix| {
        let Some(a) = allowance else { return };
        if need <= a.room() {
            return;
        }
        let unit = if what.contains("MiB") { MIB } else { 1 };
        let _ = if a.in_use == 0 {
            write!(
                passed,
                "\n    {} {what} > {}, {name}",
                need / unit,
                a.limit / unit
            )
        } else {
            write!(
                passed,
                "\n    {} {what} > {} left of {name} ({} with {} in use)",
                need / unit,
                a.room() / unit,
                a.limit / unit,
                a.in_use / unit
            )
        };
        fixes.push(fix);
    };
    over(
        f.threads,
        limits.user_threads,
        "threads",
        "the user's thread limit",
        "raise `ulimit -u`",
    );
    over(
        f.threads,
        limits.threads_max,
        "threads",
        "kernel.threads-max",
        "raise kernel.threads-max (sysctl)",
    );
    over(
        f.threads,
        limits.pid_max,
        "threads",
        "kernel.pid_max",
        "raise kernel.pid_max (sysctl)",
    );
    over(
        f.threads,
        limits.cgroup_pids,
        "threads",
        "the cgroup's pids.max",
        "raise the container's pids limit",
    );
    over(
        f.mappings,
        limits.map_count,
        "stack mappings",
        "vm.max_map_count",
        "raise vm.max_map_count (sysctl)",
    );
    over(
        f.stacks_reserved.saturating_add(f.resident),
        limits.address_space,
        "MiB of address space",
        "`ulimit -v`",
        "raise `ulimit -v`",
    );
    over(
        f.resident,
        limits
            .memory_available
            .map(|limit| Allowance { limit, in_use: 0 }),
        "MiB resident",
        "the machine's available memory",
        "free memory",
    );
    over(
        f.resident,
        scenario
            .memory_cap
            .bytes()
            .map(|limit| Allowance { limit, in_use: 0 }),
        "MiB resident",
        "the memory cap: the run would soon abort",
        "raise `memory_cap` (or --memory-cap)",
    );
    if let (Some(cores), Some(need)) = (limits.cores, f.engine_cores())
        && need > cores as f64
    {
        let _ = write!(
            passed,
            "\n    {:.0} items/s × {} stages need about {need:.1} cores of the engine's \
             own work ({} µs a hand-off) > the machine's {cores}",
            f.handoffs_per_s.unwrap_or_default() / f.stages.max(1) as f64,
            f.stages,
            HANDOFF_CPU.as_micros(),
        );
        fixes.push("lower the source's rate");
    }
    if passed.is_empty() {
        return Ok(());
    }
    let largest = f
        .largest
        .as_ref()
        .map(|(name, n)| format!(", the largest `{name}` with {n}"))
        .unwrap_or_default();
    Err(ScenarioError::file(
        &scenario.origin,
        format!(
            "needs about {} threads and {} MiB resident ({} MiB of stacks reserved), \
             more than this machine allows:{passed}",
            f.threads,
            f.resident / MIB,
            f.stacks_reserved / MIB,
        ),
    )
    .with_help(format!(
        "use fewer workers or stages ({} stages, {} workers in all{largest}), or {}",
        f.stages,
        f.workers,
        fixes.join(", ")
    )))
}

/// The shortest tick at which sampling every stage and worker fits in
/// the tick, so that no tick is skipped for want of time: at least
/// [`MIN_TICK`], rounded up to a whole millisecond.
pub fn smallest_tick(footprint: &Footprint) -> Duration {
    let work = SAMPLE_PER_STAGE * footprint.stages as u32
        + SAMPLE_PER_WORKER * u32::try_from(footprint.workers).unwrap_or(u32::MAX / 2);
    let ms = work.as_nanos().div_ceil(1_000_000) as u64;
    Duration::from_millis(ms).max(MIN_TICK)
}

/// Refuses a tick shorter than [`smallest_tick`]: most of its ticks would
/// be skipped.
pub fn refuse_short_tick(
    scenario: &Scenario,
    footprint: &Footprint,
    tick: Duration,
) -> Result<(), ScenarioError> {
    let smallest = smallest_tick(footprint);
    if tick >= smallest {
        return Ok(());
    }
    Err(ScenarioError::file(
        &scenario.origin,
        format!(
            "{} stages and {} workers cannot be sampled every {}: \
             the smallest tick for them is {}",
            footprint.stages,
            footprint.workers,
            humantime::format_duration(tick),
            humantime::format_duration(smallest),
        ),
    )
    .with_help(format!(
        "use --tick {} or more, or fewer stages",
        humantime::format_duration(smallest)
    )))
}

/// The estimate as `pipetop check` shows it.
pub fn summary_line(footprint: &Footprint) -> String {
    format!(
        "  footprint: about {} threads ({} workers), {} MiB resident, \
         {} MiB of stacks reserved; smallest --tick {}",
        footprint.threads,
        footprint.workers,
        footprint.resident / MIB,
        footprint.stacks_reserved / MIB,
        humantime::format_duration(smallest_tick(footprint)),
    )
}

/// Estimates the run with this machine's `limits` and refuses it when it
/// does not fit: what `check` and `run` both do before anything starts.
pub fn check(
    scenario: &Scenario,
    limits: &MachineLimits,
    extra_threads: u64,
) -> Result<Footprint, ScenarioError> {
    let footprint = estimate(scenario, extra_threads, limits.stack_bytes);
    refuse_beyond(scenario, &footprint, limits)?;
    Ok(footprint)
}

#[cfg(test)]
#[path = "capacity_tests.rs"]
mod tests;
