//! Thousands of workers (issue 15, part 3): memory per worker, the CPU of a
//! pool that is mostly idle, and the control thread's tick, at 64, 512 and
//! 4096 workers (4 stages of 16, 128 and 1024 sleeping workers, exp 5 ms,
//! 2000 items/s).
//!
//! For each size: the process's RSS before the run starts and at its end
//! (before the drain), so the difference over the workers is what one
//! worker costs resident, its stack's touched pages included; the process
//! CPU (getrusage, all threads) over the steady part of the run, as a
//! fraction of one core; and the median and max of the snapshots'
//! `process.tick_ms` (the control thread's sampling work per tick).
//!
//! `cargo bench --bench many_workers` (`PIPETOP_MANY_SECS` sets the run
//! length, default 10). Goals: ≤ 16 KiB a worker beyond its stack, ≤ 0.3
//! of a core at 4096 workers, a tick ≤ 5 ms at 4096 workers.

use std::time::Duration;

use pipetop::engine::RunOptions;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn cpu_secs() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn scenario(per_stage: usize) -> String {
    let mut text = String::from("name = \"many\"\n[source]\nrate = 2000\n");
    for i in 0..4 {
        text.push_str(&format!(
            "[[stage]]\nname = \"s{i}\"\nworkers = {per_stage}\nqueue = 4096\nservice = {{ dist = \"exp\", mean = \"5ms\" }}\n"
        ));
    }
    text
}

fn main() {
    // `cargo bench -- --list` and filters other than ours: nothing to do.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let secs: u64 = std::env::var("PIPETOP_MANY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    println!("workers  KiB/worker  CPU (cores)  tick p50  tick max");
    for per_stage in [16usize, 128, 1024] {
        let workers = per_stage * 4;
        let scenario =
            pipetop::scenario::parse(&scenario(per_stage), "many.toml").expect("valid scenario");
        let before_kib = rss_kib();
        let running = pipetop::engine::simulate::build(&scenario.pipeline).start(RunOptions {
            stop_after: Some(Duration::from_secs(secs)),
            ..RunOptions::default()
        });
        let mut ticks = Vec::new();
        let mut at_end_kib = 0;
        let (mut cpu_from, mut cpu_to) = (None, None);
        for snapshot in running.snapshots().iter() {
            if snapshot.t_s >= 2.0 && cpu_from.is_none() {
                cpu_from = Some((snapshot.t_s, cpu_secs()));
            }
            if snapshot.state == pipetop::metrics::RunState::Running {
                cpu_to = Some((snapshot.t_s, cpu_secs()));
                at_end_kib = rss_kib();
                if snapshot.t_s >= 1.0 {
                    ticks.push(snapshot.process.tick_ms);
                }
            }
        }
        running.join().expect("the engine ran to its end");
        ticks.sort_by(f64::total_cmp);
        let cores = match (cpu_from, cpu_to) {
            (Some((t0, c0)), Some((t1, c1))) if t1 > t0 => (c1 - c0) / (t1 - t0),
            _ => f64::NAN,
        };
        println!(
            "{workers:>7}  {:>10.1}  {cores:>11.2}  {:>6.2}ms  {:>6.2}ms",
            at_end_kib.saturating_sub(before_kib) as f64 / workers as f64,
            ticks.get(ticks.len() / 2).copied().unwrap_or(f64::NAN),
            ticks.last().copied().unwrap_or(f64::NAN),
        );
    }
}
