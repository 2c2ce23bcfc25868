//! The whole-run history's memory over a 24-hour run at the default tick
//! (250 ms: 345 600 snapshots) of the 5-stage fixture pipeline, every
//! snapshot with its histograms: the goal is at most 50 MB (issue 16).
//! A counting allocator measures the bytes the history holds at the end
//! (and the most it held on the way). Run it with
//! `cargo bench --bench history_memory` (or `cargo test --bench
//! history_memory`, same figure, fewer optimizations); `HOURS=1` runs less.

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use fixture::{Scene, snapshot};
use pipetop::history::History;

/// Counts the bytes allocated and not yet freed, and the peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: forwarded as given.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as given.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The goal for a day at the default tick.
const GOAL_BYTES: usize = 50 * 1024 * 1024;

fn main() {
    let hours: f64 = std::env::var("HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(24.0);
    let ticks = (hours * 3600.0 * 4.0) as u64;
    // Two alternating pictures, so values move (and rows keep min ≠ max).
    let calm = snapshot(Scene::Normal, 0, 0.0);
    let burst = snapshot(Scene::Burst, 0, 1.0);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    let mut history = History::default();
    for tick in 0..ticks {
        let mut s = if (tick / 400) % 2 == 0 {
            calm.clone()
        } else {
            burst.clone()
        };
        s.tick = tick;
        s.t_s = tick as f64 * 0.25;
        history.push(Arc::new(s), []);
    }
    let held = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!(
        "history_memory: {hours} h at 250 ms = {ticks} ticks of 5 stages in {:.1}s: \
         holds {:.1} MiB (peak {:.1} MiB), {} snapshots kept for rewinding, rows of {} ticks",
        started.elapsed().as_secs_f64(),
        mib(held),
        mib(peak),
        history.moments_kept(),
        history.stride(),
    );
    assert!(
        peak <= GOAL_BYTES,
        "the history peaked at {:.1} MiB, over the 50 MiB goal",
        mib(peak)
    );
}
