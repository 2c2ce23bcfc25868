//! The exposition itself: a snapshot as Prometheus metrics, in OpenMetrics
//! (counters and gauges by prometheus-client, the latency summaries by hand)
//! or converted to the classic text format for clients that ask for it.

use std::fmt::Write as _;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::metrics::{Percentiles, Snapshot, StageSnapshot};

/// The whole exposition for `snapshot` (only the end marker before the first one).
pub fn encode(snapshot: Option<&Snapshot>) -> String {
    let mut text = String::new();
    if let Some(snapshot) = snapshot {
        encode_registry(&mut text, &registry(snapshot)).expect("writing to a String cannot fail");
        for (name, help, latency) in [
            (
                "pipetop_stage_service_seconds",
                "Time a worker spent on one attempt at one item (quantiles over the recent window)",
                (|s: &StageSnapshot| (s.service_ms.window, s.service_ms.total))
                    as fn(&StageSnapshot) -> (Percentiles, Percentiles),
            ),
            (
                "pipetop_stage_wait_seconds",
                "Time an item waited in the stage's input queue (quantiles over the recent window)",
                |s: &StageSnapshot| (s.wait_ms.window, s.wait_ms.total),
            ),
        ] {
            let stages = snapshot.stages.iter().map(|s| {
                let (window, total) = latency(s);
                (s.name.as_str(), window, total)
            });
            encode_summary(&mut text, name, help, stages);
        }
    }
    encode_eof(&mut text).expect("writing to a String cannot fail");
    text
}

/// The classic text format (0.0.4) of an OpenMetrics exposition: a
/// counter's family takes its sample's `_total` name, and the `# UNIT` and
/// `# EOF` lines go. Served to clients that do not ask for OpenMetrics, such
/// as curl and `promtool check metrics`.
pub fn to_classic_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut text = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let descriptor = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|prefix| Some((prefix, line.strip_prefix(prefix)?)));
        match descriptor {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let total = if counters.contains(name) {
                    "_total"
                } else {
                    ""
                };
                let _ = writeln!(text, "{prefix}{name}{total} {tail}");
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    text
}

type StageLabels = Vec<(String, String)>;

/// A per-stage metric: name, help, and how to read it from a stage.
type StageMetric<T> = (&'static str, &'static str, fn(&StageSnapshot) -> T);

fn stage_label(stage: &StageSnapshot) -> StageLabels {
    vec![("stage".to_string(), stage.name.clone())]
}

/// Counters and gauges of one snapshot. Counter names lack `_total`: the
/// encoder adds it.
fn registry(snapshot: &Snapshot) -> Registry {
    let mut registry = Registry::default();
    let totals = snapshot.totals;
    for (name, help, value) in [
        (
            "pipetop_generated",
            "Items the source produced",
            totals.generated,
        ),
        (
            "pipetop_completed",
            "Items that reached the sink",
            totals.completed,
        ),
        (
            "pipetop_dropped",
            "Items dropped by a full queue's policy",
            totals.dropped,
        ),
        (
            "pipetop_dead_lettered",
            "Items that failed every attempt",
            totals.dead_lettered,
        ),
    ] {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        registry.register(name, help, counter);
    }
    for (name, help, value) in [
        (
            "pipetop_in_flight",
            "Items generated and not yet completed, dropped or dead-lettered",
            totals.in_flight,
        ),
        (
            "pipetop_source_pending",
            "Items due from the source but not yet admitted into the first queue",
            snapshot.source.source_pending,
        ),
    ] {
        let gauge = Gauge::<i64>::default();
        gauge.set(clamp_i64(value));
        registry.register(name, help, gauge);
    }

    // `None` leaves the stage out of the family (an unbounded queue has no bound).
    let int_gauges: [StageMetric<Option<u64>>; 3] = [
        (
            "pipetop_stage_queue_len",
            "Items waiting in the stage's input queue",
            |s| Some(s.queue_len as u64),
        ),
        (
            "pipetop_stage_queue_capacity",
            "Bound of the stage's input queue (absent when unbounded)",
            |s| s.queue_capacity.map(|c| c as u64),
        ),
        ("pipetop_stage_workers", "Live workers of the stage", |s| {
            Some(s.workers as u64)
        }),
    ];
    for (name, help, value) in int_gauges {
        let family = Family::<StageLabels, Gauge<i64>>::default();
        for stage in &snapshot.stages {
            if let Some(value) = value(stage) {
                family
                    .get_or_create(&stage_label(stage))
                    .set(clamp_i64(value));
            }
        }
        registry.register(name, help, family);
    }

    let counters: [StageMetric<u64>; 5] = [
        (
            "pipetop_stage_processed",
            "Items the stage finished and passed on",
            |s| s.processed,
        ),
        (
            "pipetop_stage_dropped",
            "Items dropped at the stage's input queue",
            |s| s.dropped,
        ),
        (
            "pipetop_stage_retried",
            "Failed attempts the stage retried",
            |s| s.retried,
        ),
        (
            "pipetop_stage_dead_lettered",
            "Items the stage gave up on after their last attempt",
            |s| s.dead_lettered,
        ),
        (
            "pipetop_stage_restarts",
            "Workers of the stage restarted after a crash",
            |s| s.restarts,
        ),
    ];
    for (name, help, value) in counters {
        let family = Family::<StageLabels, Counter<u64>>::default();
        for stage in &snapshot.stages {
            family
                .get_or_create(&stage_label(stage))
                .inc_by(value(stage));
        }
        registry.register(name, help, family);
    }

    let ratios: [StageMetric<f64>; 3] = [
        (
            "pipetop_stage_busy_ratio",
            "Fraction of worker time spent processing over the last tick",
            |s| s.busy,
        ),
        (
            "pipetop_stage_idle_ratio",
            "Fraction of worker time spent waiting for input over the last tick",
            |s| s.idle,
        ),
        (
            "pipetop_stage_blocked_ratio",
            "Fraction of worker time spent blocked handing items downstream over the last tick",
            |s| s.blocked,
        ),
    ];
    for (name, help, value) in ratios {
        let family = Family::<StageLabels, Gauge<f64, AtomicU64>>::default();
        for stage in &snapshot.stages {
            family.get_or_create(&stage_label(stage)).set(value(stage));
        }
        registry.register(name, help, family);
    }
    registry
}

fn clamp_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Writes one summary family in the OpenMetrics text format: per stage, the
/// window's p50, p90 and p99 and the run's sum and count, in seconds.
pub fn encode_summary<'a>(
    out: &mut String,
    name: &str,
    help: &str,
    stages: impl Iterator<Item = (&'a str, Percentiles, Percentiles)>,
) {
    let _ = writeln!(out, "# HELP {name} {}.", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} summary");
    for (stage, window, total) in stages {
        let stage = escape_label(stage);
        for (quantile, ms) in [
            ("0.5", window.p50),
            ("0.9", window.p90),
            ("0.99", window.p99),
        ] {
            let value = if window.count == 0 {
                f64::NAN
            } else {
                ms / 1e3
            };
            let _ = writeln!(
                out,
                "{name}{{stage=\"{stage}\",quantile=\"{quantile}\"}} {}",
                float(value)
            );
        }
        let sum = total.mean * total.count as f64 / 1e3;
        let _ = writeln!(out, "{name}_sum{{stage=\"{stage}\"}} {}", float(sum));
        let _ = writeln!(out, "{name}_count{{stage=\"{stage}\"}} {}", total.count);
    }
}

/// A float as the text format spells it.
fn float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        let text = value.to_string();
        if text.contains(['.', 'e']) {
            text
        } else {
            text + ".0"
        }
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_spells_quantiles_sum_and_count_in_seconds() {
        let window = Percentiles {
            count: 4,
            p50: 2.0,
            p90: 3.0,
            p99: 4.5,
            ..Percentiles::default()
        };
        let total = Percentiles {
            count: 10,
            mean: 2.5,
            ..Percentiles::default()
        };
        let mut out = String::new();
        encode_summary(
            &mut out,
            "x_seconds",
            "help",
            [("a\"b", window, total)].into_iter(),
        );
        assert!(out.contains("# TYPE x_seconds summary\n"), "{out}");
        assert!(
            out.contains("x_seconds{stage=\"a\\\"b\",quantile=\"0.99\"} 0.0045\n"),
            "{out}"
        );
        assert!(
            out.contains("x_seconds_sum{stage=\"a\\\"b\"} 0.025\n"),
            "{out}"
        );
        assert!(
            out.contains("x_seconds_count{stage=\"a\\\"b\"} 10\n"),
            "{out}"
        );
    }

    #[test]
    fn an_empty_window_reports_nan_quantiles() {
        let mut out = String::new();
        let none = Percentiles::default();
        encode_summary(&mut out, "w", "h", [("s", none, none)].into_iter());
        assert!(
            out.contains("w{stage=\"s\",quantile=\"0.5\"} NaN\n"),
            "{out}"
        );
    }

    #[test]
    fn the_classic_text_names_counter_families_with_total() {
        let openmetrics = "# HELP a_b Things.\n# TYPE a_b counter\n# UNIT a_b x\na_b_total 3\n\
                           # HELP g Now.\n# TYPE g gauge\ng 1\n# EOF\n";
        assert_eq!(
            to_classic_text(openmetrics),
            "# HELP a_b_total Things.\n# TYPE a_b_total counter\na_b_total 3\n\
             # HELP g Now.\n# TYPE g gauge\ng 1\n"
        );
    }

    #[test]
    fn before_the_first_snapshot_only_the_end_marker_is_served() {
        assert_eq!(encode(None), "# EOF\n");
    }
}
