//! The summary table printed on stdout when a run ends: the report's main
//! figures as text.

use std::fmt::Write;

use crate::export::report::Report;
use crate::export::stream_text::{checkpoint_lines, millis_or_na, watermark_lag};
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
    let e = report.end_to_end_ms.as_ref();
    let _ = writeln!(
        out,
        "end-to-end  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}",
        millis_or_na(e, |p| p.p50),
        millis_or_na(e, |p| p.p90),
        millis_or_na(e, |p| p.p99),
        millis_or_na(e, |p| p.p999),
        millis_or_na(e, |p| p.max),
        millis_or_na(e, |p| p.mean),
    );
    if let Some(c) = &report.checkpoints {
        let _ = writeln!(out, "checkpoints  {}", checkpoint_lines(c).join("; "));
    }
    let lags: Vec<String> = report
        .stages
        .iter()
        .filter(|s| s.watermark.is_some())
        .map(|s| format!("{} {}", s.name, watermark_lag(s.watermark.as_ref())))
        .collect();
    if !lags.is_empty() {
        let _ = writeln!(out, "watermark lag at the end  {}", lags.join("  "));
    }
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
            millis_or_na(s.service_ms.as_ref(), |p| p.p50),
            millis_or_na(s.service_ms.as_ref(), |p| p.p99),
            millis_or_na(s.wait_ms.as_ref(), |p| p.p99),
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
