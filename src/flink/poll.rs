//! One look at a running job: its state, its vertices with their metrics
//! and backpressure, its checkpoints. The metric names a vertex has are
//! listed first and only those are asked for: Flink's aggregated
//! `subtasks/metrics` answers nothing at all when one name is unknown.
//! A vertex's watermark comes from `…/vertices/:vid/watermarks` (the
//! lowest `currentInputWatermark` of its subtasks); the checkpoints from
//! `/jobs/:id/checkpoints`, when `…/checkpoints/config` says they are on.

use std::collections::HashMap;

use super::FlinkError;
use super::api::{
    AggregatedMetric, BackpressureInfo, Checkpoints, JobDetails, JobSummary, JobsOverview,
    MetricName, SubtaskWatermark, vertex_watermark,
};
use super::rest::Rest;

/// The metrics pipetop reads from each vertex, where it has them.
pub const WANTED: [&str; 9] = [
    BUSY,
    IDLE,
    BACKPRESSURED,
    IN_RATE,
    OUT_RATE,
    IN_COUNT,
    OUT_COUNT,
    IN_POOL,
    OUT_POOL,
];
/// Milliseconds per second a subtask is busy.
pub const BUSY: &str = "busyTimeMsPerSecond";
/// Milliseconds per second a subtask waits for input.
pub const IDLE: &str = "idleTimeMsPerSecond";
/// Milliseconds per second a subtask is blocked on full output buffers.
pub const BACKPRESSURED: &str = "backPressuredTimeMsPerSecond";
/// Records in per second.
pub const IN_RATE: &str = "numRecordsInPerSecond";
/// Records out per second.
pub const OUT_RATE: &str = "numRecordsOutPerSecond";
/// Records in since the task started.
pub const IN_COUNT: &str = "numRecordsIn";
/// Records out since the task started.
pub const OUT_COUNT: &str = "numRecordsOut";
/// Input buffer pool usage, 0..=1 (remote channels).
pub const IN_POOL: &str = "Shuffle.Netty.Input.Buffers.inPoolUsage";
/// Output buffer pool usage, 0..=1.
pub const OUT_POOL: &str = "Shuffle.Netty.Output.Buffers.outPoolUsage";

/// A Flink job's state, as its REST API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Being set up, not yet running.
    Starting,
    /// Running.
    Running,
    /// Failing or restarting after a failure or a rescale.
    Restarting,
    /// Being cancelled.
    Cancelling,
    /// Ended: every source ran out.
    Finished,
    /// Ended: failed for good.
    Failed,
    /// Ended: cancelled.
    Canceled,
    /// Ended: suspended (the JobManager lost leadership).
    Suspended,
}

impl JobState {
    /// The state for Flink's word.
    pub fn parse(word: &str) -> Self {
        match word {
            "RUNNING" => Self::Running,
            "RESTARTING" | "FAILING" => Self::Restarting,
            "CANCELLING" => Self::Cancelling,
            "FINISHED" => Self::Finished,
            "FAILED" => Self::Failed,
            "CANCELED" => Self::Canceled,
            "SUSPENDED" => Self::Suspended,
            // INITIALIZING, CREATED, RECONCILING and anything newer.
            _ => Self::Starting,
        }
    }

    /// True once the job will not run again.
    pub fn is_final(self) -> bool {
        match self {
            Self::Finished | Self::Failed | Self::Canceled | Self::Suspended => true,
            Self::Starting | Self::Running | Self::Restarting | Self::Cancelling => false,
        }
    }
}

/// Aggregated values of one metric over a vertex's subtasks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Aggregate {
    /// Mean over the subtasks.
    pub avg: Option<f64>,
    /// Sum over the subtasks.
    pub sum: Option<f64>,
}

/// One vertex at one look.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VertexSample {
    /// The vertex id.
    pub id: String,
    /// Its operators' names, joined by ` -> `.
    pub name: String,
    /// Subtasks running now.
    pub parallelism: usize,
    /// Indices (in the job's vertex list) of the vertices it reads.
    pub inputs: Vec<usize>,
    /// The metrics it had, by name; empty when Flink had none yet.
    pub metrics: HashMap<String, Aggregate>,
    /// `ok`, `low` or `high` from the backpressure endpoint; `None` with no sample yet.
    pub backpressure: Option<String>,
    /// The lowest input watermark of its subtasks, ms since the epoch;
    /// `None` when the job has no watermarks (or not yet, or a source).
    pub watermark: Option<i64>,
}

impl VertexSample {
    /// The mean of a metric over the subtasks.
    pub fn avg(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).and_then(|a| a.avg)
    }

    /// The sum of a metric over the subtasks.
    pub fn sum(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).and_then(|a| a.sum)
    }
}

/// The whole job at one look.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSample {
    /// The job's name.
    pub name: String,
    /// Its state.
    pub state: JobState,
    /// Its vertices, sources first.
    pub vertices: Vec<VertexSample>,
    /// The checkpoint statistics; `None` when the job takes no checkpoints.
    pub checkpoints: Option<Checkpoints>,
    /// The wall clock at the look, ms since the epoch (watermark lag and
    /// checkpoint ages are measured from it).
    pub looked_at_ms: u64,
}

impl JobSample {
    /// The latest completed checkpoint's id, if any.
    pub fn checkpoint(&self) -> Option<u64> {
        self.checkpoints
            .as_ref()?
            .latest
            .completed
            .as_ref()
            .map(|c| c.id)
    }
}

/// Looks at one job again and again, remembering each vertex's metric names.
pub struct Poller {
    rest: Rest,
    jid: String,
    names: HashMap<String, Vec<&'static str>>,
    /// Whether the job takes checkpoints, once known.
    checkpointing: Option<bool>,
}

impl Poller {
    /// A poller for job `jid`.
    pub fn new(rest: Rest, jid: String) -> Self {
        Self {
            rest,
            jid,
            names: HashMap::new(),
            checkpointing: None,
        }
    }

    /// The REST client.
    pub fn rest(&self) -> &Rest {
        &self.rest
    }

    /// The job's id.
    pub fn jid(&self) -> &str {
        &self.jid
    }

    /// Looks at the job now. Vertex metrics are read only while it runs.
    pub fn sample(&mut self) -> Result<JobSample, FlinkError> {
        let mut details: JobDetails = self.rest.get(&format!("/jobs/{}", self.jid))?;
        details.vertices = topological(&details);
        let state = JobState::parse(&details.state);
        let index: HashMap<&str, usize> = details
            .vertices
            .iter()
            .enumerate()
            .map(|(i, v)| (v.id.as_str(), i))
            .collect();
        let mut vertices = Vec::with_capacity(details.vertices.len());
        for vertex in &details.vertices {
            let inputs: Vec<usize> = details
                .plan
                .nodes
                .iter()
                .find(|n| n.id == vertex.id)
                .map(|n| {
                    n.inputs
                        .iter()
                        .filter_map(|i| index.get(i.id.as_str()).copied())
                        .collect()
                })
                .unwrap_or_default();
            let (metrics, backpressure, watermark) = if state == JobState::Running {
                let watermark = if inputs.is_empty() {
                    None
                } else {
                    self.watermark(&vertex.id)
                };
                (
                    self.metrics(&vertex.id)?,
                    self.backpressure(&vertex.id)?,
                    watermark,
                )
            } else {
                (HashMap::new(), None, None)
            };
            vertices.push(VertexSample {
                id: vertex.id.clone(),
                name: vertex.name.clone(),
                parallelism: vertex.parallelism,
                inputs,
                metrics,
                backpressure,
                watermark,
            });
        }
        let checkpoints = self.checkpoints();
        Ok(JobSample {
            name: details.name,
            state,
            vertices,
            checkpoints,
            looked_at_ms: now_ms(),
        })
    }

    /// The checkpoint statistics, if the job takes checkpoints (asked once:
    /// Flink 2.3's `…/checkpoints/config` gives a job without checkpoints
    /// the interval `Long.MAX_VALUE`; older versions answer an error).
    fn checkpoints(&mut self) -> Option<Checkpoints> {
        let path = format!("/jobs/{}/checkpoints", self.jid);
        if self.checkpointing.is_none() {
            let config = self
                .rest
                .get::<serde_json::Value>(&format!("{path}/config"));
            match config {
                Ok(config) => self.checkpointing = Some(takes_checkpoints(&config)),
                Err(super::FlinkError::Status { .. }) => self.checkpointing = Some(false),
                // Not answered: ask again at the next look.
                Err(_) => return None,
            }
        }
        if self.checkpointing != Some(true) {
            return None;
        }
        self.rest.get::<Checkpoints>(&path).ok()
    }

    /// The vertex's input watermark; `None` without one (or without an answer).
    fn watermark(&self, vid: &str) -> Option<i64> {
        let subtasks: Vec<SubtaskWatermark> = self
            .rest
            .get(&format!("/jobs/{}/vertices/{vid}/watermarks", self.jid))
            .ok()?;
        vertex_watermark(&subtasks)
    }

    fn metrics(&mut self, vid: &str) -> Result<HashMap<String, Aggregate>, FlinkError> {
        let base = format!("/jobs/{}/vertices/{vid}/subtasks/metrics", self.jid);
        let names = match self.names.get(vid) {
            Some(names) => names.clone(),
            None => {
                let listed: Vec<MetricName> = self.rest.get(&base)?;
                let names: Vec<&'static str> = WANTED
                    .into_iter()
                    .filter(|w| listed.iter().any(|m| m.id == *w))
                    .collect();
                if names.is_empty() {
                    // Not registered yet (the tasks are starting): list again next time.
                    return Ok(HashMap::new());
                }
                self.names.insert(vid.to_string(), names.clone());
                names
            }
        };
        let answer: Vec<AggregatedMetric> = self
            .rest
            .get(&format!("{base}?get={}&agg=avg,sum", names.join(",")))?;
        if answer.is_empty() {
            // A name went away (a restart re-registers them): list again next time.
            self.names.remove(vid);
        }
        Ok(answer
            .into_iter()
            .map(|m| {
                (
                    m.id,
                    Aggregate {
                        avg: m.avg,
                        sum: m.sum,
                    },
                )
            })
            .collect())
    }

    fn backpressure(&self, vid: &str) -> Result<Option<String>, FlinkError> {
        let info: BackpressureInfo = self
            .rest
            .get(&format!("/jobs/{}/vertices/{vid}/backpressure", self.jid))?;
        Ok(info.level().map(str::to_ascii_lowercase))
    }
}

/// Whether a job's checkpoint configuration has checkpoints on: an
/// interval, and not the `Long.MAX_VALUE` that means "never".
pub fn takes_checkpoints(config: &serde_json::Value) -> bool {
    config["interval"]
        .as_i64()
        .is_some_and(|ms| ms > 0 && ms < i64::MAX)
}

/// The wall clock, ms since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The vertices with every one after those it reads (Flink lists them in
/// no promised order), keeping Flink's order among equals.
fn topological(details: &JobDetails) -> Vec<super::api::JobVertex> {
    let inputs = |id: &str| -> Vec<String> {
        details
            .plan
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.inputs.iter().map(|i| i.id.clone()).collect())
            .unwrap_or_default()
    };
    let mut placed: Vec<super::api::JobVertex> = Vec::with_capacity(details.vertices.len());
    let mut left: Vec<&super::api::JobVertex> = details.vertices.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|v| {
            inputs(&v.id)
                .iter()
                .all(|i| placed.iter().any(|p| &p.id == i) || !left.iter().any(|l| &l.id == i))
        });
        // A cycle (iterations) has no first vertex: take Flink's next.
        let next = left.remove(ready.unwrap_or(0));
        placed.push(next.clone());
    }
    placed
}

/// The jobs on the cluster that have not ended.
pub fn live_jobs(rest: &Rest) -> Result<Vec<JobSummary>, FlinkError> {
    let overview: JobsOverview = rest.get("/jobs/overview")?;
    Ok(overview
        .jobs
        .into_iter()
        .filter(|j| !JobState::parse(&j.state).is_final())
        .collect())
}

/// Which job to watch: the one `wanted` names (id or name), or the only
/// one running.
pub fn choose_job(rest: &Rest, wanted: Option<&str>) -> Result<JobSummary, FlinkError> {
    let overview: JobsOverview = rest.get("/jobs/overview")?;
    let listing = |jobs: &[JobSummary]| {
        jobs.iter()
            .map(|j| {
                format!(
                    "  {}  {}  {}",
                    j.jid,
                    j.state,
                    crate::format::printable(&j.name)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(wanted) = wanted {
        let mut matches: Vec<JobSummary> = overview
            .jobs
            .iter()
            .filter(|j| j.jid == wanted || j.name == wanted)
            .cloned()
            .collect();
        // Of several jobs with that name, the live one.
        matches.sort_by_key(|j| JobState::parse(&j.state).is_final());
        return matches
            .into_iter()
            .next()
            .ok_or_else(|| FlinkError::JobNotFound {
                url: rest.url().to_string(),
                job: wanted.to_string(),
                listing: listing(&overview.jobs),
            });
    }
    let live: Vec<JobSummary> = overview
        .jobs
        .into_iter()
        .filter(|j| !JobState::parse(&j.state).is_final())
        .collect();
    match live.len() {
        0 => Err(FlinkError::NoJob(rest.url().to_string())),
        1 => Ok(live.into_iter().next().expect("one job")),
        _ => Err(FlinkError::SeveralJobs {
            url: rest.url().to_string(),
            listing: listing(&live),
        }),
    }
}
