//! Latency summaries written by hand in the OpenMetrics text format, since
//! prometheus-client (0.26) has no summary type: quantiles 0.5, 0.9 and 0.99
//! over the recent window, `_sum` and `_count` since the start, in seconds.

use std::fmt::Write as _;

use crate::metrics::Percentiles;

/// One series of a summary: a stage's latency, or the whole pipeline's when
/// `stage` is `None` (no label).
#[derive(Debug, Clone, Copy)]
pub struct SummarySeries<'a> {
    /// The `stage` label's value, if the series has one.
    pub stage: Option<&'a str>,
    /// Over the recent window: the quantiles.
    pub window: Percentiles,
    /// Since the start: the sum and count.
    pub total: Percentiles,
}

/// Writes one summary family in the OpenMetrics text format: per series, the
/// window's p50, p90 and p99 (NaN when the window saw no item) and the run's
/// sum and count, in seconds. `name` ends in `_seconds`, its unit.
pub fn encode_summary<'a>(
    out: &mut String,
    name: &str,
    help: &str,
    series: impl IntoIterator<Item = SummarySeries<'a>>,
) {
    debug_assert!(
        name.ends_with("_seconds"),
        "{name}: a summary is in seconds"
    );
    let _ = writeln!(out, "# HELP {name} {}.", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} summary");
    let _ = writeln!(out, "# UNIT {name} seconds");
    for SummarySeries {
        stage,
        window,
        total,
    } in series
    {
        // Labels before `quantile`, and the labels of `_sum` and `_count`.
        let (before_quantile, labels) = match stage {
            Some(stage) => {
                let stage = format!("stage=\"{}\"", escape_label(stage));
                (format!("{stage},"), format!("{{{stage}}}"))
            }
            None => (String::new(), String::new()),
        };
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
                "{name}{{{before_quantile}quantile=\"{quantile}\"}} {}",
                float(value)
            );
        }
        let sum = total.mean * total.count as f64 / 1e3;
        let _ = writeln!(out, "{name}_sum{labels} {}", float(sum));
        let _ = writeln!(out, "{name}_count{labels} {}", total.count);
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
            [SummarySeries {
                stage: Some("a\"b"),
                window,
                total,
            }],
        );
        assert!(out.contains("# TYPE x_seconds summary\n"), "{out}");
        assert!(out.contains("# UNIT x_seconds seconds\n"), "{out}");
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
    fn a_pipeline_summary_has_no_stage_label() {
        let p = Percentiles {
            count: 2,
            p50: 1500.0,
            mean: 1000.0,
            ..Percentiles::default()
        };
        let mut out = String::new();
        encode_summary(
            &mut out,
            "e_seconds",
            "h",
            [SummarySeries {
                stage: None,
                window: p,
                total: p,
            }],
        );
        assert!(out.contains("\ne_seconds{quantile=\"0.5\"} 1.5\n"), "{out}");
        assert!(out.contains("\ne_seconds_sum 2.0\n"), "{out}");
        assert!(out.contains("\ne_seconds_count 2\n"), "{out}");
    }

    #[test]
    fn an_empty_window_reports_nan_quantiles() {
        let mut out = String::new();
        let none = Percentiles::default();
        encode_summary(
            &mut out,
            "w_seconds",
            "h",
            [SummarySeries {
                stage: Some("s"),
                window: none,
                total: none,
            }],
        );
        assert!(
            out.contains("w_seconds{stage=\"s\",quantile=\"0.5\"} NaN\n"),
            "{out}"
        );
    }
}
