//! The classic Prometheus text format (0.0.4), converted from the OpenMetrics
//! exposition for clients that do not ask for OpenMetrics (curl, `promtool
//! check metrics`).

use std::fmt::Write as _;

/// The classic text format (0.0.4) of an OpenMetrics exposition: a
/// counter's family takes its sample's `_total` name, and the `# UNIT` and
/// `# EOF` lines go. Samples are the same in both formats.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
