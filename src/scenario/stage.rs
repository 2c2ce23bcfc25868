//! A `[[stage]]` table: name, worker pool, input queue, service time, failures.

use crate::model::{self, FailKind, QueueCapacity, QueuePolicy, StageSpec, WorkMode};

use super::error::ScenarioError;
use super::fields::{Table, Value};
use super::service;

/// The largest worker pool a stage may have.
pub const MAX_WORKERS: i64 = model::MAX_WORKERS as i64;
/// The largest bounded queue a stage may have.
pub const MAX_QUEUE: i64 = model::MAX_QUEUE as i64;
/// The most attempts an item may get at one stage.
pub const MAX_ATTEMPTS: i64 = 100;

const KEYS: &[&str] = &[
    "name",
    "workers",
    "queue",
    "policy",
    "service",
    "mode",
    "fail_rate",
    "fail_kind",
    "max_attempts",
];
const POLICIES: &[&str] = &["block", "drop-newest", "drop-oldest"];
const MODES: &[&str] = &["sleep", "spin"];
const FAIL_KINDS: &[&str] = &["error", "panic"];

/// Parses one `[[stage]]`.
pub(crate) fn parse(t: &Table<'_, '_>) -> Result<StageSpec, ScenarioError> {
    t.reject_unknown(KEYS, None)?;
    let name_value = t.require(
        "name",
        "give every stage a unique name, e.g. `name = \"enrich\"`",
    )?;
    let name = name_value.name("give every stage a short unique name, e.g. `name = \"enrich\"`")?;
    let name = name.as_str();
    let service_help = "e.g. `service = { dist = \"exp\", mean = \"2ms\" }`";
    let service = service::parse(&t.require("service", service_help)?.table(service_help)?)?;
    let mut stage = StageSpec::new(name, service);
    if let Some(v) = t.get("workers") {
        v.int()?;
        stage.workers = v
            .int_in(1, MAX_WORKERS)
            .map_err(|e| {
                e.with_help(
                    "a stage starts with 1..=1024 workers; to stall it, add a timeline `workers` entry with count = 0",
                )
            })? as usize;
    }
    if let Some(v) = t.get("queue") {
        stage.queue = queue(&v)?;
    }
    if let Some(v) = t.get("policy") {
        stage.policy = policy(&v)?;
    }
    if let Some(v) = t.get("mode") {
        stage.mode = match v.word("mode", MODES)? {
            "spin" => WorkMode::Spin,
            _ => WorkMode::Sleep,
        };
    }
    if let Some(v) = t.get("fail_rate") {
        let p = v.number()?;
        if !(0.0..=1.0).contains(&p) {
            return Err(v
                .error(format!("must be a probability in 0..=1, got {p}"))
                .with_help("e.g. `fail_rate = 0.01` fails one attempt in a hundred"));
        }
        stage.fail_rate = p;
    }
    if let Some(v) = t.get("fail_kind") {
        stage.fail_kind = match v.word("fail_kind", FAIL_KINDS)? {
            "panic" => FailKind::Panic,
            _ => FailKind::Error,
        };
    }
    if let Some(v) = t.get("max_attempts") {
        stage.max_attempts = v.int_in(1, MAX_ATTEMPTS)? as u32;
    }
    Ok(stage)
}

/// A queue capacity: `1..=MAX_QUEUE` or "unbounded".
fn queue(v: &Value<'_, '_>) -> Result<QueueCapacity, ScenarioError> {
    if let Ok(word) = v.str() {
        return if word == "unbounded" {
            Ok(QueueCapacity::Unbounded)
        } else {
            Err(v
                .error(format!("must be a capacity or \"unbounded\", got {word:?}"))
                .with_help("write the capacity without quotes, e.g. `queue = 256`"))
        };
    }
    v.int()?;
    let n = v
        .int_in(1, MAX_QUEUE)
        .map_err(|e| e.with_help("a queue holds 1..=10000000 items, or use \"unbounded\""))?;
    Ok(QueueCapacity::Bounded(n as usize))
}

/// A queue policy word.
pub(crate) fn policy(v: &Value<'_, '_>) -> Result<QueuePolicy, ScenarioError> {
    let word = v.word("policy", POLICIES)?;
    Ok(QueuePolicy::parse(word).unwrap_or(QueuePolicy::Block))
}
