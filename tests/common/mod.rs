//! Shared by the scenario error tests: a valid scenario to break, and an
//! assertion on where an error points and what it says.

#![allow(dead_code)]

use pipetop::scenario::{self, ScenarioError};

/// A valid scenario; each test breaks one thing in it.
pub const GOOD: &str = r#"name = "t"
duration = "30s"

[source]
rate = 800

[[stage]]
name = "ingest"
workers = 2
service = { dist = "exp", mean = "1ms" }

[[stage]]
name = "enrich"
workers = 4
policy = "block"
service = { dist = "normal", mean = "4ms", stddev = "1ms" }

[[timeline]]
at = "10s"
do = "workers"
stage = "enrich"
count = 8
"#;

/// Parses `GOOD` with `from` replaced by `to` (which must occur exactly once).
pub fn break_good(from: &str, to: &str) -> ScenarioError {
    assert_eq!(GOOD.matches(from).count(), 1, "{from:?} must occur once");
    let text = GOOD.replacen(from, to, 1);
    scenario::parse(&text, "demos/t.toml").expect_err("the broken scenario must be rejected")
}

/// Asserts the error starts with `demos/t.toml:LINE:COL: `field`` and that
/// it contains `says`.
pub fn assert_error(e: &ScenarioError, line: usize, col: usize, field: &str, says: &str) {
    let text = e.to_string();
    let head = format!("demos/t.toml:{line}:{col}: `{field}` ");
    assert!(
        text.starts_with(&head),
        "expected {head:?} at the start of:\n{text}"
    );
    assert!(text.contains(says), "expected {says:?} in:\n{text}");
}
