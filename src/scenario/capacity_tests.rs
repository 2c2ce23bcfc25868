//! The capacity estimate and its refusals, against limits given by hand.

use super::*;
use crate::scenario::machine_limits::DEFAULT_STACK_BYTES;
use crate::scenario::{MemoryCap, parse};

/// `stages` stages of `workers` workers each.
fn scenario(stages: usize, workers: usize, timeline: &str) -> Scenario {
    let mut text = String::from("[source]\nrate = 50\n");
    for i in 0..stages {
        let _ = write!(
            text,
            "[[stage]]\nname = \"s{i}\"\nworkers = {workers}\nservice = {{ dist = \"fixed\", mean = \"1ms\" }}\n"
        );
    }
    text.push_str(timeline);
    let mut s = parse(&text, "cap.toml").unwrap();
    // Not this machine's default cap: the limits under test are given here.
    s.memory_cap = MemoryCap::Off;
    s
}

/// A stock Linux: pid_max 32768, max_map_count 65530, plenty of memory.
fn stock_linux() -> MachineLimits {
    let allowance = |limit| Some(Allowance { limit, in_use: 100 });
    MachineLimits {
        user_threads: None,
        threads_max: allowance(192_736),
        pid_max: allowance(32_768),
        cgroup_pids: None,
        map_count: allowance(65_530),
        memory_available: Some(64 << 30),
        address_space: None,
        stack_bytes: DEFAULT_STACK_BYTES,
        cores: Some(2),
    }
}

#[test]
fn a_hundred_stages_of_1024_workers_are_refused_with_the_numbers() {
    let s = scenario(100, 1024, "");
    let e = check(&s, &stock_linux(), 0).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("cap.toml: needs about 102403 threads"),
        "{text}"
    );
    assert!(
        text.contains("102403 threads > 32668 left of kernel.pid_max (32768 with 100 in use)"),
        "{text}"
    );
    assert!(
        text.contains("204806 stack mappings > 65430 left of vm.max_map_count"),
        "{text}"
    );
    let help = e.help.unwrap();
    assert!(
        help.contains("100 stages, 102400 workers in all, the largest `s0` with 1024"),
        "{help}"
    );
    assert!(
        help.contains("kernel.pid_max") && help.contains("vm.max_map_count"),
        "{help}"
    );
}

#[test]
fn small_injected_limits_refuse_a_modest_scenario_and_say_which() {
    let s = scenario(3, 4, "");
    assert!(check(&s, &stock_linux(), 0).is_ok());
    let mut tight = MachineLimits::unlimited();
    tight.user_threads = Some(Allowance {
        limit: 20,
        in_use: 10,
    });
    let e = check(&s, &tight, 0).unwrap_err();
    assert!(
        e.message
            .contains("15 threads > 10 left of the user's thread limit (20 with 10 in use)"),
        "{e}"
    );
    assert!(e.help.as_deref().unwrap().contains("ulimit -u"), "{e}");
    // The exporter's threads count too.
    tight.user_threads = Some(Allowance {
        limit: 30,
        in_use: 10,
    });
    assert!(check(&s, &tight, 0).is_ok());
    assert!(check(&s, &tight, EXPORTER_THREADS).is_err());

    let mut no_memory = MachineLimits::unlimited();
    no_memory.memory_available = Some(4 << 20);
    let e = check(&s, &no_memory, 0).unwrap_err();
    assert!(
        e.message
            .contains("MiB resident > 4, the machine's available memory"),
        "{e}"
    );
}

#[test]
fn the_largest_pool_the_timeline_asks_for_is_what_counts() {
    let timeline = "[[timeline]]\nat = \"1s\"\ndo = \"workers\"\nstage = \"s1\"\ncount = 500\n\
                    [[timeline]]\nat = \"2s\"\ndo = \"workers\"\nstage = \"s1\"\ncount = 0\n";
    let f = estimate(&scenario(2, 4, timeline), 0, DEFAULT_STACK_BYTES);
    assert_eq!(f.workers, 504);
    assert_eq!(f.threads, 504 + ENGINE_THREADS);
    assert_eq!(f.mappings, 2 * f.threads);
    assert_eq!(f.stacks_reserved, f.threads * DEFAULT_STACK_BYTES);
    assert_eq!(f.largest, Some(("s1".to_owned(), 500)));
}

#[test]
fn more_stages_or_workers_never_take_less() {
    let base = estimate(&scenario(2, 2, ""), 0, DEFAULT_STACK_BYTES);
    for more in [
        estimate(&scenario(3, 2, ""), 0, DEFAULT_STACK_BYTES),
        estimate(&scenario(2, 3, ""), 0, DEFAULT_STACK_BYTES),
    ] {
        assert!(more.threads >= base.threads && more.resident > base.resident);
        assert!(smallest_tick(&more) >= smallest_tick(&base));
    }
}

#[test]
fn a_resident_estimate_past_the_memory_cap_is_refused() {
    let mut s = scenario(40, 4, "");
    s.memory_cap = MemoryCap::Bytes(16 << 20);
    let e = check(&s, &MachineLimits::unlimited(), 0).unwrap_err();
    assert!(e.message.contains("the run would soon abort"), "{e}");
    s.memory_cap = MemoryCap::Off;
    assert!(check(&s, &MachineLimits::unlimited(), 0).is_ok());
}

#[test]
fn a_tick_too_short_for_the_stages_is_refused_with_the_smallest_allowed() {
    let small = estimate(&scenario(5, 4, ""), 0, DEFAULT_STACK_BYTES);
    assert_eq!(smallest_tick(&small), MIN_TICK, "demos keep every tick");
    let s = scenario(500, 1, "");
    let big = estimate(&s, 0, DEFAULT_STACK_BYTES);
    let smallest = smallest_tick(&big);
    assert!(smallest > MIN_TICK);
    let e = refuse_short_tick(&s, &big, MIN_TICK).unwrap_err();
    let shown = humantime::format_duration(smallest).to_string();
    assert!(
        e.message
            .contains(&format!("the smallest tick for them is {shown}")),
        "{e}"
    );
    assert!(e.help.unwrap().contains(&format!("--tick {shown}")));
    assert!(refuse_short_tick(&s, &big, smallest).is_ok());
}

#[test]
fn hand_offs_past_the_cores_are_refused_at_the_peak_declared_rate() {
    // 50/s × 10 stages: 500 hand-offs a second, a sliver of a core.
    let calm = scenario(10, 1, "");
    assert!(check(&calm, &stock_linux(), 0).is_ok());
    // 500 stages at 800/s (a timeline's rate counts too): 400 000 a
    // second need 10 cores of the engine's own work on a 2-core machine.
    let s = scenario(
        500,
        1,
        "[[timeline]]\nat = \"1s\"\ndo = \"rate\"\nrate = 800\n",
    );
    let f = estimate(&s, 0, DEFAULT_STACK_BYTES);
    assert_eq!(f.handoffs_per_s, Some(400_000.0));
    let e = check(&s, &stock_linux(), 0).unwrap_err();
    assert!(
        e.message
            .contains("800 items/s × 500 stages need about 10.0 cores"),
        "{e}"
    );
    assert!(e.help.unwrap().contains("lower the source's rate"));
    // The same on a machine of unknown cores, or at "max", is not refused.
    let unknown = MachineLimits {
        cores: None,
        ..stock_linux()
    };
    assert!(check(&s, &unknown, 0).is_ok());
    let mut max = scenario(500, 1, "");
    max.pipeline.source.rate = crate::model::spec::Rate::Max;
    assert_eq!(estimate(&max, 0, DEFAULT_STACK_BYTES).handoffs_per_s, None);
}
