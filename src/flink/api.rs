//! The parts of Flink's REST answers pipetop reads, as Flink names them.
//! Unknown fields are ignored; a field Flink leaves out gets its default.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer};

/// `GET /jobs/overview`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobsOverview {
    /// Every job the cluster knows, finished ones included.
    pub jobs: Vec<JobSummary>,
}

/// One job in the overview.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSummary {
    /// The job id.
    pub jid: String,
    /// The job's name.
    pub name: String,
    /// RUNNING, RESTARTING, FINISHED, …
    pub state: String,
}

/// `GET /jobs/:id`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobDetails {
    /// The job's name.
    pub name: String,
    /// RUNNING, RESTARTING, FINISHED, …
    pub state: String,
    /// The job vertices, sources first.
    pub vertices: Vec<JobVertex>,
    /// The job graph (which vertex reads which).
    #[serde(default)]
    pub plan: Plan,
}

/// One job vertex: a chain of operators that runs as one task.
#[derive(Debug, Clone, Deserialize)]
pub struct JobVertex {
    /// The vertex id.
    pub id: String,
    /// Its operators' names, joined by ` -> `.
    pub name: String,
    /// Subtasks running now.
    pub parallelism: usize,
}

/// The job graph.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Plan {
    /// One node per vertex.
    #[serde(default)]
    pub nodes: Vec<PlanNode>,
}

/// A vertex in the job graph and what it reads.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanNode {
    /// The vertex id.
    pub id: String,
    /// The vertices it reads from.
    #[serde(default)]
    pub inputs: Vec<PlanInput>,
}

/// An edge of the job graph.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanInput {
    /// The upstream vertex.
    pub id: String,
}

/// One metric's name, from `GET …/subtasks/metrics` with no `get`.
#[derive(Debug, Clone, Deserialize)]
pub struct MetricName {
    /// The metric's name.
    pub id: String,
}

/// One aggregated metric, from `GET …/subtasks/metrics?get=…&agg=avg,sum`.
#[derive(Debug, Clone, Deserialize)]
pub struct AggregatedMetric {
    /// The metric's name.
    pub id: String,
    /// Mean over the subtasks.
    #[serde(default, deserialize_with = "number")]
    pub avg: Option<f64>,
    /// Sum over the subtasks.
    #[serde(default, deserialize_with = "number")]
    pub sum: Option<f64>,
}

/// `GET /jobs/:id/vertices/:vid/backpressure`.
#[derive(Debug, Clone, Deserialize)]
pub struct BackpressureInfo {
    /// `ok`, or `deprecated` when there is no sample yet.
    #[serde(default)]
    pub status: String,
    /// `ok`, `low` or `high`.
    #[serde(rename = "backpressureLevel", default)]
    pub level: Option<String>,
    /// The same, as older versions spell it.
    #[serde(rename = "backpressure-level", default)]
    pub level_dashed: Option<String>,
}

impl BackpressureInfo {
    /// The level, whichever way it is spelled; `None` without a sample.
    pub fn level(&self) -> Option<&str> {
        if self.status == "deprecated" {
            return None;
        }
        self.level.as_deref().or(self.level_dashed.as_deref())
    }
}

/// `GET /jobs/:id/checkpoints`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Checkpoints {
    /// How many completed, failed, are in progress.
    #[serde(default)]
    pub counts: CheckpointCounts,
    /// The latest of each kind.
    #[serde(default)]
    pub latest: LatestCheckpoints,
}

/// Checkpoint counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct CheckpointCounts {
    /// Completed checkpoints.
    #[serde(default)]
    pub completed: u64,
    /// Failed checkpoints.
    #[serde(default)]
    pub failed: u64,
    /// Checkpoints under way.
    #[serde(default)]
    pub in_progress: u64,
}

/// The latest checkpoints.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct LatestCheckpoints {
    /// The latest completed one.
    #[serde(default)]
    pub completed: Option<CheckpointDetails>,
    /// The latest failed one.
    #[serde(default)]
    pub failed: Option<CheckpointDetails>,
}

/// One checkpoint's statistics (completed and failed ones share the shape).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CheckpointDetails {
    /// Its id, counting from 1.
    pub id: u64,
    /// From trigger to the last acknowledgement, ms.
    #[serde(default)]
    pub end_to_end_duration: u64,
    /// The full state size, bytes.
    #[serde(default)]
    pub state_size: u64,
    /// What this checkpoint wrote, bytes.
    #[serde(default)]
    pub checkpointed_size: u64,
    /// The last acknowledgement, ms since the epoch.
    #[serde(default)]
    pub latest_ack_timestamp: u64,
    /// When it was triggered, ms since the epoch.
    #[serde(default)]
    pub trigger_timestamp: u64,
    /// A failed one's time of failure, ms since the epoch.
    #[serde(default)]
    pub failure_timestamp: Option<u64>,
    /// A failed one's reason.
    #[serde(default)]
    pub failure_message: Option<String>,
}

/// One subtask's input watermark from `GET /jobs/:id/vertices/:vid/watermarks`:
/// `id` is `SUBTASK.currentInputWatermark`, `value` the watermark in ms as a
/// string (`Long.MIN_VALUE` when none has arrived).
#[derive(Debug, Clone, Deserialize)]
pub struct SubtaskWatermark {
    /// `SUBTASK.currentInputWatermark`.
    pub id: String,
    /// The watermark, ms since the epoch, as text.
    pub value: String,
}

/// The vertex's watermark: the lowest over its subtasks, `None` when a
/// subtask has none yet (or the vertex has no input: a source).
pub fn vertex_watermark(subtasks: &[SubtaskWatermark]) -> Option<i64> {
    let values: Vec<Option<i64>> = subtasks
        .iter()
        .filter(|w| w.id.ends_with("currentInputWatermark"))
        .map(|w| w.value.trim().parse::<i64>().ok())
        .collect();
    // Before the first watermark a subtask reports Long.MIN_VALUE.
    let lowest = values
        .iter()
        .map(|v| v.filter(|&ms| ms > 0))
        .collect::<Option<Vec<i64>>>()?
        .into_iter()
        .min()?;
    Some(lowest)
}

/// `GET /jobs/:id/resource-requirements`: each vertex's parallelism bounds.
pub type ResourceRequirements = HashMap<String, VertexRequirement>;

/// One vertex's requirement.
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize)]
pub struct VertexRequirement {
    /// Its parallelism bounds.
    pub parallelism: Bounds,
}

/// Parallelism bounds, as the adaptive scheduler takes them.
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize)]
pub struct Bounds {
    /// The least it runs with.
    #[serde(rename = "lowerBound")]
    pub lower: usize,
    /// The most it runs with.
    #[serde(rename = "upperBound")]
    pub upper: usize,
}

/// `GET /jobs/:id/exceptions`: the job's failures, newest first.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Exceptions {
    /// The failure history.
    #[serde(rename = "exceptionHistory", default)]
    pub history: ExceptionHistory,
}

/// The failure history.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExceptionHistory {
    /// Newest first.
    #[serde(default)]
    pub entries: Vec<ExceptionEntry>,
}

/// One failure.
#[derive(Debug, Clone, Deserialize)]
pub struct ExceptionEntry {
    /// The exception's class.
    #[serde(rename = "exceptionName", default)]
    pub name: String,
    /// Its stack trace; the first line is the class and the message.
    #[serde(default)]
    pub stacktrace: String,
    /// When it happened, in ms since the epoch.
    #[serde(default)]
    pub timestamp: u64,
}

impl ExceptionEntry {
    /// The class and the message: the stack trace's first line, or the name.
    pub fn headline(&self) -> &str {
        self.stacktrace
            .lines()
            .next()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or(&self.name)
    }
}

/// A metric value comes as a number, or as a string ("NaN", "12.5").
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Number(f64),
        Text(String),
    }
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => Some(n),
        Some(Value::Text(t)) => t.parse().ok(),
        None => None,
    }
    .filter(|n: &f64| n.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_values_parse_from_numbers_and_strings_and_nan_is_absent() {
        let json = r#"[{"id":"a","avg":1.5,"sum":"3"},{"id":"b","avg":"NaN"},{"id":"c"}]"#;
        let metrics: Vec<AggregatedMetric> = serde_json::from_str(json).unwrap();
        assert_eq!(metrics[0].avg, Some(1.5));
        assert_eq!(metrics[0].sum, Some(3.0));
        assert_eq!(metrics[1].avg, None);
        assert_eq!(metrics[2].sum, None);
    }

    #[test]
    fn a_vertex_watermark_is_its_lowest_subtasks_and_none_before_every_one_has_one() {
        let read = |json: &str| {
            vertex_watermark(&serde_json::from_str::<Vec<SubtaskWatermark>>(json).unwrap())
        };
        let two = r#"[{"id":"0.currentInputWatermark","value":"1796429245399"},
                      {"id":"1.currentInputWatermark","value":"1796429242810"}]"#;
        assert_eq!(read(two), Some(1_796_429_242_810));
        let one_without = r#"[{"id":"0.currentInputWatermark","value":"1796429245399"},
                      {"id":"1.currentInputWatermark","value":"-9223372036854775808"}]"#;
        assert_eq!(read(one_without), None);
        assert_eq!(read("[]"), None, "a source has no input watermark");
    }

    #[test]
    fn a_job_takes_checkpoints_only_with_a_finite_interval() {
        use crate::flink::poll::takes_checkpoints;
        let config = |json: &str| serde_json::from_str::<serde_json::Value>(json).unwrap();
        assert!(takes_checkpoints(&config(
            r#"{"mode":"exactly_once","interval":5000}"#
        )));
        // What Flink 2.3 answers for a job without checkpoints.
        let off = r#"{"mode":"at_least_once","interval":9223372036854775807}"#;
        assert!(!takes_checkpoints(&config(off)));
        assert!(!takes_checkpoints(&config("{}")));
    }

    #[test]
    fn checkpoint_statistics_read_the_latest_completed_and_failed() {
        let json = r#"{"counts":{"restored":0,"total":5,"in_progress":1,"completed":3,"failed":1},
            "latest":{"completed":{"className":"completed","id":4,"end_to_end_duration":4802,
            "state_size":2048,"checkpointed_size":512,"latest_ack_timestamp":1796429243787,
            "trigger_timestamp":1796429238985},"savepoint":null,
            "failed":{"className":"failed","id":3,"failure_timestamp":1796429233000,
            "failure_message":"Checkpoint expired before completing."},"restored":null}}"#;
        let c: Checkpoints = serde_json::from_str(json).unwrap();
        assert_eq!(
            (c.counts.completed, c.counts.failed, c.counts.in_progress),
            (3, 1, 1)
        );
        let done = c.latest.completed.unwrap();
        assert_eq!(
            (done.id, done.end_to_end_duration, done.state_size),
            (4, 4802, 2048)
        );
        let failed = c.latest.failed.unwrap();
        assert_eq!(
            failed.failure_message.as_deref(),
            Some("Checkpoint expired before completing.")
        );
        let none: Checkpoints =
            serde_json::from_str(r#"{"counts":{},"latest":{"completed":null}}"#).unwrap();
        assert!(none.latest.completed.is_none() && none.latest.failed.is_none());
    }

    #[test]
    fn the_backpressure_level_reads_either_spelling() {
        let both = r#"{"status":"ok","backpressureLevel":"high","backpressure-level":"high"}"#;
        let a: BackpressureInfo = serde_json::from_str(both).unwrap();
        let b: BackpressureInfo =
            serde_json::from_str(r#"{"status":"ok","backpressure-level":"low"}"#).unwrap();
        let none: BackpressureInfo = serde_json::from_str(r#"{"status":"deprecated"}"#).unwrap();
        assert_eq!(a.level(), Some("high"));
        assert_eq!(b.level(), Some("low"));
        assert_eq!(none.level(), None);
    }
}
