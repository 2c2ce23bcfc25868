//! `--set STAGE.FIELD=VALUE`: changes to a parsed scenario from the command
//! line, so the two runs of a comparison are one command each on one
//! scenario (`--set enrich.workers=16`). Fields: a stage's `workers`,
//! `queue` (a number or `unbounded`), `policy` and `service` (the mean; the
//! distribution keeps its shape), and `source.rate` (items/s or `max`).

use std::time::Duration;

use crate::model::{
    MAX_QUEUE, MAX_WORKERS, MIN_RATE, QueueCapacity, QueuePolicy, Rate, ServiceDist,
};

use super::Scenario;
use super::service::MAX_SERVICE;
use super::source::MAX_RATE;
use super::suggest::did_you_mean;

/// The fields `--set` can change on a stage.
const STAGE_FIELDS: &[&str] = &["workers", "queue", "policy", "service"];

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
    let (stage, field) = target
        .split_once('.')
        .ok_or("expected STAGE.FIELD before `=`, e.g. enrich.workers")?;
    let value = value.trim();
    if stage == "source" {
        if field != "rate" {
            return Err(format!("the source has only `rate`, not `{field}`"));
        }
        scenario.pipeline.source.rate = rate(value)?;
        return Ok(());
    }
    let names: Vec<String> = scenario
        .pipeline
        .stages
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let Some(spec) = scenario
        .pipeline
        .stages
        .iter_mut()
        .find(|s| s.name == stage)
    else {
        let hint = did_you_mean(stage, names.iter().map(String::as_str))
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        return Err(format!(
            "no stage `{stage}` in {}{hint}; stages: {}, or `source`",
            scenario.name,
            names.join(", ")
        ));
    };
    match field {
        "workers" => {
            let n: usize = value
                .parse()
                .map_err(|_| format!("workers must be a whole number, got {value:?}"))?;
            if !(1..=MAX_WORKERS).contains(&n) {
                return Err(format!("workers must be 1..={MAX_WORKERS}, got {n}"));
            }
            spec.workers = n;
        }
        "queue" => {
            spec.queue = if value == "unbounded" {
                QueueCapacity::Unbounded
            } else {
                let n: usize = value.parse().map_err(|_| {
                    format!("queue must be a whole number or \"unbounded\", got {value:?}")
                })?;
                if !(1..=MAX_QUEUE).contains(&n) {
                    return Err(format!("queue must be 1..={MAX_QUEUE}, got {n}"));
                }
                QueueCapacity::Bounded(n)
            };
        }
        "policy" => {
            spec.policy = QueuePolicy::parse(value).ok_or_else(|| {
                format!("policy must be block, drop-newest or drop-oldest, got {value:?}")
            })?;
        }
        "service" => {
            let mean = humantime::parse_duration(value)
                .map_err(|e| format!("service takes the mean, e.g. 2ms: {e}"))?;
            if mean.is_zero() || mean > MAX_SERVICE {
                return Err(format!(
                    "the service mean must be more than 0 and at most {}, got {value}",
                    humantime::format_duration(MAX_SERVICE)
                ));
            }
            spec.service = with_mean(spec.service, mean);
        }
        other => {
            let hint = did_you_mean(other, STAGE_FIELDS.iter().copied())
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(format!(
                "a stage has no `{other}` to set{hint}; fields: {}",
                STAGE_FIELDS.join(", ")
            ));
        }
    }
    Ok(())
}

fn rate(value: &str) -> Result<Rate, String> {
    if value == "max" {
        return Ok(Rate::Max);
    }
    let r: f64 = value
        .parse()
        .map_err(|_| format!("source.rate must be items/s or \"max\", got {value:?}"))?;
    if !(MIN_RATE..=MAX_RATE).contains(&r) {
        return Err(format!(
            "source.rate must be more than 0 and at most {MAX_RATE}/s, got {value}"
        ));
    }
    Ok(Rate::PerSecond(r))
}

/// The distribution scaled to a new mean: same shape, every parameter × the ratio.
fn with_mean(dist: ServiceDist, mean: Duration) -> ServiceDist {
    let ratio = mean.as_secs_f64() / dist.mean().as_secs_f64().max(1e-12);
    let scale = |d: Duration| Duration::from_secs_f64(d.as_secs_f64() * ratio).min(MAX_SERVICE);
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
