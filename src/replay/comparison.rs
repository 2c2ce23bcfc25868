//! Two recorded runs side by side: rows of (what, A, B, Δ) per pipeline
//! and per stage (stages matched by name), as the text table `pipetop
//! compare --headless` prints and the JSON `--report` writes.

use serde_json::{Value, json};

use crate::format;

use super::summary::{RunSummary, StageSummary};

/// How a row's numbers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A count of items.
    Count,
    /// Milliseconds.
    Millis,
    /// A fraction of time.
    Fraction,
    /// Seconds of run.
    Seconds,
}

impl Measure {
    fn show(self, v: f64) -> String {
        match self {
            Self::Count => format::count(v),
            Self::Millis => format::millis(v),
            Self::Fraction => format::percent(v),
            Self::Seconds => format!("{v:.1}s"),
        }
    }
}

/// One compared number.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What it is (`completed`, `service p99`, …).
    pub what: &'static str,
    /// Run A's value (`None`: the stage is not in A).
    pub a: Option<f64>,
    /// Run B's value.
    pub b: Option<f64>,
    /// How it reads.
    pub measure: Measure,
}

impl Row {
    /// `B − A`, as the table shows it: a change in percent for latencies
    /// and counts, in points for fractions.
    pub fn delta(&self) -> String {
        let (Some(a), Some(b)) = (self.a, self.b) else {
            return "—".to_string();
        };
        match self.measure {
            Measure::Fraction => format!("{:+.0} pt", (b - a) * 100.0),
            _ if a == 0.0 && b == 0.0 => "=".to_string(),
            _ if a == 0.0 => "new".to_string(),
            _ if ((b - a) / a).abs() < 0.0005 => "=".to_string(),
            _ => format!("{:+.1}%", (b - a) / a * 100.0),
        }
    }

    /// A's value as shown.
    pub fn a_text(&self) -> String {
        self.a.map_or_else(|| "—".into(), |v| self.measure.show(v))
    }

    /// B's value as shown.
    pub fn b_text(&self) -> String {
        self.b.map_or_else(|| "—".into(), |v| self.measure.show(v))
    }
}

/// A block of rows: the pipeline's, or one stage's.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// `pipeline`, or the stage's name.
    pub name: String,
    /// The rows.
    pub rows: Vec<Row>,
}

fn pipeline_rows(a: &RunSummary, b: &RunSummary) -> Vec<Row> {
    let row = |what, measure, f: fn(&RunSummary) -> f64| Row {
        what,
        a: Some(f(a)),
        b: Some(f(b)),
        measure,
    };
    vec![
        row("duration", Measure::Seconds, |r| r.duration_s),
        row("generated", Measure::Count, |r| r.totals.generated as f64),
        row("completed", Measure::Count, |r| r.totals.completed as f64),
        row("dropped", Measure::Count, |r| r.totals.dropped as f64),
        row("dead", Measure::Count, |r| r.totals.dead_lettered as f64),
        row("e2e p50", Measure::Millis, |r| r.end_to_end_ms.p50),
        row("e2e p99", Measure::Millis, |r| r.end_to_end_ms.p99),
        row("e2e max", Measure::Millis, |r| r.end_to_end_ms.max),
    ]
}

fn stage_rows(a: Option<&StageSummary>, b: Option<&StageSummary>) -> Vec<Row> {
    let row = |what, measure, f: fn(&StageSummary) -> f64| Row {
        what,
        a: a.map(f),
        b: b.map(f),
        measure,
    };
    vec![
        row("workers", Measure::Count, |s| s.workers as f64),
        row("processed", Measure::Count, |s| s.processed as f64),
        row("queue max", Measure::Count, |s| s.queue_max as f64),
        row("service p99", Measure::Millis, |s| s.service_ms.p99),
        row("wait p99", Measure::Millis, |s| s.wait_ms.p99),
        row("busy", Measure::Fraction, |s| s.busy),
        row("blocked", Measure::Fraction, |s| s.blocked),
        row("dropped", Measure::Count, |s| s.dropped as f64),
        row("retried", Measure::Count, |s| s.retried as f64),
        row("restarts", Measure::Count, |s| s.restarts as f64),
    ]
}

/// The pipeline's block, then one per stage of A (then those only in B).
pub fn blocks(a: &RunSummary, b: &RunSummary) -> Vec<Block> {
    let mut names: Vec<&str> = a.stages.iter().map(|s| s.name.as_str()).collect();
    for s in &b.stages {
        if !names.contains(&s.name.as_str()) {
            names.push(&s.name);
        }
    }
    let find = |r: &'_ RunSummary, n: &str| r.stages.iter().find(|s| s.name == n).cloned();
    std::iter::once(Block {
        name: "pipeline".into(),
        rows: pipeline_rows(a, b),
    })
    .chain(names.into_iter().map(|n| Block {
        name: n.to_string(),
        rows: stage_rows(find(a, n).as_ref(), find(b, n).as_ref()),
    }))
    .collect()
}

fn bottleneck_text(r: &RunSummary) -> String {
    r.main_bottleneck().map_or_else(
        || "none".to_string(),
        |(n, share)| format!("{n} ({:.0}% of ticks)", share * 100.0),
    )
}

/// The text table `compare --headless` prints.
pub fn table(a: &RunSummary, b: &RunSummary) -> String {
    let mut out = format!(
        "A: {} ({}, {:.1}s, {} events)\nB: {} ({}, {:.1}s, {} events)\n\n{:<14} {:>12} {:>12} {:>10}\n",
        a.name,
        a.path,
        a.duration_s,
        a.events.len(),
        b.name,
        b.path,
        b.duration_s,
        b.events.len(),
        "",
        "A",
        "B",
        "Δ"
    );
    for block in blocks(a, b) {
        out.push_str(&format!("{}\n", block.name));
        for r in &block.rows {
            out.push_str(&format!(
                "  {:<12} {:>12} {:>12} {:>10}\n",
                r.what,
                r.a_text(),
                r.b_text(),
                r.delta()
            ));
        }
    }
    out.push_str(&format!(
        "\nbottleneck  A: {}\n            B: {}\n",
        bottleneck_text(a),
        bottleneck_text(b)
    ));
    out
}

/// The JSON `compare --report` writes.
pub fn report(a: &RunSummary, b: &RunSummary) -> Value {
    let run = |r: &RunSummary| {
        json!({
            "scenario": r.name,
            "series": r.path,
            "duration_s": r.duration_s,
            "bottleneck": r.main_bottleneck().map(|(n, share)| json!({"stage": n, "share": share})),
            "events": r.events.iter().map(|e| json!({"t_s": e.t_s, "kind": e.word, "message": e.message})).collect::<Vec<_>>(),
        })
    };
    let blocks: Vec<Value> = blocks(a, b)
        .into_iter()
        .map(|block| {
            let rows: serde_json::Map<String, Value> = block
                .rows
                .iter()
                .map(|r| (r.what.replace(' ', "_"), json!({"a": r.a, "b": r.b})))
                .collect();
            json!({"name": block.name, "values": rows})
        })
        .collect();
    json!({"schema": 1, "a": run(a), "b": run(b), "blocks": blocks})
}
