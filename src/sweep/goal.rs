//! `--goal`: what a variant must achieve, e.g. `p99<50ms`, `p50<=5ms`,
//! `drops=0`, `drops<1%`, `throughput>=800`. Percentiles are end-to-end,
//! over the whole run, averaged over the replications.

use std::fmt;
use std::str::FromStr;

/// What a goal measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    P50,
    P90,
    P99,
    P999,
    Max,
    Mean,
    /// Items dropped or dead-lettered, as a count or a share of those generated.
    Drops,
    /// Items completed per second.
    Throughput,
}

const METRICS: [(&str, Metric); 8] = [
    ("p50", Metric::P50),
    ("p90", Metric::P90),
    ("p99.9", Metric::P999),
    ("p999", Metric::P999),
    ("p99", Metric::P99),
    ("max", Metric::Max),
    ("mean", Metric::Mean),
    ("drops", Metric::Drops),
];

/// How a measure compares with the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    Below,
    AtMost,
    Equal,
    AtLeast,
    Above,
}

impl Compare {
    fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Self::Below => value < bound,
            Self::AtMost => value <= bound,
            Self::Equal => value == bound,
            Self::AtLeast => value >= bound,
            Self::Above => value > bound,
        }
    }
}

/// The bound's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    /// Milliseconds (latencies).
    Millis(f64),
    /// A count of items, or items per second.
    Number(f64),
    /// A share of the items generated, 0..=1.
    Share(f64),
}

/// One goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    metric: Metric,
    compare: Compare,
    bound: Bound,
    text: String,
}

/// What a goal is checked against: one variant's means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// End-to-end p50, ms.
    pub p50_ms: f64,
    /// End-to-end p90, ms.
    pub p90_ms: f64,
    /// End-to-end p99, ms.
    pub p99_ms: f64,
    /// End-to-end p99.9, ms.
    pub p999_ms: f64,
    /// End-to-end maximum, ms.
    pub max_ms: f64,
    /// End-to-end mean, ms.
    pub mean_ms: f64,
    /// Items dropped or dead-lettered.
    pub drops: f64,
    /// Items generated.
    pub generated: f64,
    /// Items completed per second.
    pub throughput: f64,
}

const HELP: &str = "write METRIC OP VALUE with METRIC one of p50, p90, p99, p999, max, mean (end-to-end, a duration such as 50ms), drops (a count or a percentage such as 1%), throughput (items/s), and OP one of <, <=, =, >=, > (e.g. 'p99<50ms', 'drops=0', 'throughput>=800')";

impl FromStr for Goal {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let at = compact
            .find(['<', '>', '='])
            .ok_or_else(|| format!("`{text}` has no comparison: {HELP}"))?;
        let (name, rest) = compact.split_at(at);
        let (compare, value) = [
            ("<=", Compare::AtMost),
            (">=", Compare::AtLeast),
            ("<", Compare::Below),
            (">", Compare::Above),
            ("==", Compare::Equal),
            ("=", Compare::Equal),
        ]
        .iter()
        .find_map(|(sym, c)| rest.strip_prefix(sym).map(|v| (*c, v)))
        .ok_or_else(|| format!("`{text}`: {HELP}"))?;
        let metric = if name == "throughput" {
            Metric::Throughput
        } else {
            METRICS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, m)| *m)
                .ok_or_else(|| format!("`{name}` is not a goal's metric: {HELP}"))?
        };
        let bound = match metric {
            Metric::Drops => match value.strip_suffix('%') {
                Some(p) => Bound::Share(number(p, text)? / 100.0),
                None => Bound::Number(number(value, text)?),
            },
            Metric::Throughput => Bound::Number(number(value, text)?),
            Metric::P50 | Metric::P90 | Metric::P99 | Metric::P999 | Metric::Max | Metric::Mean => {
                let d = humantime::parse_duration(value).map_err(|_| {
                    format!(
                        "`{value}` in `{text}` is not a duration: give one such as 50ms or 1.5s"
                    )
                })?;
                Bound::Millis(d.as_secs_f64() * 1e3)
            }
        };
        Ok(Goal {
            metric,
            compare,
            bound,
            text: compact,
        })
    }
}

fn number(text: &str, goal: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(format!(
            "`{text}` in `{goal}` is not a number (0 or more): {HELP}"
        )),
    }
}

impl Goal {
    /// Whether `m` meets the goal.
    pub fn met_by(&self, m: &Measures) -> bool {
        let value = match self.metric {
            Metric::P50 => m.p50_ms,
            Metric::P90 => m.p90_ms,
            Metric::P99 => m.p99_ms,
            Metric::P999 => m.p999_ms,
            Metric::Max => m.max_ms,
            Metric::Mean => m.mean_ms,
            Metric::Throughput => m.throughput,
            Metric::Drops => match self.bound {
                Bound::Share(_) if m.generated > 0.0 => m.drops / m.generated,
                Bound::Share(_) => 0.0,
                Bound::Millis(_) | Bound::Number(_) => m.drops,
            },
        };
        let bound = match self.bound {
            Bound::Millis(b) | Bound::Number(b) | Bound::Share(b) => b,
        };
        self.compare.holds(value, bound)
    }
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measures() -> Measures {
        Measures {
            p50_ms: 5.0,
            p90_ms: 20.0,
            p99_ms: 40.0,
            p999_ms: 90.0,
            max_ms: 120.0,
            mean_ms: 8.0,
            drops: 10.0,
            generated: 10_000.0,
            throughput: 800.0,
        }
    }

    #[test]
    fn goals_read_and_judge() {
        let m = measures();
        for (goal, met) in [
            ("p99<50ms", true),
            ("p99 < 40ms", false),
            ("p99<=40ms", true),
            ("p50<1s", true),
            ("drops=0", false),
            ("drops<1%", true),
            ("drops<0.05%", false),
            ("throughput>=800", true),
            ("throughput>800", false),
            ("p99.9<100ms", true),
        ] {
            let g: Goal = goal.parse().unwrap_or_else(|e| panic!("{goal}: {e}"));
            assert_eq!(g.met_by(&m), met, "{goal}");
        }
        for bad in [
            "p99",
            "p98<5ms",
            "p99<fast",
            "drops<-1",
            "throughput>=x",
            "<5ms",
        ] {
            assert!(bad.parse::<Goal>().is_err(), "{bad}");
        }
    }
}
