//! Virtual time is exact: queueing theory's answers come out of the
//! simulator within sampling error (Erlang C for M/M/c, Little's law per
//! stage of a blocking tandem), conservation holds at every snapshot, and
//! nothing depends on the wall clock. No test here waits or times anything.

use std::time::Duration;

use pipetop::metrics::theory;
use pipetop::metrics::{RunState, Snapshot};
use pipetop::model::{
    Arrivals, Command, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist, SourceSpec,
    StageSpec, TimedCommand,
};
use pipetop::scenario;
use pipetop::simulator::{SimSetup, Simulation};

const HOUR: Duration = Duration::from_secs(3600);

fn setup(stop_after: Duration) -> SimSetup {
    SimSetup {
        tick: Duration::from_secs(1),
        window_secs: 5,
        timeline: Vec::new(),
        stop_after: Some(stop_after),
        memory_cap: None,
        cores: 2,
        drain_timeout: None,
    }
}

fn one_stage(seed: u64, rate: f64, service: ServiceDist, workers: usize) -> PipelineSpec {
    PipelineSpec {
        seed,
        source: SourceSpec {
            rate: Rate::PerSecond(rate),
            arrivals: Arrivals::Poisson,
            burst: 0,
        },
        stages: vec![StageSpec {
            workers,
            queue: QueueCapacity::Unbounded,
            ..StageSpec::new("server", service)
        }],
    }
}

/// Runs to the end, checking conservation at every snapshot; the last one.
fn run_to_end(sim: &mut Simulation) -> Snapshot {
    let mut last = None;
    while let Some(s) = sim.next_snapshot() {
        let t = s.totals;
        assert_eq!(
            t.generated,
            t.completed + t.dropped + t.dead_lettered + t.in_flight,
            "conservation at t={}",
            s.t_s
        );
        last = Some(s);
    }
    last.expect("at least the final snapshot")
}

/// One M/M/c run of a simulated hour: the exact mean wait and P(wait)
/// against Erlang C, or what missed.
fn mmc_against_erlang_c(c: usize, rho: f64) -> Result<(), String> {
    // The pool's total capacity c·μ is 1000/s whatever c, so each run has
    // ρ · 3.6 M arrivals: enough for 2% at ρ = 0.95 (the hardest case).
    let mean = Duration::from_millis(c as u64);
    let mu = 1e3 / c as f64;
    let lambda = rho * c as f64 * mu;
    let spec = one_stage(42, lambda, ServiceDist::Exp { mean }, c);
    let mut sim = Simulation::new(&spec, setup(HOUR));
    let last = run_to_end(&mut sim);
    assert_eq!(last.state, RunState::Done);
    let waits = sim.waits(0);
    assert_eq!(waits.taken, last.totals.completed);
    let want = theory::predict(lambda, mu, c);
    let wait_err = (waits.mean_ms() - want.wait_ms).abs() / want.wait_ms;
    let p_err = (waits.p_wait() - want.p_wait).abs();
    // The histogram's mean agrees with the exact one (3 digits).
    let hist_mean = last.stages[0].wait_ms.total.mean;
    assert!((hist_mean - waits.mean_ms()).abs() / waits.mean_ms() < 0.002);
    if wait_err > 0.02 || p_err > 0.02 {
        return Err(format!(
            "c={c} rho={rho}: wait {:.4} ms vs Erlang C {:.4} ms ({:.2}%), P(wait) {:.4} vs {:.4}",
            waits.mean_ms(),
            want.wait_ms,
            wait_err * 100.0,
            waits.p_wait(),
            want.p_wait
        ));
    }
    Ok(())
}

#[test]
fn mmc_mean_wait_and_p_wait_match_erlang_c() {
    let cases: Vec<(usize, f64)> = [1usize, 2, 4]
        .into_iter()
        .flat_map(|c| [0.5, 0.8, 0.95].map(|rho| (c, rho)))
        .collect();
    // Independent runs: two at a time (each is deterministic on its own).
    let failures: Vec<String> = std::thread::scope(|scope| {
        let (a, b) = cases.split_at(cases.len() / 2);
        let run = |part: &[(usize, f64)]| -> Vec<String> {
            part.iter()
                .filter_map(|&(c, rho)| mmc_against_erlang_c(c, rho).err())
                .collect()
        };
        let first = scope.spawn(move || run(a));
        let mut failures = run(b);
        failures.extend(first.join().expect("the other half ran"));
        failures
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn littles_law_holds_per_stage_of_a_blocking_tandem() {
    let exp = |ms: u64| ServiceDist::Exp {
        mean: Duration::from_micros(ms),
    };
    let stage = |name: &str, service, queue| StageSpec {
        queue: QueueCapacity::Bounded(queue),
        policy: QueuePolicy::Block,
        ..StageSpec::new(name, service)
    };
    let spec = PipelineSpec {
        seed: 9,
        source: SourceSpec {
            rate: Rate::PerSecond(900.0),
            arrivals: Arrivals::Poisson,
            burst: 0,
        },
        stages: vec![
            stage("a", exp(800), 2),
            stage("b", exp(1000), 3),
            stage("c", exp(900), 2),
        ],
    };
    let mut sim = Simulation::new(&spec, setup(Duration::from_secs(600)));
    let last = run_to_end(&mut sim);
    assert_eq!(last.state, RunState::Done);
    assert_eq!(last.totals.in_flight, 0);
    let blocked: f64 = last.stages[..2]
        .iter()
        .map(|s| s.utilization_total.blocked)
        .sum();
    assert!(blocked > 0.05, "the tandem must block to test anything");
    let t = last.t_s;
    for (i, s) in last.stages.iter().enumerate() {
        // L = λ W: time-averaged queue length against the admission rate
        // times the mean wait measured from admission (histogram, 3 digits).
        let l = sim.queue_len_mean(i);
        let lambda_w = s.accepted as f64 / t * s.wait_ms.total.mean / 1e3;
        assert!(l > 0.1, "stage {i} queue must be used: {l}");
        assert!(
            (l - lambda_w).abs() / l < 0.005,
            "stage {}: L = {l:.5} but λW = {lambda_w:.5}",
            s.name
        );
    }
}

#[test]
fn every_demo_conserves_items_at_every_snapshot_and_drains() {
    for demo in scenario::demos::all() {
        let s = scenario::load(demo.name).expect("demos load");
        let mut setup = SimSetup {
            tick: Duration::from_millis(250),
            window_secs: 5,
            timeline: s.timeline.clone(),
            stop_after: Some(s.duration.unwrap_or(Duration::from_secs(60))),
            memory_cap: s.memory_cap.bytes(),
            cores: s.cores.unwrap_or(2),
            drain_timeout: None,
        };
        setup.stop_after = setup.stop_after.map(|d| d.min(Duration::from_secs(120)));
        let mut sim = Simulation::new(&s.pipeline, setup);
        let last = run_to_end(&mut sim);
        assert!(last.state.is_final(), "{}", demo.name);
        if last.state == RunState::Done {
            assert_eq!(last.totals.in_flight, 0, "{}", demo.name);
            assert_eq!(last.checkpoint, last.totals.generated, "{}", demo.name);
        }
    }
}

#[test]
fn operator_commands_at_any_virtual_time_lose_nothing() {
    let s = scenario::load("failures").expect("demo");
    let stages = s.pipeline.stages.len();
    let mut sim = Simulation::new(&s.pipeline, setup(Duration::from_secs(40)));
    let mut step = 0u64;
    let policies = QueuePolicy::ALL;
    while let Some(snapshot) = sim.next_snapshot() {
        let t = snapshot.totals;
        assert_eq!(
            t.generated,
            t.completed + t.dropped + t.dead_lettered + t.in_flight
        );
        step += 1;
        let stage = (step as usize) % stages;
        sim.advance_to(sim.now_ns() + 100_000_000);
        let command = match step % 7 {
            0 => Command::Workers {
                stage,
                count: (step % 5) as usize,
            },
            1 => Command::Crash { stage },
            2 => Command::Policy {
                stage,
                policy: policies[(step % 3) as usize],
            },
            3 => Command::Burst { items: 500 },
            4 => Command::Slowdown {
                stage,
                factor: 1.0 + (step % 4) as f64,
            },
            5 => Command::Rate(Rate::PerSecond(200.0 + (step % 9) as f64 * 100.0)),
            _ => Command::Workers { stage, count: 8 },
        };
        sim.command(command);
    }
    assert!(step > 30);
}

#[test]
fn a_stage_stalled_at_zero_workers_gets_one_back_for_the_drain() {
    let mut spec = one_stage(
        1,
        500.0,
        ServiceDist::Fixed {
            mean: Duration::from_millis(1),
        },
        2,
    );
    spec.stages[0].queue = QueueCapacity::Bounded(100);
    let mut setup = setup(Duration::from_secs(5));
    setup.timeline = vec![TimedCommand {
        at: Duration::from_secs(2),
        command: Command::Workers { stage: 0, count: 0 },
        note: None,
    }];
    let mut sim = Simulation::new(&spec, setup);
    let last = run_to_end(&mut sim);
    assert_eq!(last.state, RunState::Done);
    assert_eq!(last.totals.in_flight, 0);
    assert!(last.source.source_pending == 0);
}

#[test]
fn spin_stages_share_the_cores_so_workers_past_the_cores_add_nothing() {
    let throughput = |workers: usize| {
        let mut spec = one_stage(
            3,
            1000.0,
            ServiceDist::Fixed {
                mean: Duration::from_millis(10),
            },
            workers,
        );
        spec.stages[0].mode = pipetop::model::WorkMode::Spin;
        spec.stages[0].queue = QueueCapacity::Bounded(64);
        let mut sim = Simulation::new(&spec, setup(Duration::from_secs(60)));
        let last = run_to_end(&mut sim);
        let service_ms = last.stages[0].service_ms.total.mean;
        (last.stages[0].processed as f64 / last.t_s, service_ms)
    };
    // Two cores, 10 ms of CPU per item: at most 200 items/s.
    let (one, one_service) = throughput(1);
    let (two, _) = throughput(2);
    let (eight, eight_service) = throughput(8);
    assert!((one - 100.0).abs() < 2.0, "{one}");
    assert!((two - 200.0).abs() < 4.0, "{two}");
    assert!((eight - 200.0).abs() < 4.0, "{eight}: the plateau");
    // Eight attempts on two cores take four times as long each.
    assert!((one_service - 10.0).abs() < 0.05, "{one_service}");
    assert!((eight_service - 40.0).abs() < 0.5, "{eight_service}");
}
