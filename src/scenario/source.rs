//! The `[source]` table: arrival rate, arrival spacing and burst size.

use crate::model::{Arrivals, MIN_RATE, Rate, SourceSpec};

use super::error::ScenarioError;
use super::fields::{Table, Value};

/// The highest rate a scenario may ask for, items per second.
pub const MAX_RATE: f64 = 10_000_000.0;
/// The most items one burst may inject.
pub const MAX_BURST: i64 = 10_000_000;
/// Burst size under `rate = "max"` when none is given.
pub const DEFAULT_MAX_BURST: u64 = 10_000;

const KEYS: &[&str] = &["rate", "arrivals", "burst"];
const ARRIVALS: &[&str] = &["poisson", "uniform"];

/// Parses `[source]`.
pub(crate) fn parse(t: &Table<'_, '_>) -> Result<SourceSpec, ScenarioError> {
    t.reject_unknown(KEYS, None)?;
    let rate = rate(&t.require(
        "rate",
        "give the arrival rate in items per second, e.g. `rate = 800`, or `rate = \"max\"`",
    )?)?;
    let arrivals = match t.get("arrivals") {
        None => Arrivals::Poisson,
        Some(v) => match v.word("arrivals", ARRIVALS)? {
            "uniform" => Arrivals::Uniform,
            _ => Arrivals::Poisson,
        },
    };
    let burst = match t.get("burst") {
        Some(v) => v.int_in(1, MAX_BURST)? as u64,
        None => default_burst(rate),
    };
    Ok(SourceSpec {
        rate,
        arrivals,
        burst,
    })
}

/// Ten seconds of traffic at `rate`, or 10 000 items (`DEFAULT_MAX_BURST`)
/// under `max`.
pub fn default_burst(rate: Rate) -> u64 {
    match rate.per_second() {
        Some(r) => ((r * 10.0).ceil() as u64).clamp(1, MAX_BURST as u64),
        None => DEFAULT_MAX_BURST,
    }
}

/// A rate: items per second in `(0, MAX_RATE]`, or the string "max".
pub(crate) fn rate(v: &Value<'_, '_>) -> Result<Rate, ScenarioError> {
    if let Ok(word) = v.str() {
        return if word == "max" {
            Ok(Rate::Max)
        } else {
            Err(v
                .error(format!("must be items per second or \"max\", got {word:?}"))
                .with_help("write a number without quotes, e.g. `rate = 800`, or `rate = \"max\"`"))
        };
    }
    let r = v
        .number()
        .map_err(|_| v.wrong_type("items per second or \"max\""))?;
    if r <= 0.0 {
        return Err(v
            .error(format!("must be greater than 0, got {r}"))
            .with_help("to stop arrivals use a timeline `pause`; for no limit use \"max\""));
    }
    if r < MIN_RATE {
        return Err(v
            .error(format!("must be at least {MIN_RATE}/s, got {r:e}"))
            .with_help("to stop arrivals use a timeline `pause`"));
    }
    if r > MAX_RATE {
        return Err(v
            .error(format!("must be at most {MAX_RATE}/s, got {r}"))
            .with_help("use \"max\" to saturate the pipeline"));
    }
    Ok(Rate::PerSecond(r))
}
