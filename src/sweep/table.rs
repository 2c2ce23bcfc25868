//! The sweep's table, one variant per line, the cheapest one that meets
//! every goal marked with `*`.

use super::{Estimate, SweepReport};
use crate::format;

fn ms(e: Estimate) -> String {
    if e.ci > 0.0 {
        format!("{} ±{}", format::millis(e.mean), format::millis(e.ci))
    } else {
        format::millis(e.mean)
    }
}

fn plain(e: Estimate) -> String {
    if e.ci > 0.0 {
        format!("{:.0} ±{:.0}", e.mean, e.ci)
    } else {
        format!("{:.0}", e.mean)
    }
}

/// The table as printed.
pub fn table(report: &SweepReport) -> String {
    let mut rows: Vec<[String; 8]> = vec![[
        String::new(),
        "variant".into(),
        "workers".into(),
        "items/s".into(),
        "e2e p50".into(),
        "e2e p99".into(),
        "drops".into(),
        "bottleneck".into(),
    ]];
    let goals = !report.goals.is_empty();
    for (i, v) in report.variants.iter().enumerate() {
        let name: Vec<String> = v.vary.iter().map(|(k, val)| format!("{k}={val}")).collect();
        let mark = if report.cheapest == Some(i) {
            "*"
        } else if goals && v.meets_goals {
            "+"
        } else {
            " "
        };
        rows.push([
            mark.into(),
            if name.is_empty() {
                "(as written)".into()
            } else {
                name.join(" ")
            },
            v.workers_total.to_string(),
            plain(v.throughput),
            ms(v.p50_ms),
            ms(v.p99_ms),
            plain(v.drops),
            v.bottleneck.clone().unwrap_or_else(|| "none".into()),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "pipetop sweep: {} — {} variant(s) × {} replication(s), {} s each, virtual time, seed {}\n",
        report.scenario,
        report.variants.len(),
        report.replications,
        report.duration_s,
        report.seed
    );
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| match c {
                0 | 1 | 7 => format!("{cell:<w$}"),
                _ => format!("{cell:>w$}"),
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"─".repeat(total));
            out.push('\n');
        }
    }
    if goals {
        out.push_str(&format!(
            "goals: {} (on the means; ± is a 95% interval)\n",
            report.goals.join(", ")
        ));
        match report.cheapest {
            Some(i) => {
                let v = &report.variants[i];
                let name: Vec<String> =
                    v.vary.iter().map(|(k, val)| format!("{k}={val}")).collect();
                out.push_str(&format!(
                    "* cheapest meeting every goal: {} ({} workers); + also meets them\n",
                    name.join(" "),
                    v.workers_total
                ));
            }
            None => out.push_str("no variant meets every goal\n"),
        }
    }
    out
}
