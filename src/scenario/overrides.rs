//! `--set STAGE.FIELD=VALUE`: changes to a parsed scenario from the command
//! line, so the two runs of a comparison are one command each on one
//! scenario (`--set enrich.workers=16`). What `STAGE.FIELD` and its value
//! may be is read by [`super::spec_field`], as for `sweep --vary`.

use super::Scenario;
use super::spec_field::FieldPath;

/// A `--set` that cannot be applied: the text as given and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--set {given}: {why}")]
pub struct OverrideError {
    /// The `--set` value as given.
    pub given: String,
    /// What is wrong and how to fix it.
    pub why: String,
}

/// Applies each `STAGE.FIELD=VALUE` to `scenario`, in order.
pub fn apply_overrides(scenario: &mut Scenario, sets: &[String]) -> Result<(), OverrideError> {
    for given in sets {
        apply(scenario, given).map_err(|why| OverrideError {
            given: given.clone(),
            why,
        })?;
    }
    Ok(())
}

fn apply(scenario: &mut Scenario, given: &str) -> Result<(), String> {
    let (target, value) = given
        .split_once('=')
        .ok_or("expected STAGE.FIELD=VALUE, e.g. enrich.workers=16 or source.rate=2000")?;
    let path = FieldPath::parse(target, "set")?;
    path.check(&scenario.pipeline, &scenario.name)?;
    let value = path.value(value)?;
    path.apply(&mut scenario.pipeline, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{QueueCapacity, QueuePolicy, Rate};

    fn burst() -> Scenario {
        super::super::load("burst").unwrap()
    }

    fn set(s: &mut Scenario, given: &str) -> Result<(), OverrideError> {
        apply_overrides(s, &[given.to_string()])
    }

    #[test]
    fn each_field_changes_what_it_names() {
        let mut s = burst();
        for given in [
            "enrich.workers=16",
            "enrich.queue=1024",
            "score.queue=unbounded",
            "enrich.policy=drop-newest",
            "enrich.service=1ms",
            "normalize.service=800us",
            "source.rate=2000",
        ] {
            set(&mut s, given).unwrap();
        }
        let stage = |n: &str| s.pipeline.stages.iter().find(|x| x.name == n).unwrap();
        assert_eq!(stage("enrich").workers, 16);
        assert_eq!(stage("enrich").queue, QueueCapacity::Bounded(1024));
        assert_eq!(stage("score").queue, QueueCapacity::Unbounded);
        assert_eq!(stage("enrich").policy, QueuePolicy::DropNewest);
        assert_eq!(stage("enrich").service.mean(), Duration::from_millis(1));
        // A uniform distribution keeps its shape around the new mean.
        let normalize = stage("normalize").service;
        assert_eq!(normalize.name(), "uniform");
        assert!((normalize.mean().as_secs_f64() - 0.0008).abs() < 1e-9);
        assert_eq!(s.pipeline.source.rate, Rate::PerSecond(2000.0));
    }

    #[test]
    fn bad_sets_say_what_and_how_to_fix() {
        let mut s = burst();
        for (given, says) in [
            ("enrich.workers", "STAGE.FIELD=VALUE"),
            ("enrch.workers=2", "did you mean `enrich`"),
            ("enrich.wrokers=2", "did you mean `workers`"),
            ("enrich.workers=0", "1..=1024"),
            ("enrich.workers=many", "whole number"),
            ("enrich.policy=drop", "block, drop-newest or drop-oldest"),
            ("enrich.service=soon", "e.g. 2ms"),
            ("source.rate=0", "more than 0"),
            ("source.burst=5", "only `rate`"),
        ] {
            let e = set(&mut s, given).unwrap_err().to_string();
            assert!(e.starts_with(&format!("--set {given}: ")), "{e}");
            assert!(e.contains(says), "{given}: {e}");
        }
    }
}
