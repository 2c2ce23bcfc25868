//! The top-level `memory_cap`: a human size such as "512MiB" or "1GiB" past
//! which the run aborts (the process's RSS is what counts).

use super::error::ScenarioError;
use super::fields::Value;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The smallest cap a scenario may declare: below it the process's own
/// footprint would trip it.
pub const MIN_MEMORY_CAP: u64 = 16 * MIB;
/// The largest cap a scenario may declare.
pub const MAX_MEMORY_CAP: u64 = 16 * GIB;

const UNITS: &[(&str, u64)] = &[("KiB", KIB), ("MiB", MIB), ("GiB", GIB)];
const EXAMPLE: &str =
    "write a size with a binary unit, e.g. \"256MiB\" or \"1GiB\" (units: KiB, MiB, GiB)";

/// Parses `memory_cap` into bytes, within `MIN_MEMORY_CAP..=MAX_MEMORY_CAP`.
pub(crate) fn memory_cap(v: &Value<'_, '_>) -> Result<u64, ScenarioError> {
    let text = v
        .str()
        .map_err(|_| v.wrong_type("a size string").with_help(EXAMPLE))?
        .trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = (&text[..split], text[split..].trim());
    let not_a_size = || {
        v.error(format!("is not a size: {text:?}"))
            .with_help(EXAMPLE)
    };
    let n: f64 = number.replace('_', "").parse().map_err(|_| not_a_size())?;
    let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) else {
        let binary = match unit.to_ascii_uppercase().as_str() {
            "K" | "KB" => Some("KiB"),
            "M" | "MB" => Some("MiB"),
            "G" | "GB" => Some("GiB"),
            _ => None,
        };
        return Err(match binary {
            Some(b) => v
                .error(format!("has the unit {unit:?}, which is ambiguous"))
                .with_help(format!(
                    "write `{number}{b}`: sizes use binary units (KiB, MiB, GiB)"
                )),
            None if unit.is_empty() => v.error(format!("has no unit: {text:?}")).with_help(EXAMPLE),
            None => not_a_size(),
        });
    };
    let bytes = n * scale as f64;
    if !(MIN_MEMORY_CAP as f64..=MAX_MEMORY_CAP as f64).contains(&bytes) {
        return Err(v
            .error(format!("must be 16MiB..=16GiB, got {text}"))
            .with_help("the cap is the process's resident memory at which the run aborts"));
    }
    Ok(bytes.round() as u64)
}
