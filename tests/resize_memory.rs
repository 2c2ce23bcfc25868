//! A pool resized again and again keeps its memory flat: retired workers
//! are joined as they leave, not at the drain, so their stacks do not pile
//! up. (Its own test binary: it reads the process's virtual memory, which
//! other tests running in parallel would move.)

use std::time::Duration;

use pipetop::engine::{Command, IterSource, Pipeline, RunOptions, StageConfig, WorkError};

/// The process's virtual memory, in KiB (`VmSize` in /proc/self/status).
fn virtual_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmSize line")
}

#[test]
fn resizing_a_pool_again_and_again_keeps_memory_flat() {
    let pipeline = Pipeline::from_source(IterSource::new(0..u32::MAX))
        .stage(StageConfig::new("a").workers(1), |n: &u32| {
            std::thread::sleep(Duration::from_micros(50));
            Ok::<_, WorkError>(*n)
        })
        .sink(|_| {});
    let running = pipeline.start(RunOptions {
        tick: Duration::from_millis(10),
        ..RunOptions::default()
    });
    let controller = running.controller();
    let snapshots = running.snapshots();
    const CYCLES: usize = 40;
    const WIDE: usize = 64;
    let cycle = || {
        controller.send(Command::Workers {
            stage: 0,
            count: WIDE,
        });
        // Wait, tick by tick, for the pool to have grown, then shrink it.
        snapshots
            .iter()
            .find(|s| s.stages[0].workers == WIDE)
            .expect("the pool grows");
        controller.send(Command::Workers { stage: 0, count: 1 });
        snapshots
            .iter()
            .find(|s| s.stages[0].workers == 1)
            .expect("the pool shrinks");
    };
    // Warm up first: the allocator reserves its per-thread arenas (up to
    // 8 per core, 64 MiB of address space each) once, and keeps them.
    (0..10).for_each(|_| cycle());
    let before = virtual_kib();
    (0..CYCLES).for_each(|_| cycle());
    // Two more ticks join any thread that was still unwinding.
    let _ = snapshots.iter().nth(2);
    let grown_mib = virtual_kib().saturating_sub(before) / 1024;
    controller.send(Command::Stop);
    for _ in snapshots.iter() {}
    running.join().expect("the engine ran to its end");
    // Unjoined, the 40 × 63 retired workers would keep ~5 GiB of stacks
    // mapped; joined, what remains is the allocator's own slack.
    assert!(
        grown_mib < 256,
        "virtual memory grew {grown_mib} MiB over {CYCLES} resize cycles"
    );
}
