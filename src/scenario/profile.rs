//! Rate profiles in the timeline: `step`, `ramp`, `sine` and `square`. Each
//! is expanded here into the plain `rate` changes that draw it, so the engine
//! only ever sees single commands.
//!
//! - `step`: `rate` (one change, the same as `do = "rate"`), or `rates` (a
//!   list) held `every` apart.
//! - `ramp`: from `from` to `to` over `over`, a step every `every`.
//! - `sine`: `mean + amplitude · sin(2π t / period)` for `over`, a step
//!   every `every`; it starts at the mean, rising.
//! - `square`: `high` for `duty · period`, then `low` for the rest of the
//!   period, for `over`; it ends at `low`. Only the edges are commands.

use std::time::Duration;

use toml::de::DeValue;

use crate::model::{MIN_RATE, Rate};

use super::error::ScenarioError;
use super::fields::{Table, Value};
use super::source::{self, MAX_RATE};

/// The most commands one timeline may hold, profiles expanded.
pub const MAX_COMMANDS: usize = 10_000;
/// The default spacing of a ramp's or a sine's steps.
pub const DEFAULT_EVERY: Duration = Duration::from_millis(250);
/// The finest spacing of steps, and the shortest phase of a square wave.
pub const MIN_EVERY: Duration = Duration::from_millis(10);
/// The lowest rate a profile sets, items per second (rates are rounded to
/// hundredths).
const MIN_PROFILE_RATE: f64 = 0.01;

/// The profile words and the keys each takes besides `at`, `do` and `note`.
pub(crate) const PROFILES: &[(&str, &[&str])] = &[
    ("step", &["rate", "rates", "every"]),
    ("ramp", &["from", "to", "over", "every"]),
    ("sine", &["mean", "amplitude", "period", "over", "every"]),
    ("square", &["low", "high", "period", "duty", "over"]),
];

/// A profile's rate changes: (time since the start, items per second).
pub(crate) type Steps = Vec<(Duration, Rate)>;

/// Points of a profile before rounding: (time, items per second).
type Points = Vec<(Duration, f64)>;

/// Expands the profile `what` of entry `t`, starting at `at`. `used` is how
/// many commands the timeline already holds; `takes` is the help listing the
/// profile's keys.
pub(crate) fn expand(
    what: &str,
    t: &Table<'_, '_>,
    at: Duration,
    used: usize,
    takes: &str,
) -> Result<Steps, ScenarioError> {
    let need = |key: &str| t.require(key, takes);
    let every = |default: Duration| match t.get("every") {
        Some(v) => spacing(&v, "every"),
        None => Ok(default),
    };
    match what {
        "step" => step(t, at, used, takes),
        "ramp" => {
            let from = rate(&need("from")?)?;
            let to = rate(&need("to")?)?;
            let over_v = need("over")?;
            let over = positive(&over_v)?;
            let every = every(DEFAULT_EVERY)?;
            let n = steps_in(over, every);
            budget(&over_v, used, n + 1, "every")?;
            let mut steps: Points = (0..n)
                .map(|k| {
                    let dt = every * k as u32;
                    let x = dt.as_secs_f64() / over.as_secs_f64();
                    (at + dt, from + (to - from) * x)
                })
                .collect();
            steps.push((at + over, to));
            Ok(rounded(steps))
        }
        "sine" => {
            let mean_v = need("mean")?;
            let mean = rate(&mean_v)?;
            let amp_v = need("amplitude")?;
            let amplitude = amp_v.number()?;
            if amplitude < 0.0 || amplitude >= mean {
                return Err(amp_v
                    .error(format!(
                        "must be 0 or more and less than `mean` ({mean}), got {amplitude}"
                    ))
                    .with_help("the rate swings from mean - amplitude to mean + amplitude, and must stay above 0"));
            }
            if mean + amplitude > MAX_RATE {
                return Err(amp_v
                    .error(format!(
                        "takes the rate past {MAX_RATE}/s (mean + amplitude = {})",
                        mean + amplitude
                    ))
                    .with_help("lower `mean` or `amplitude`"));
            }
            let period_v = need("period")?;
            let period = spacing(&period_v, "period")?;
            let over_v = need("over")?;
            let over = positive(&over_v)?;
            // At least 16 steps a period, 250 ms apart at most.
            let default = (period / 16).clamp(MIN_EVERY, DEFAULT_EVERY);
            let every = every(default)?;
            if every * 4 > period
                && let Some(v) = t.get("every")
            {
                return Err(v
                    .error(format!(
                        "is too coarse for a period of {}: at most a quarter of it",
                        humantime::format_duration(period)
                    ))
                    .with_help(
                        "leave `every` out to get 16 steps a period, 250 ms apart at most",
                    ));
            }
            let n = steps_in(over, every);
            budget(&over_v, used, n + 1, "every")?;
            let wave = |dt: Duration| {
                let phase = dt.as_secs_f64() / period.as_secs_f64();
                mean + amplitude * (std::f64::consts::TAU * phase).sin()
            };
            let mut steps: Points = (0..n)
                .map(|k| {
                    let dt = every * k as u32;
                    (at + dt, wave(dt))
                })
                .collect();
            steps.push((at + over, wave(over)));
            Ok(rounded(steps))
        }
        _ => square(t, at, used, takes),
    }
}

/// `step`: one `rate`, or `rates` held `every` apart.
fn step(t: &Table<'_, '_>, at: Duration, used: usize, takes: &str) -> Result<Steps, ScenarioError> {
    let example =
        "e.g. `rate = 1600` for one step, or `rates = [800, 1600, 400]` with `every = \"10s\"`";
    match (t.get("rate"), t.get("rates")) {
        (Some(v), None) => {
            if let Some(every) = t.get("every") {
                return Err(every
                    .error("needs `rates`, a list of steps")
                    .with_help(example));
            }
            Ok(vec![(at, source::rate(&v)?)])
        }
        (None, Some(v)) => {
            let DeValue::Array(items) = v.value else {
                return Err(v.wrong_type("a list of rates").with_help(example));
            };
            if items.is_empty() {
                return Err(v.error("must list at least one rate").with_help(example));
            }
            budget(&v, used, items.len(), "rates")?;
            let every = spacing(&t.require("every", example)?, "every")?;
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let r = rate(&Value {
                        doc: v.doc,
                        value: item.get_ref(),
                        span: item.span(),
                        field: format!("{}[{i}]", v.field),
                    })?;
                    Ok((at + every * i as u32, Rate::PerSecond(r)))
                })
                .collect()
        }
        (Some(_), Some(v)) => Err(v
            .error("cannot be given with `rate`")
            .with_help(format!("give one or the other: {example}"))),
        (None, None) => Err(t
            .doc
            .error(&t.span, "is missing")
            .with_field(t.field("rate"))
            .with_help(format!("{takes}; {example}"))),
    }
}

/// `square`: `high` then `low` each period; only the edges are commands.
fn square(
    t: &Table<'_, '_>,
    at: Duration,
    used: usize,
    takes: &str,
) -> Result<Steps, ScenarioError> {
    let need = |key: &str| t.require(key, takes);
    let low = rate(&need("low")?)?;
    let high_v = need("high")?;
    let high = rate(&high_v)?;
    if high <= low {
        return Err(high_v
            .error(format!("must be greater than `low` ({low}), got {high}"))
            .with_help("`high` is the rate during a burst, `low` the rate between bursts"));
    }
    let period_v = need("period")?;
    let period = spacing(&period_v, "period")?;
    let duty = match t.get("duty") {
        Some(v) => {
            let d = v.number()?;
            if !(d > 0.0 && d < 1.0) {
                return Err(v
                    .error(format!("must be between 0 and 1 (exclusive), got {d}"))
                    .with_help("`duty` is the fraction of each period spent at `high`, e.g. 0.2"));
            }
            d
        }
        None => 0.5,
    };
    let high_for = period.mul_f64(duty);
    if high_for < MIN_EVERY || period - high_for < MIN_EVERY {
        return Err(period_v
            .error(format!(
                "leaves a phase shorter than {} at duty {duty}",
                humantime::format_duration(MIN_EVERY)
            ))
            .with_help("lengthen `period`, or bring `duty` nearer 0.5"));
    }
    let over_v = need("over")?;
    let over = positive(&over_v)?;
    let periods = over.as_secs_f64() / period.as_secs_f64();
    if 2.0 * periods.ceil() + 1.0 > (MAX_COMMANDS - used.min(MAX_COMMANDS)) as f64 {
        return Err(too_many(&over_v, "period"));
    }
    let mut steps = Points::new();
    let mut start = Duration::ZERO;
    while start < over {
        steps.push((at + start, high));
        let fall = start + high_for;
        if fall >= over {
            break;
        }
        steps.push((at + fall, low));
        start += period;
    }
    if steps.last().is_some_and(|&(_, r)| r == high) {
        steps.push((at + over, low));
    }
    Ok(rounded(steps))
}

/// How many steps `every` apart fit before `over` (at least one).
fn steps_in(over: Duration, every: Duration) -> usize {
    let n = (over.as_secs_f64() / every.as_secs_f64()).ceil();
    if n > MAX_COMMANDS as f64 {
        MAX_COMMANDS + 1
    } else {
        (n as usize).max(1)
    }
}

/// Fails when `adding` commands would take the timeline past [`MAX_COMMANDS`].
fn budget(v: &Value<'_, '_>, used: usize, adding: usize, knob: &str) -> Result<(), ScenarioError> {
    if used + adding > MAX_COMMANDS {
        Err(too_many(v, knob))
    } else {
        Ok(())
    }
}

fn too_many(v: &Value<'_, '_>, knob: &str) -> ScenarioError {
    v.error(format!(
        "makes the timeline longer than {MAX_COMMANDS} commands"
    ))
    .with_help(format!(
        "shorten `over` or lengthen `{knob}`: a profile becomes one rate change per step"
    ))
}

/// A profile rate: a number of items per second in `(0, MAX_RATE]`.
fn rate(v: &Value<'_, '_>) -> Result<f64, ScenarioError> {
    let r = v.number().map_err(|e| {
        if v.str().is_ok_and(|s| s == "max") {
            v.error("cannot be \"max\" in a profile").with_help(
                "profiles draw with numbers; use `do = \"rate\"` with `rate = \"max\"` to saturate",
            )
        } else {
            e.with_help("write items per second as a number, e.g. 800")
        }
    })?;
    if r <= 0.0 {
        return Err(v
            .error(format!("must be greater than 0, got {r}"))
            .with_help("to stop arrivals use a timeline `pause`"));
    }
    if r > MAX_RATE {
        return Err(v.error(format!("must be at most {MAX_RATE}/s, got {r}")));
    }
    if r < MIN_RATE {
        return Err(v
            .error(format!("must be at least {MIN_RATE}/s, got {r:e}"))
            .with_help("to stop arrivals use a timeline `pause`"));
    }
    Ok(r)
}

/// A duration greater than 0 (`over`).
fn positive(v: &Value<'_, '_>) -> Result<Duration, ScenarioError> {
    let d = v.duration()?;
    if d.is_zero() {
        return Err(v
            .error("must be greater than 0")
            .with_help("`over` is how long the profile lasts, e.g. \"30s\""));
    }
    Ok(d)
}

/// A step spacing or period: at least [`MIN_EVERY`].
fn spacing(v: &Value<'_, '_>, what: &str) -> Result<Duration, ScenarioError> {
    let d = v.duration()?;
    if d < MIN_EVERY {
        return Err(v
            .error(format!(
                "must be at least {}, got {}",
                humantime::format_duration(MIN_EVERY),
                humantime::format_duration(d)
            ))
            .with_help(format!(
                "`{what}` is a duration such as \"250ms\" or \"1m\""
            )));
    }
    Ok(d)
}

/// Rates rounded to hundredths (readable events), never below the minimum.
fn rounded(points: Points) -> Steps {
    points
        .into_iter()
        .map(|(t, r)| {
            let r = ((r * 100.0).round() / 100.0).max(MIN_PROFILE_RATE);
            (t, Rate::PerSecond(r))
        })
        .collect()
}
