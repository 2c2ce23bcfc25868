//! `--vary STAGE.FIELD=VALUES`: what a sweep changes, and how. Values are
//! a range `A..B[,step]` (numbers, or durations for `service`) or a list
//! `a,b,c` (the only form for `policy`). `STAGE` is a stage's name, or
//! `source` for `source.rate`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::model::{
    MAX_QUEUE, MAX_WORKERS, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist,
};

/// The most variants one `--vary` may produce.
pub const MAX_VALUES: usize = 1_000;

/// What a `--vary` changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A stage's starting workers.
    Workers,
    /// A stage's queue capacity.
    Queue,
    /// A stage's queue policy.
    Policy,
    /// A stage's mean service time (the distribution's shape is kept).
    Service,
    /// The source's rate, items/s.
    Rate,
}

impl Field {
    const STAGE_FIELDS: [(&'static str, Field); 4] = [
        ("workers", Field::Workers),
        ("queue", Field::Queue),
        ("policy", Field::Policy),
        ("service", Field::Service),
    ];
}

/// One value a field takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Workers or a queue capacity.
    Count(usize),
    /// A queue policy.
    Policy(QueuePolicy),
    /// A mean service time.
    Duration(Duration),
    /// Items per second.
    Rate(f64),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Policy(p) => write!(f, "{p}"),
            Value::Duration(d) => write!(f, "{}", crate::format::millis(d.as_secs_f64() * 1e3)),
            Value::Rate(r) => write!(f, "{r}"),
        }
    }
}

/// One `--vary`: a target and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The stage's name (`source` for the rate).
    pub stage: String,
    /// The field it changes.
    pub field: Field,
    /// The values it takes, in order.
    pub values: Vec<Value>,
}

const HELP: &str = "write STAGE.FIELD=A..B[,step] or STAGE.FIELD=a,b,c with FIELD one of workers, queue, policy, service; or source.rate=A..B[,step] (e.g. enrich.workers=2..8, enrich.service=2ms..6ms,1ms, source.rate=800..1600,200, enrich.policy=block,drop-newest)";

impl FromStr for Vary {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (target, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` has no `=`: {HELP}"))?;
        let (stage, field) = target
            .rsplit_once('.')
            .ok_or_else(|| format!("`{target}` names no field: {HELP}"))?;
        let field = if stage == "source" {
            match field {
                "rate" => Field::Rate,
                other => {
                    return Err(format!(
                        "the source has no field `{other}` to vary (only `rate`): {HELP}"
                    ));
                }
            }
        } else {
            Field::STAGE_FIELDS
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, f)| *f)
                .ok_or_else(|| format!("a stage has no field `{field}` to vary: {HELP}"))?
        };
        if stage.is_empty() {
            return Err(format!("`{target}` names no stage: {HELP}"));
        }
        let values = parse_values(field, values.trim())?;
        Ok(Vary {
            stage: stage.to_string(),
            field,
            values,
        })
    }
}

fn parse_values(field: Field, text: &str) -> Result<Vec<Value>, String> {
    if text.is_empty() {
        return Err(format!("no values given: {HELP}"));
    }
    let one = |word: &str| parse_one(field, word.trim());
    let values = match text.split_once("..") {
        Some((from, rest)) => {
            let (to, step) = match rest.split_once(',') {
                Some((to, step)) => (to, Some(step)),
                None => (rest, None),
            };
            range(field, one(from)?, one(to)?, step.map(one).transpose()?)?
        }
        None => text.split(',').map(one).collect::<Result<_, _>>()?,
    };
    if values.len() > MAX_VALUES {
        return Err(format!(
            "`{text}` gives {} values, more than {MAX_VALUES}: use a larger step",
            values.len()
        ));
    }
    Ok(values)
}

fn parse_one(field: Field, word: &str) -> Result<Value, String> {
    match field {
        Field::Workers | Field::Queue => {
            let (lo, hi, what) = match field {
                Field::Workers => (1, MAX_WORKERS, "workers"),
                _ => (1, MAX_QUEUE, "a queue capacity"),
            };
            match word.parse::<usize>() {
                Ok(n) if (lo..=hi).contains(&n) => Ok(Value::Count(n)),
                _ => Err(format!(
                    "`{word}` is not {what}: give a whole number {lo}..={hi}"
                )),
            }
        }
        Field::Policy => QueuePolicy::parse(word).map(Value::Policy).ok_or_else(|| {
            format!("`{word}` is not a queue policy: give block, drop-newest or drop-oldest")
        }),
        Field::Service => match humantime::parse_duration(word) {
            Ok(d) if !d.is_zero() && d <= Duration::from_secs(3600) => Ok(Value::Duration(d)),
            _ => Err(format!(
                "`{word}` is not a service time: give a duration above 0 and at most 1h, e.g. 4ms"
            )),
        },
        Field::Rate => match word.parse::<Rate>() {
            Ok(Rate::PerSecond(r)) if r <= 10_000_000.0 => Ok(Value::Rate(r)),
            _ => Err(format!(
                "`{word}` is not a source rate: give items per second, above 0 and at most 10000000"
            )),
        },
    }
}

fn range(field: Field, from: Value, to: Value, step: Option<Value>) -> Result<Vec<Value>, String> {
    let bad_step = || "the step must be above 0".to_string();
    let backwards = || "a range goes from low to high (A..B with A ≤ B)".to_string();
    match (from, to, step) {
        (Value::Count(a), Value::Count(b), step) => {
            let step = match step {
                Some(Value::Count(s)) => s,
                None => 1,
                Some(_) => return Err(bad_step()),
            };
            if a > b {
                return Err(backwards());
            }
            Ok((a..=b).step_by(step).map(Value::Count).collect())
        }
        (Value::Duration(a), Value::Duration(b), step) => {
            let step = match step {
                Some(Value::Duration(s)) => s,
                None => {
                    return Err("a range of service times needs a step, e.g. 2ms..6ms,1ms".into());
                }
                Some(_) => return Err(bad_step()),
            };
            if a > b {
                return Err(backwards());
            }
            let n = ((b - a).as_nanos() / step.as_nanos()) as usize;
            if n >= MAX_VALUES {
                return Err(format!(
                    "that range gives more than {MAX_VALUES} values: use a larger step"
                ));
            }
            Ok((0..=n)
                .map(|k| Value::Duration(a + step * k as u32))
                .collect())
        }
        (Value::Rate(a), Value::Rate(b), step) => {
            let step = match step {
                Some(Value::Rate(s)) => s,
                None => return Err("a range of rates needs a step, e.g. 800..1600,200".into()),
                Some(_) => return Err(bad_step()),
            };
            if a > b {
                return Err(backwards());
            }
            let n = ((b - a) / step + 1e-9).floor() as usize;
            if n >= MAX_VALUES {
                return Err(format!(
                    "that range gives more than {MAX_VALUES} values: use a larger step"
                ));
            }
            Ok((0..=n).map(|k| Value::Rate(a + step * k as f64)).collect())
        }
        (Value::Policy(_), _, _) | (_, Value::Policy(_), _) => Err(format!(
            "{:?} takes a list, not a range: e.g. block,drop-newest",
            field
        )
        .to_lowercase()),
        _ => Err(format!("the two ends of the range differ in kind: {HELP}")),
    }
}

impl Vary {
    /// Checks the stage exists in `spec`; the error lists the stages.
    pub fn check(&self, spec: &PipelineSpec) -> Result<(), String> {
        if self.field == Field::Rate || spec.stages.iter().any(|s| s.name == self.stage) {
            return Ok(());
        }
        let names: Vec<&str> = spec.stages.iter().map(|s| s.name.as_str()).collect();
        Err(format!(
            "--vary {}: the scenario has no stage `{}` (its stages: {}; or `source` for source.rate)",
            self.label(),
            self.stage,
            names.join(", ")
        ))
    }

    /// `stage.field`, as the table heads it.
    pub fn label(&self) -> String {
        let field = match self.field {
            Field::Workers => "workers",
            Field::Queue => "queue",
            Field::Policy => "policy",
            Field::Service => "service",
            Field::Rate => "rate",
        };
        format!("{}.{field}", self.stage)
    }

    /// Sets `value` in `spec`.
    pub fn apply(&self, spec: &mut PipelineSpec, value: Value) {
        if let (Field::Rate, Value::Rate(r)) = (self.field, value) {
            spec.source.rate = Rate::PerSecond(r);
            return;
        }
        let Some(stage) = spec.stages.iter_mut().find(|s| s.name == self.stage) else {
            return;
        };
        match (self.field, value) {
            (Field::Workers, Value::Count(n)) => stage.workers = n,
            (Field::Queue, Value::Count(n)) => stage.queue = QueueCapacity::Bounded(n),
            (Field::Policy, Value::Policy(p)) => stage.policy = p,
            (Field::Service, Value::Duration(mean)) => {
                stage.service = with_mean(stage.service, mean)
            }
            (Field::Workers | Field::Queue | Field::Policy | Field::Service | Field::Rate, _) => {}
        }
    }
}

/// `dist` scaled to the mean `mean`: every time parameter is multiplied by
/// the same factor, so the shape (and the coefficient of variation) stays.
pub fn with_mean(dist: ServiceDist, mean: Duration) -> ServiceDist {
    let old = dist.mean().as_secs_f64();
    let k = if old > 0.0 {
        mean.as_secs_f64() / old
    } else {
        1.0
    };
    let scale = |d: Duration| d.mul_f64(k);
    match dist {
        ServiceDist::Fixed { .. } => ServiceDist::Fixed { mean },
        ServiceDist::Exp { .. } => ServiceDist::Exp { mean },
        ServiceDist::Uniform { min, max } => ServiceDist::Uniform {
            min: scale(min),
            max: scale(max),
        },
        ServiceDist::Normal { stddev, .. } => ServiceDist::Normal {
            mean,
            stddev: scale(stddev),
        },
        ServiceDist::LogNormal { stddev, .. } => ServiceDist::LogNormal {
            mean,
            stddev: scale(stddev),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_lists_and_steps_read_as_values() {
        let v: Vary = "enrich.workers=2..8,2".parse().unwrap();
        assert_eq!(v.values, [2, 4, 6, 8].map(Value::Count));
        let v: Vary = "enrich.service=2ms..4ms,1ms".parse().unwrap();
        assert_eq!(v.values.len(), 3);
        let v: Vary = "source.rate=800..1200,200".parse().unwrap();
        assert_eq!(v.values, [800.0, 1000.0, 1200.0].map(Value::Rate));
        let v: Vary = "a.policy=block,drop-oldest".parse().unwrap();
        assert_eq!(v.values.len(), 2);
        for bad in [
            "enrich.workers",
            "enrich=2..3",
            "enrich.color=1..2",
            "enrich.workers=0..3",
            "enrich.workers=8..2",
            "source.workers=1..2",
            "a.policy=block..drop-newest",
            "a.service=2ms..4ms",
            "a.workers=1..1000000",
        ] {
            assert!(bad.parse::<Vary>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_mean_keeps_the_shape() {
        let d = ServiceDist::LogNormal {
            mean: Duration::from_millis(4),
            stddev: Duration::from_millis(2),
        };
        assert_eq!(
            with_mean(d, Duration::from_millis(2)),
            ServiceDist::LogNormal {
                mean: Duration::from_millis(2),
                stddev: Duration::from_millis(1)
            }
        );
    }
}
