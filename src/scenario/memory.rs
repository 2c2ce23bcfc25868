//! The memory cap: a human size such as "512MiB" or "1GiB" past which the
//! run aborts (the process's RSS is what counts), the word "none" for no
//! cap at all, or, when nothing is said, the default (half the machine's
//! memory). The same words are read from a scenario's top-level
//! `memory_cap` and from `pipetop run --memory-cap`.

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

/// The word that turns the cap off.
pub const NO_CAP: &str = "none";

/// What a run's memory is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryCap {
    /// Nothing was said: half of the machine's physical memory.
    #[default]
    Default,
    /// Abort once the process's RSS passes this many bytes.
    Bytes(u64),
    /// No cap (`"none"`): the run may take what the machine gives.
    Off,
}

impl MemoryCap {
    /// The cap in bytes the run is held to, if any.
    pub fn bytes(self) -> Option<u64> {
        match self {
            Self::Default => crate::metrics::default_memory_cap(),
            Self::Bytes(bytes) => Some(bytes),
            Self::Off => None,
        }
    }
}

const UNITS: &[(&str, u64)] = &[("KiB", KIB), ("MiB", MIB), ("GiB", GIB)];
const EXAMPLE: &str = "write a size with a binary unit, e.g. \"256MiB\" or \"1GiB\" (units: KiB, MiB, GiB), or \"none\" for no cap";

/// Why a memory cap was not understood: what was wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapError {
    /// Reads as a predicate of the value ("is not a size: …").
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl std::fmt::Display for CapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.help)
    }
}

/// Reads a cap: a size within `MIN_MEMORY_CAP..=MAX_MEMORY_CAP`, or "none".
pub fn parse_memory_cap(text: &str) -> Result<MemoryCap, CapError> {
    let text = text.trim();
    let fail = |message: String, help: &str| CapError {
        message,
        help: help.to_owned(),
    };
    if text.eq_ignore_ascii_case(NO_CAP) {
        return Ok(MemoryCap::Off);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = (&text[..split], text[split..].trim());
    let not_a_size = || fail(format!("is not a size: {text:?}"), EXAMPLE);
    let n: f64 = number.replace('_', "").parse().map_err(|_| not_a_size())?;
    let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) else {
        let binary = match unit.to_ascii_uppercase().as_str() {
            "K" | "KB" => Some("KiB"),
            "M" | "MB" => Some("MiB"),
            "G" | "GB" => Some("GiB"),
            _ => None,
        };
        return Err(match binary {
            Some(b) => fail(
                format!("has the unit {unit:?}, which is ambiguous"),
                &format!("write `{number}{b}`: sizes use binary units (KiB, MiB, GiB)"),
            ),
            None if unit.is_empty() => fail(format!("has no unit: {text:?}"), EXAMPLE),
            None => not_a_size(),
        });
    };
    let bytes = n * scale as f64;
    if !(MIN_MEMORY_CAP as f64..=MAX_MEMORY_CAP as f64).contains(&bytes) {
        return Err(fail(
            format!("must be 16MiB..=16GiB or \"none\", got {text}"),
            "the cap is the process's resident memory at which the run aborts; \"none\" runs without one",
        ));
    }
    Ok(MemoryCap::Bytes(bytes.round() as u64))
}

/// Parses the scenario's `memory_cap`.
pub(crate) fn memory_cap(v: &Value<'_, '_>) -> Result<MemoryCap, ScenarioError> {
    let text = v
        .str()
        .map_err(|_| v.wrong_type("a size string").with_help(EXAMPLE))?;
    parse_memory_cap(text).map_err(|e| v.error(e.message).with_help(e.help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_turns_the_cap_off_and_sizes_read_in_binary_units() {
        assert_eq!(parse_memory_cap("none"), Ok(MemoryCap::Off));
        assert_eq!(parse_memory_cap(" None "), Ok(MemoryCap::Off));
        assert_eq!(MemoryCap::Off.bytes(), None);
        assert_eq!(parse_memory_cap("64MiB"), Ok(MemoryCap::Bytes(64 << 20)));
        assert_eq!(MemoryCap::Bytes(64 << 20).bytes(), Some(64 << 20));
        let e = parse_memory_cap("nope").unwrap_err();
        assert!(e.help.contains("\"none\""), "{e}");
    }
}
