//! The summary table printed on stdout when a run ends: the report's main
//! figures as text.

use std::fmt::Write;

use crate::export::report::Report;
use crate::format;

/// A readable table of the report's main figures.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let t = &report.totals;
    if let Some(failure) = &report.failure {
        let _ = writeln!(out, "FAILED: {failure}");
    }
    let _ = writeln!(
        out,
        "pipetop: {} — {:.1}s, seed {}, {}",
        report.scenario,
        report.duration_s,
        report.seed,
        report.state.as_str()
    );
    if let Some(limit) = report.limit_reached() {
        let _ = writeln!(out, "ended by a limit: {limit}");
    }
    let _ = writeln!(
        out,
        "generated {}  completed {}  dropped {}  dead-lettered {}  in flight {}  unadmitted {}  checkpoint {}",
        t.generated,
        t.completed,
        t.dropped,
        t.dead_lettered,
        t.in_flight,
        t.unadmitted,
        report.checkpoint
    );
    let _ = writeln!(
        out,
        "(generated = completed + dropped + dead-lettered + in flight; \
         unadmitted arrivals were due and never let in, so never generated)"
    );
    if report.ticks_skipped > 0 {
        let _ = writeln!(
            out,
            "ticks skipped: {} (sampling fell behind; a longer --tick keeps every one)",
            report.ticks_skipped
        );
    }
    let e = &report.end_to_end_ms;
    let _ = writeln!(
        out,
        "end-to-end  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}",
        format::millis(e.p50),
        format::millis(e.p90),
        format::millis(e.p99),
        format::millis(e.p999),
        format::millis(e.max),
        format::millis(e.mean),
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<14} {:>7} {:>13} {:>10} {:>9} {:>9} {:>9} {:>9} {:>5} {:>5} {:>5} {:>8} {:>7} {:>5} {:>8}",
        "stage",
        "workers",
        "queue max/cap",
        "processed",
        "out/s",
        "p50",
        "p99",
        "wait p99",
        "busy",
        "idle",
        "blkd",
        "dropped",
        "retried",
        "dead",
        "restarts"
    );
    for s in &report.stages {
        let _ = writeln!(
            out,
            "{:<14} {:>7} {:>13} {:>10} {:>9} {:>9} {:>9} {:>9} {:>5} {:>5} {:>5} {:>8} {:>7} {:>5} {:>8}",
            s.name,
            s.workers,
            format::queue_fill_exact(s.queue_max, s.queue_capacity),
            s.processed,
            format::rate(s.out_rate),
            format::millis(s.service_ms.p50),
            format::millis(s.service_ms.p99),
            format::millis(s.wait_ms.p99),
            format::percent(s.busy),
            format::percent(s.idle),
            format::percent(s.blocked),
            s.dropped,
            s.retried,
            s.dead_lettered,
            s.restarts,
        );
    }
    out
}
