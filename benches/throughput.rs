//! Items/s of a 5-stage pipeline of zero-work stages through pipetop, against
//! a bare crossbeam-channel pipeline of the same shape, in the same run
//! (issue 2: the goal is pipetop ≥ 0.8× bare).
//!
//! Shape, both sides: a source thread feeding stage 1's queue, 5 stages of
//! `W` worker threads (W = 1 and 2), each stage's input a bounded(1024)
//! queue, stage 5 completing into a sink that reads the item. Every stage's
//! work is the identity on a `u64` payload. The bare side counts
//! completions per thread; pipetop counts its own, and the run's final
//! snapshot is checked.
//!
//! The bare item is [`BareItem`]: an id, a birth timestamp (taken once, at the
//! source, from a monotonic clock) and the `u64` payload, 24 bytes. A pipetop
//! item is `Item<u64>` (id, born_ns, enqueued_ns, payload: 32 bytes). What
//! pipetop adds beyond that — per-hop timestamps, wait/service/end-to-end
//! histograms, busy/idle/blocked accounting, counters, finished-id tracking,
//! the control thread — is exactly the overhead this bench measures.
//!
//! One iteration = one whole run of `ITEMS` items: build, start the threads,
//! push every item through, drain, join. The fixed cost of a run (thread
//! start, the drain handshake) is reported separately by the summary pass.
//!
//! After the criterion groups, a summary pass runs bare and pipetop
//! alternately (`REPEATS` runs each, interleaved so background load hits both
//! alike) and prints the median, min and max items/s, the ratio, and the CPU
//! time per item of each side (all threads, from `getrusage`): on a shared
//! 2-core machine the CPU per item moves less with other people's load than
//! the items/s do. `PIPETOP_BENCH_SUMMARY=1 cargo bench --bench throughput --
//! none` runs the summary alone (the filter `none` skips criterion).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use crossbeam_channel::{Receiver, Sender, bounded};
use pipetop::engine::{IterSource, Pipeline, RunOptions, StageConfig, WorkError};

/// Items per iteration.
const ITEMS: u64 = 200_000;
const STAGES: usize = 5;
const QUEUE: usize = 1024;
/// Runs of each side in the summary pass (`PIPETOP_BENCH_REPEATS` overrides).
const REPEATS: usize = 7;

/// What the bare pipeline carries: an id and a timestamp, like a pipetop item.
#[derive(Debug, Clone, Copy)]
struct BareItem {
    id: u64,
    born_ns: u64,
    payload: u64,
}

/// One run of the bare crossbeam pipeline; returns the wall time.
fn run_bare(items: u64, workers: usize) -> Duration {
    run_bare_stages(items, workers, STAGES)
}

/// One run of a bare crossbeam pipeline of `stages` stages.
fn run_bare_stages(items: u64, workers: usize, stages: usize) -> Duration {
    let epoch = Instant::now();
    let completed = Arc::new(AtomicU64::new(0));
    let (first_tx, first_rx) = bounded::<BareItem>(QUEUE);
    let mut input: Receiver<BareItem> = first_rx;
    let mut threads = Vec::new();
    for stage in 0..stages {
        let last = stage + 1 == stages;
        let (tx, rx) = bounded::<BareItem>(QUEUE);
        for _ in 0..workers {
            let input = input.clone();
            let tx: Option<Sender<BareItem>> = (!last).then(|| tx.clone());
            let completed = completed.clone();
            threads.push(std::thread::spawn(move || {
                let mut done = 0u64;
                for item in input.iter() {
                    let out = BareItem {
                        payload: black_box(item.payload),
                        ..item
                    };
                    match &tx {
                        Some(tx) => tx.send(out).expect("next stage alive"),
                        None => {
                            // The sink reads the id and timestamp, as pipetop's does.
                            black_box(out.id ^ out.born_ns);
                            done += 1;
                        }
                    }
                }
                completed.fetch_add(done, Ordering::Relaxed);
            }));
        }
        drop(tx);
        input = rx;
    }
    drop(input);
    let source = std::thread::spawn(move || {
        for id in 0..items {
            let born_ns = epoch.elapsed().as_nanos() as u64;
            first_tx
                .send(BareItem {
                    id,
                    born_ns,
                    payload: id,
                })
                .expect("first stage alive");
        }
    });
    source.join().expect("source");
    for t in threads {
        t.join().expect("worker");
    }
    assert_eq!(completed.load(Ordering::Relaxed), items);
    epoch.elapsed()
}

/// One run through pipetop; returns the wall time.
fn run_pipetop(items: u64, workers: usize) -> Duration {
    let start = Instant::now();
    let stage = |i: usize| {
        StageConfig::new(format!("s{i}"))
            .workers(workers)
            .queue(QUEUE)
    };
    let id = |x: &u64| Ok::<u64, WorkError>(black_box(*x));
    let pipeline = Pipeline::from_source(IterSource::new(0u64..items))
        .stage(stage(1), id)
        .stage(stage(2), id)
        .stage(stage(3), id)
        .stage(stage(4), id)
        .stage(stage(5), id)
        // The sink only reads the item, as the bare side's does; pipetop
        // counts completions itself (a shared counter here would add a
        // contended atomic per item that the bare side, which counts per
        // thread, does not pay).
        .sink(|x: u64| {
            black_box(x);
        });
    let running = pipeline.start(RunOptions::default());
    let last = running.snapshots().iter().last().expect("a final snapshot");
    running.join().expect("the engine ran to its end");
    assert_eq!(last.totals.completed, items);
    start.elapsed()
}

fn throughput(c: &mut Criterion) {
    for workers in [1usize, 2] {
        let mut group = c.benchmark_group(format!("pipeline_5_stages_{workers}_worker"));
        group.throughput(Throughput::Elements(ITEMS));
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(5));
        group.bench_function(BenchmarkId::new("bare_crossbeam", ITEMS), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run_bare(ITEMS, workers)).sum())
        });
        group.bench_function(BenchmarkId::new("pipetop", ITEMS), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run_pipetop(ITEMS, workers)).sum())
        });
        group.finish();
    }
}

/// CPU time this process has used, all threads, in seconds.
/// A saturating scenario (`rate = "max"`) of `stages` stages of one
/// worker each, every stage's service `service` in `mode`, run for `secs`
/// (then drained); returns its items/s and the last snapshot.
fn run_scenario(
    stages: usize,
    service: &str,
    mode: &str,
    secs: u64,
) -> (f64, Arc<pipetop::metrics::Snapshot>) {
    let mut text = String::from("name = \"zero-work\"\n[source]\nrate = \"max\"\n");
    for i in 0..stages {
        text.push_str(&format!(
            "[[stage]]\nname = \"s{i}\"\nworkers = 1\nqueue = {QUEUE}\nmode = \"{mode}\"\nservice = {{ dist = \"fixed\", mean = \"{service}\" }}\n"
        ));
    }
    let scenario = pipetop::scenario::parse(&text, "bench.toml").expect("valid scenario");
    let options = RunOptions {
        stop_after: Some(Duration::from_secs(secs)),
        ..RunOptions::default()
    };
    let running = pipetop::engine::simulate::build(&scenario.pipeline).start(options);
    let last = running.snapshots().iter().last().expect("a final snapshot");
    running.join().expect("the engine ran to its end");
    (last.totals.completed as f64 / last.t_s, last)
}

/// Issue 15: the scenario path against bare crossbeam of the same shape (4
/// stages, 1 worker each), interleaved; and what a short spin costs.
fn scenario_summary(repeats: usize) {
    const SCENARIO_STAGES: usize = 4;
    for mode in ["sleep", "spin"] {
        let (mut bare, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..repeats {
            let b = ITEMS as f64 / run_bare_stages(ITEMS, 1, SCENARIO_STAGES).as_secs_f64();
            let (o, _) = run_scenario(SCENARIO_STAGES, "0ns", mode, 1);
            bare.push(b);
            ours.push(o);
            ratios.push(o / b);
        }
        let (bm, _, _) = stats(&mut bare);
        let (pm, plo, phi) = stats(&mut ours);
        let (rm, rlo, rhi) = stats(&mut ratios);
        println!(
            "scenario, 4 zero-work stages, {mode}: bare {:.0}k items/s  scenario {:.0}k items/s [{:.0}k..{:.0}k]  ratio (median of pairs) {rm:.2} [{rlo:.2}..{rhi:.2}]",
            bm / 1e3,
            pm / 1e3,
            plo / 1e3,
            phi / 1e3,
        );
    }
    for spin in ["1ns", "100ns", "1us", "10us", "100us"] {
        let (_, last) = run_scenario(1, spin, "spin", 1);
        let service = &last.stages[0].service_ms.total;
        println!(
            "spin {spin}: measured service mean {:.3} µs, p50 {:.3} µs ({} items)",
            service.mean * 1e3,
            service.p50 * 1e3,
            service.count
        );
    }
}

fn process_cpu_secs() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Runs `run` once; returns its items/s and the CPU nanoseconds it spent
/// per item (all threads).
fn measure(run: impl FnOnce() -> Duration) -> (f64, f64) {
    let cpu_before = process_cpu_secs();
    let wall = run();
    let cpu = process_cpu_secs() - cpu_before;
    (ITEMS as f64 / wall.as_secs_f64(), cpu * 1e9 / ITEMS as f64)
}

fn stats(rates: &mut [f64]) -> (f64, f64, f64) {
    rates.sort_by(f64::total_cmp);
    (rates[rates.len() / 2], rates[0], rates[rates.len() - 1])
}

/// Interleaved runs of both sides; prints medians, spread and the ratio.
fn summary() {
    let repeats = std::env::var("PIPETOP_BENCH_REPEATS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(REPEATS)
        .max(1);
    println!(
        "\nsummary: {ITEMS} items, {STAGES} stages, queue {QUEUE}, {repeats} interleaved runs each"
    );
    for workers in [1usize, 2] {
        let (mut bare, mut ours) = (Vec::new(), Vec::new());
        let (mut bare_cpu, mut ours_cpu) = (Vec::new(), Vec::new());
        for _ in 0..repeats {
            let (rate, cpu) = measure(|| run_bare(ITEMS, workers));
            bare.push(rate);
            bare_cpu.push(cpu);
            let (rate, cpu) = measure(|| run_pipetop(ITEMS, workers));
            ours.push(rate);
            ours_cpu.push(cpu);
        }
        let mut ratios: Vec<f64> = ours.iter().zip(&bare).map(|(o, b)| o / b).collect();
        let (bm, blo, bhi) = stats(&mut bare);
        let (pm, plo, phi) = stats(&mut ours);
        let (rm, rlo, rhi) = stats(&mut ratios);
        println!(
            "workers/stage {workers}: bare {:.0}k items/s [{:.0}k..{:.0}k]  pipetop {:.0}k items/s [{:.0}k..{:.0}k]  ratio (median of pairs) {rm:.2} [{rlo:.2}..{rhi:.2}]  ratio of medians {:.2}",
            bm / 1e3,
            blo / 1e3,
            bhi / 1e3,
            pm / 1e3,
            plo / 1e3,
            phi / 1e3,
            pm / bm
        );
        println!(
            "    CPU per item, all threads (median): bare {:.0} ns, pipetop {:.0} ns",
            stats(&mut bare_cpu).0,
            stats(&mut ours_cpu).0
        );
    }
    // Fixed cost of one run (threads, drain handshake): a one-item run.
    let mut fixed_bare: Vec<f64> = (0..5).map(|_| run_bare(1, 1).as_secs_f64() * 1e3).collect();
    let mut fixed_ours: Vec<f64> = (0..5)
        .map(|_| run_pipetop(1, 1).as_secs_f64() * 1e3)
        .collect();
    let (fb, _, _) = stats(&mut fixed_bare);
    let (fo, _, _) = stats(&mut fixed_ours);
    println!("fixed cost of a 1-item run (median of 5): bare {fb:.2} ms, pipetop {fo:.2} ms");
    scenario_summary(repeats);
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion);
    criterion.final_summary();
    // `cargo bench -- <filter>` and `--list`/`--test` modes skip the summary.
    let args: Vec<String> = std::env::args().collect();
    let quick = args
        .iter()
        .skip(1)
        .any(|a| a == "--list" || a == "--test" || !a.starts_with('-'));
    if !quick || std::env::var_os("PIPETOP_BENCH_SUMMARY").is_some() {
        summary();
    }
}
