//! `pipetop sweep`: capacity planning in virtual time. Every combination
//! of the `--vary` values is a variant; each runs `--replications` times
//! (seeds `seed`, `seed + 1`, …) on all cores, and the table gives its
//! throughput, end-to-end p50/p99 with 95% confidence intervals, drops and
//! bottleneck, and marks the cheapest variant (fewest workers in all) that
//! meets every `--goal`.

mod goal;
mod stats;
mod table;
mod vary;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::metrics::Snapshot;
use crate::model::PipelineSpec;
use crate::scenario::Scenario;
use crate::simulator::{SimSetup, Simulation, machine_cores};

pub use goal::{Goal, Measures};
pub use stats::{Estimate, estimate};
pub use table::table;
pub use vary::{Field, Value, Vary};

/// The most runs (variants × replications) one sweep makes.
pub const MAX_RUNS: usize = 100_000;

/// What to sweep.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The scenario the variants start from.
    pub scenario: Scenario,
    /// What to vary; every combination is a variant.
    pub varies: Vec<Vary>,
    /// What every variant is judged by.
    pub goals: Vec<Goal>,
    /// Runs per variant (seeds seed, seed + 1, …).
    pub replications: usize,
    /// How long each run lasts (then it drains).
    pub duration: Duration,
    /// Each run's sampling period.
    pub tick: Duration,
}

/// One variant's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantResult {
    /// `stage.field` → value, for each `--vary`.
    pub vary: Vec<(String, String)>,
    /// Workers in all stages at the start.
    pub workers_total: usize,
    /// Items completed per second.
    pub throughput: Estimate,
    /// End-to-end p50, ms.
    pub p50_ms: Estimate,
    /// End-to-end p99, ms.
    pub p99_ms: Estimate,
    /// Items dropped or dead-lettered.
    pub drops: Estimate,
    /// The stage that was the bottleneck in most ticks, over all replications.
    pub bottleneck: Option<String>,
    /// Every goal met (on the means).
    pub meets_goals: bool,
    /// The goals it misses.
    pub missed: Vec<String>,
}

/// A whole sweep's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepReport {
    /// The format's version: 1.
    pub schema: u32,
    /// The scenario's name.
    pub scenario: String,
    /// The first replication's seed.
    pub seed: u64,
    /// Runs per variant.
    pub replications: usize,
    /// Virtual seconds each run lasts before its drain.
    pub duration_s: f64,
    /// Always `"virtual"`.
    pub clock: &'static str,
    /// The goals, as given.
    pub goals: Vec<String>,
    /// Every variant, in the order of the combinations.
    pub variants: Vec<VariantResult>,
    /// Index into `variants` of the cheapest variant meeting every goal.
    pub cheapest: Option<usize>,
}

/// What one run left behind.
#[derive(Debug, Clone)]
struct RunResult {
    measures: Measures,
    bottleneck_ticks: Vec<u64>,
}

/// Every combination of the values, first `--vary` slowest.
fn combinations(varies: &[Vary]) -> Vec<Vec<Value>> {
    let mut all = vec![Vec::new()];
    for vary in varies {
        all = all
            .into_iter()
            .flat_map(|prefix| {
                vary.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(*v);
                    next
                })
            })
            .collect();
    }
    all
}

/// Checks a plan against its scenario: the stages it names, its size.
pub fn check(plan: &SweepPlan) -> Result<(), String> {
    for vary in &plan.varies {
        vary.check(&plan.scenario.pipeline, &plan.scenario.name)?;
    }
    let runs = combinations(&plan.varies).len() * plan.replications;
    if runs > MAX_RUNS {
        return Err(format!(
            "the sweep asks for {runs} runs, more than {MAX_RUNS}: vary fewer values or use fewer replications"
        ));
    }
    Ok(())
}

fn run_one(spec: &PipelineSpec, plan: &SweepPlan) -> RunResult {
    let s = &plan.scenario;
    let setup = SimSetup {
        tick: plan.tick,
        window_secs: crate::metrics::DEFAULT_WINDOW_SECS,
        timeline: s.timeline.clone(),
        stop_after: Some(plan.duration),
        memory_cap: s.memory_cap.bytes(),
        cores: s.cores.unwrap_or_else(machine_cores),
        // A variant drains to its end: its backlog is part of its answer.
        drain_timeout: None,
    };
    let mut sim = Simulation::new(spec, setup);
    let mut bottleneck_ticks = vec![0; spec.stages.len()];
    let mut last: Option<Snapshot> = None;
    while let Some(snapshot) = sim.next_snapshot() {
        if let Some(b) = snapshot.bottleneck {
            bottleneck_ticks[b] += 1;
        }
        last = Some(snapshot);
    }
    let last = last.expect("a run has a final snapshot");
    let e2e = last.end_to_end_ms.total;
    let t = last.totals;
    RunResult {
        measures: Measures {
            p50_ms: e2e.p50,
            p90_ms: e2e.p90,
            p99_ms: e2e.p99,
            p999_ms: e2e.p999,
            max_ms: e2e.max,
            mean_ms: e2e.mean,
            drops: (t.dropped + t.dead_lettered) as f64,
            generated: t.generated as f64,
            throughput: if last.t_s > 0.0 {
                t.completed as f64 / last.t_s
            } else {
                0.0
            },
        },
        bottleneck_ticks,
    }
}

/// Runs the sweep on all cores; `progress` hears of each finished run.
pub fn run(plan: &SweepPlan, progress: &(dyn Fn(usize, usize) + Sync)) -> SweepReport {
    let combos = combinations(&plan.varies);
    let specs: Vec<PipelineSpec> = combos
        .iter()
        .map(|values| {
            let mut spec = plan.scenario.pipeline.clone();
            for (vary, value) in plan.varies.iter().zip(values) {
                vary.apply(&mut spec, *value);
            }
            spec
        })
        .collect();
    let jobs = specs.len() * plan.replications;
    let results: Mutex<Vec<Option<RunResult>>> = Mutex::new(vec![None; jobs]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let threads = machine_cores().min(jobs).max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed);
                    if job >= jobs {
                        return;
                    }
                    let (variant, replication) = (job / plan.replications, job % plan.replications);
                    let mut spec = specs[variant].clone();
                    spec.seed = plan.scenario.pipeline.seed.wrapping_add(replication as u64);
                    let result = run_one(&spec, plan);
                    results.lock().unwrap_or_else(|e| e.into_inner())[job] = Some(result);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, jobs);
                }
            });
        }
    });
    let results: Vec<RunResult> = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every run finished"))
        .collect();
    let variants: Vec<VariantResult> = combos
        .iter()
        .zip(&specs)
        .zip(results.chunks(plan.replications))
        .map(|((values, spec), runs)| summarize(plan, values, spec, runs))
        .collect();
    let cheapest = variants
        .iter()
        .enumerate()
        .filter(|(_, v)| v.meets_goals)
        .min_by_key(|(i, v)| (v.workers_total, *i))
        .map(|(i, _)| i);
    SweepReport {
        schema: 1,
        scenario: plan.scenario.name.clone(),
        seed: plan.scenario.pipeline.seed,
        replications: plan.replications,
        duration_s: plan.duration.as_secs_f64(),
        clock: "virtual",
        goals: plan.goals.iter().map(ToString::to_string).collect(),
        variants,
        cheapest,
    }
}

fn summarize(
    plan: &SweepPlan,
    values: &[Value],
    spec: &PipelineSpec,
    runs: &[RunResult],
) -> VariantResult {
    let of = |f: fn(&Measures) -> f64| {
        estimate(&runs.iter().map(|r| f(&r.measures)).collect::<Vec<_>>())
    };
    let mean = |f: fn(&Measures) -> f64| of(f).mean;
    let means = Measures {
        p50_ms: mean(|m| m.p50_ms),
        p90_ms: mean(|m| m.p90_ms),
        p99_ms: mean(|m| m.p99_ms),
        p999_ms: mean(|m| m.p999_ms),
        max_ms: mean(|m| m.max_ms),
        mean_ms: mean(|m| m.mean_ms),
        drops: mean(|m| m.drops),
        generated: mean(|m| m.generated),
        throughput: mean(|m| m.throughput),
    };
    let missed: Vec<String> = plan
        .goals
        .iter()
        .filter(|g| !g.met_by(&means))
        .map(ToString::to_string)
        .collect();
    let mut ticks = vec![0u64; spec.stages.len()];
    for run in runs {
        for (total, t) in ticks.iter_mut().zip(&run.bottleneck_ticks) {
            *total += t;
        }
    }
    let bottleneck = (ticks.iter().enumerate())
        .filter(|(_, t)| **t > 0)
        .max_by_key(|(i, t)| (**t, std::cmp::Reverse(*i)))
        .map(|(i, _)| spec.stages[i].name.clone());
    VariantResult {
        vary: plan
            .varies
            .iter()
            .zip(values)
            .map(|(v, value)| (v.label(), value.to_string()))
            .collect(),
        workers_total: spec.stages.iter().map(|s| s.workers).sum(),
        throughput: of(|m| m.throughput),
        p50_ms: of(|m| m.p50_ms),
        p99_ms: of(|m| m.p99_ms),
        drops: of(|m| m.drops),
        bottleneck,
        meets_goals: missed.is_empty(),
        missed,
    }
}
