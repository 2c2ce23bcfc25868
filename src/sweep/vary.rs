//! `--vary STAGE.FIELD=VALUES`: what a sweep changes, and how. Values are
//! a range `A..B[,step]` (numbers, or durations for `service`) or a list
//! `a,b,c` (the only form for `policy`). `STAGE` is a stage's name, or
//! `source` for `source.rate`.

use std::str::FromStr;

use crate::model::{PipelineSpec, Rate};
pub use crate::scenario::spec_field::{Field, FieldPath, Value};

/// The most variants one `--vary` may produce.
pub const MAX_VALUES: usize = 1_000;

/// One `--vary`: a target and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The stage and field it changes.
    pub path: FieldPath,
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
        let path = FieldPath::parse(target, "vary").map_err(|why| format!("{why}: {HELP}"))?;
        let values = parse_values(&path, values.trim())?;
        Ok(Vary { path, values })
    }
}

fn parse_values(path: &FieldPath, text: &str) -> Result<Vec<Value>, String> {
    if text.is_empty() {
        return Err(format!("no values given: {HELP}"));
    }
    let field = path.field;
    let one = |word: &str| path.value(word);
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
        (Value::Rate(Rate::PerSecond(a)), Value::Rate(Rate::PerSecond(b)), step) => {
            let step = match step {
                Some(Value::Rate(Rate::PerSecond(s))) => s,
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
            Ok((0..=n)
                .map(|k| Value::Rate(Rate::PerSecond(a + step * k as f64)))
                .collect())
        }
        (Value::Policy(_), _, _) | (_, Value::Policy(_), _) => Err(format!(
            "{} takes a list, not a range: e.g. block,drop-newest",
            field.name()
        )),
        _ => Err(format!("the two ends of the range differ in kind: {HELP}")),
    }
}

impl Vary {
    /// Checks the stage exists in `spec`; the error lists the stages.
    pub fn check(&self, spec: &PipelineSpec, scenario: &str) -> Result<(), String> {
        self.path
            .check(spec, scenario)
            .map_err(|why| format!("--vary {}: {why}", self.label()))
    }

    /// `stage.field`, as the table heads it.
    pub fn label(&self) -> String {
        self.path.label()
    }

    /// Sets `value` in `spec`.
    pub fn apply(&self, spec: &mut PipelineSpec, value: Value) {
        self.path.apply(spec, value);
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
        assert_eq!(
            v.values,
            [800.0, 1000.0, 1200.0].map(|r| Value::Rate(Rate::PerSecond(r)))
        );
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
}
