//! `STAGE.FIELD` and its values: the one reading of a command-line change
//! to a scenario's pipeline, shared by `run --set STAGE.FIELD=VALUE` and
//! `sweep --vary STAGE.FIELD=VALUES`. Fields: a stage's `workers`, `queue`
//! (a number or `unbounded`), `policy` and `service` (the mean; the
//! distribution keeps its shape), and `source.rate` (items/s; `max` where
//! one value is set). Limits are the scenario file's own.

use std::fmt;
use std::time::Duration;

use crate::model::{
    MAX_QUEUE, MAX_WORKERS, MIN_RATE, PipelineSpec, QueueCapacity, QueuePolicy, Rate, ServiceDist,
};

use super::service::MAX_SERVICE;
use super::source::MAX_RATE;
use super::suggest::did_you_mean;

/// What a `STAGE.FIELD` changes.
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
    /// The fields of a stage, by the name a user writes.
    const STAGE_FIELDS: [(&'static str, Field); 4] = [
        ("workers", Field::Workers),
        ("queue", Field::Queue),
        ("policy", Field::Policy),
        ("service", Field::Service),
    ];

    /// The name a user writes after the dot.
    pub fn name(self) -> &'static str {
        match self {
            Field::Workers => "workers",
            Field::Queue => "queue",
            Field::Policy => "policy",
            Field::Service => "service",
            Field::Rate => "rate",
        }
    }
}

/// One value a field takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Workers or a bounded queue's capacity.
    Count(usize),
    /// An unbounded queue.
    Unbounded,
    /// A queue policy.
    Policy(QueuePolicy),
    /// A mean service time.
    Duration(Duration),
    /// The source's rate.
    Rate(Rate),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Unbounded => write!(f, "unbounded"),
            Value::Policy(p) => write!(f, "{p}"),
            Value::Duration(d) => write!(f, "{}", crate::format::millis(d.as_secs_f64() * 1e3)),
            Value::Rate(Rate::PerSecond(r)) => write!(f, "{r}"),
            Value::Rate(Rate::Max) => write!(f, "max"),
        }
    }
}

/// A `STAGE.FIELD`: the stage's name (`source` for the rate) and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    /// The stage's name, or `source`.
    pub stage: String,
    /// The field it names.
    pub field: Field,
}

impl FieldPath {
    /// Reads `STAGE.FIELD`; `verb` ("set", "vary") goes in the errors.
    pub fn parse(target: &str, verb: &str) -> Result<Self, String> {
        let (stage, field) = target.rsplit_once('.').ok_or_else(|| {
            format!(
                "`{target}` names no field: write STAGE.FIELD, e.g. enrich.workers or source.rate"
            )
        })?;
        if stage.is_empty() {
            return Err(format!(
                "`{target}` names no stage: write STAGE.FIELD, e.g. enrich.workers"
            ));
        }
        let field = if stage == "source" {
            match field {
                "rate" => Field::Rate,
                other => return Err(format!("the source has only `rate`, not `{other}`")),
            }
        } else {
            let names = Field::STAGE_FIELDS.map(|(name, _)| name);
            match Field::STAGE_FIELDS.iter().find(|(name, _)| *name == field) {
                Some(&(_, f)) => f,
                None => {
                    let hint = did_you_mean(field, names)
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    return Err(format!(
                        "a stage has no field `{field}` to {verb}{hint}; fields: {}, or source.rate",
                        names.join(", ")
                    ));
                }
            }
        };
        Ok(Self {
            stage: stage.to_string(),
            field,
        })
    }

    /// `stage.field`, as written.
    pub fn label(&self) -> String {
        format!("{}.{}", self.stage, self.field.name())
    }

    /// Checks the stage exists in `spec`; the error lists the stages.
    pub fn check(&self, spec: &PipelineSpec, scenario: &str) -> Result<(), String> {
        if self.field == Field::Rate || spec.stages.iter().any(|s| s.name == self.stage) {
            return Ok(());
        }
        let names: Vec<&str> = spec.stages.iter().map(|s| s.name.as_str()).collect();
        let hint = did_you_mean(&self.stage, names.iter().copied())
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        Err(format!(
            "no stage `{}` in {scenario}{hint}; stages: {}, or `source`",
            self.stage,
            names.join(", ")
        ))
    }

    /// Reads one value of this field.
    pub fn value(&self, word: &str) -> Result<Value, String> {
        let word = word.trim();
        let count = |what: &str, max: usize| match word.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Value::Count(n)),
            Ok(n) => Err(format!("{what} must be 1..={max}, got {n}")),
            Err(_) => Err(format!(
                "{what} must be a whole number 1..={max}, got {word:?}"
            )),
        };
        match self.field {
            Field::Workers => count("workers", MAX_WORKERS),
            Field::Queue if word == "unbounded" => Ok(Value::Unbounded),
            Field::Queue => count("a queue capacity (or \"unbounded\")", MAX_QUEUE),
            Field::Policy => QueuePolicy::parse(word).map(Value::Policy).ok_or_else(|| {
                format!("policy must be block, drop-newest or drop-oldest, got {word:?}")
            }),
            Field::Service => match humantime::parse_duration(word) {
                Ok(d) if !d.is_zero() && d <= MAX_SERVICE => Ok(Value::Duration(d)),
                _ => Err(format!(
                    "the service mean must be a duration more than 0 and at most {}, e.g. 2ms, got {word:?}",
                    humantime::format_duration(MAX_SERVICE)
                )),
            },
            Field::Rate if word == "max" => Ok(Value::Rate(Rate::Max)),
            Field::Rate => match word.parse::<f64>() {
                Ok(r) if (MIN_RATE..=MAX_RATE).contains(&r) => Ok(Value::Rate(Rate::PerSecond(r))),
                _ => Err(format!(
                    "{} must be items/s, more than 0 and at most {MAX_RATE}, or \"max\", got {word:?}",
                    self.label()
                )),
            },
        }
    }

    /// Sets `value` in `spec` (a value of another field's kind, or a
    /// missing stage, changes nothing: [`FieldPath::value`] and
    /// [`FieldPath::check`] come first).
    pub fn apply(&self, spec: &mut PipelineSpec, value: Value) {
        if let (Field::Rate, Value::Rate(rate)) = (self.field, value) {
            spec.source.rate = rate;
            return;
        }
        let Some(stage) = spec.stages.iter_mut().find(|s| s.name == self.stage) else {
            return;
        };
        match (self.field, value) {
            (Field::Workers, Value::Count(n)) => stage.workers = n,
            (Field::Queue, Value::Count(n)) => stage.queue = QueueCapacity::Bounded(n),
            (Field::Queue, Value::Unbounded) => stage.queue = QueueCapacity::Unbounded,
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
    let scale = |d: Duration| d.mul_f64(k).min(MAX_SERVICE);
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

    #[test]
    fn paths_read_the_same_for_set_and_vary() {
        let p = FieldPath::parse("enrich.workers", "set").unwrap();
        assert_eq!((p.stage.as_str(), p.field), ("enrich", Field::Workers));
        assert_eq!(
            FieldPath::parse("source.rate", "vary").unwrap().field,
            Field::Rate
        );
        let e = FieldPath::parse("enrich.wrokers", "vary").unwrap_err();
        assert!(
            e.contains("to vary") && e.contains("did you mean `workers`"),
            "{e}"
        );
        assert!(
            FieldPath::parse("source.burst", "set")
                .unwrap_err()
                .contains("only `rate`")
        );
        assert!(FieldPath::parse("enrich", "set").is_err());
        assert!(FieldPath::parse(".workers", "set").is_err());
        let queue = FieldPath::parse("a.queue", "set").unwrap();
        assert_eq!(queue.value("unbounded"), Ok(Value::Unbounded));
        assert_eq!(queue.value("64"), Ok(Value::Count(64)));
        assert!(queue.value("0").is_err());
    }
}
