//! A stage's `service = { dist, mean, min, max, stddev }`: the distribution of
//! the time one attempt takes.

use std::time::Duration;

use crate::model::ServiceDist;

use super::error::ScenarioError;
use super::fields::Table;

/// The longest service-time parameter a scenario may give.
pub const MAX_SERVICE: Duration = Duration::from_secs(60);

const DISTS: &[&str] = &["fixed", "uniform", "exp", "normal", "lognormal"];
const EXAMPLE: &str = "e.g. `service = { dist = \"exp\", mean = \"2ms\" }`; dists: fixed {mean} | uniform {min, max} | exp {mean} | normal {mean, stddev} | lognormal {mean, stddev}";

/// Parses the `service` table of a stage.
pub(crate) fn parse(t: &Table<'_, '_>) -> Result<ServiceDist, ScenarioError> {
    let dist = t.require("dist", EXAMPLE)?.word("distribution", DISTS)?;
    let params: &[&str] = match dist {
        "uniform" => &["min", "max"],
        "normal" | "lognormal" => &["mean", "stddev"],
        _ => &["mean"],
    };
    let mut known = vec!["dist"];
    known.extend_from_slice(params);
    t.reject_unknown(
        &known,
        Some(format!(
            "dist = \"{dist}\" takes {}",
            params
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        )),
    )?;
    let param = |key: &str, allow_zero: bool| -> Result<Duration, ScenarioError> {
        let v = t.require(
            key,
            &format!(
                "dist = \"{dist}\" needs {}, e.g. `{key} = \"2ms\"`",
                params.join(" and ")
            ),
        )?;
        let d = v.duration()?;
        if d.is_zero() && !allow_zero {
            return Err(v.error("must be greater than 0").with_help(
                "for a stage with no work, use `service = { dist = \"fixed\", mean = \"0ms\" }`",
            ));
        }
        if d > MAX_SERVICE {
            return Err(v.error(format!(
                "must be at most {}, got {}",
                humantime::format_duration(MAX_SERVICE),
                humantime::format_duration(d)
            )));
        }
        Ok(d)
    };
    Ok(match dist {
        // A stage with no work (fixed 0) is how the engine's own cost is
        // measured; other distributions need a mean to shape.
        "fixed" => ServiceDist::Fixed {
            mean: param("mean", true)?,
        },
        "exp" => ServiceDist::Exp {
            mean: param("mean", false)?,
        },
        "uniform" => {
            let min = param("min", true)?;
            let max = param("max", false)?;
            if min > max {
                let message = format!(
                    "must not exceed `max` ({} > {})",
                    humantime::format_duration(min),
                    humantime::format_duration(max)
                );
                let error = match t.get("min") {
                    Some(v) => v.error(message),
                    None => t.doc.error(&t.span, message).with_field(t.field("min")),
                };
                return Err(error.with_help("swap `min` and `max`"));
            }
            ServiceDist::Uniform { min, max }
        }
        "normal" => ServiceDist::Normal {
            mean: param("mean", false)?,
            stddev: param("stddev", false)?,
        },
        _ => ServiceDist::LogNormal {
            mean: param("mean", false)?,
            stddev: param("stddev", false)?,
        },
    })
}
