//! Sessions on a Flink cluster: watching a running job, or submitting a
//! scenario as a Flink job (`flink-job/`, built by
//! `scripts/flink-build-job.sh` with `javac` against the distribution's
//! jars) and watching it. The job has a source at the scenario's rate and
//! one operator per stage, parallelism = workers, whose work is the stage's
//! service-time distribution; a stage's failures are thrown exceptions.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::engine::Spawner;
use crate::model::{ServiceDist, TimedCommand, WorkMode};
use crate::scenario::Scenario;
use crate::session::{Producer, Session, SessionInfo};

use super::FlinkError;
use super::control_file::{ControlFile, HEARTBEAT_TIMEOUT};
use super::poll::{JobSample, JobState, Poller, choose_job};
use super::rest::Rest;
use super::stages::Layout;
use super::watch::FlinkJob;

/// How long a submitted job may take to show its vertices.
const SUBMIT_WAIT: Duration = Duration::from_secs(60);

/// A submitted job takes a checkpoint this often (aligned; a failed one is
/// tolerated, so backpressure slows checkpoints without restarting the job).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(5);

/// A session that watches the job `job` (an id or a name) on the cluster at
/// `url`, or the only job running there.
pub fn watch_session(url: &str, job: Option<&str>) -> Result<Session, FlinkError> {
    let rest = Rest::new(url)?;
    let chosen = choose_job(&rest, job)?;
    let mut poller = Poller::new(rest, chosen.jid.clone());
    let first = wait_until_running(&mut poller)?;
    let layout = Layout::every_vertex(&first);
    let info = SessionInfo {
        name: crate::format::printable(&chosen.name),
        description: format!("Flink job {} on {url}", chosen.jid),
        lesson: LESSON.to_string(),
        controls: super::controls(false),
        ..SessionInfo::default()
    };
    Ok(session(info, FlinkJob::new(poller, layout, first, None)))
}

const LESSON: &str = "Each job vertex is a stage; its parallelism is its workers. \
Busy, idle and blocked are Flink's busyTimeMsPerSecond, idleTimeMsPerSecond and \
backPressuredTimeMsPerSecond. The queue is the input buffer pool's use in percent. \
Backpressure HIGH sits on the vertex before the slow one: the bottleneck is below it. \
+ and - ask the adaptive scheduler for another parallelism; the job restarts with it.";

fn session(info: SessionInfo, job: FlinkJob) -> Session {
    Session {
        info,
        producer: Producer::Other(Box::new(job)),
        // The cluster's memory is not this process's.
        memory_cap: None,
        observer: None,
        spawner: Spawner::default(),
    }
}

/// The scenario's timeline commands a Flink job cannot carry out, as one
/// message naming each (with its time), or `Ok` if there are none.
pub fn check_timeline(timeline: &[TimedCommand]) -> Result<(), FlinkError> {
    let controls = super::controls(true);
    let refused: Vec<String> = timeline
        .iter()
        .filter_map(|c| {
            controls.refusal(&c.command).map(|why| {
                format!(
                    "  at {}: `{}` cannot run on Flink: {why}",
                    humantime::format_duration(c.at),
                    c.command.kind()
                )
            })
        })
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    Err(FlinkError::Unsupported(format!(
        "the timeline has commands a Flink job cannot carry out (remove them to run on Flink):\n{}",
        refused.join("\n")
    )))
}

/// Submits `scenario` to the cluster at `url` as a Flink job and returns the
/// session that watches it (and cancels it when the run stops).
pub fn submit_session(url: &str, scenario: Scenario) -> Result<Session, FlinkError> {
    check_timeline(&scenario.timeline)?;
    let rest = Rest::new(url)?;
    rest.get::<serde_json::Value>("/overview")?;
    let jar_path = job_jar()?;
    let jar = std::fs::read(&jar_path)
        .map_err(|e| FlinkError::Build(format!("{}: {e}", jar_path.display())))?;
    #[derive(serde::Deserialize)]
    struct Uploaded {
        filename: String,
    }
    let uploaded: Uploaded = rest.upload("/jars/upload", "pipetop-job.jar", &jar)?;
    let jar_id = uploaded
        .filename
        .rsplit('/')
        .next()
        .unwrap_or(&uploaded.filename)
        .to_string();
    let control_path = control_path();
    let spec = &scenario.pipeline;
    let mut control = ControlFile::create(control_path.clone(), spec.source.rate)
        .map_err(|e| FlinkError::Build(format!("{}: {e}", control_path.display())))?;
    let args = job_args(&scenario, &control_path);
    #[derive(serde::Deserialize)]
    struct Started {
        jobid: String,
    }
    let started: Started = rest.post_json(
        &format!("/jars/{jar_id}/run"),
        &serde_json::json!({ "programArgsList": args }),
    )?;
    // The jar is in the job now; leave the cluster's upload list as it was.
    let _ = rest.delete(&format!("/jars/{jar_id}"));
    let mut poller = Poller::new(rest, started.jobid.clone());
    let names: Vec<String> = spec.stages.iter().map(|s| s.name.clone()).collect();
    let (first, layout) = wait_for_vertices(&mut poller, &names, &mut control)?;
    let info = SessionInfo {
        description: format!(
            "{} (on Flink: job {} at {url})",
            scenario.description, started.jobid
        ),
        controls: super::controls(true),
        ..Session::from(scenario).info
    };
    Ok(session(
        info,
        FlinkJob::new(poller, layout, first, Some(control)),
    ))
}

/// The job's first look once it runs: before, Flink may list its vertices
/// without the job graph that orders them.
fn wait_until_running(poller: &mut Poller) -> Result<JobSample, FlinkError> {
    let deadline = Instant::now() + SUBMIT_WAIT;
    loop {
        let sample = poller.sample()?;
        if sample.state != JobState::Starting || Instant::now() >= deadline {
            return Ok(sample);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn wait_for_vertices(
    poller: &mut Poller,
    names: &[String],
    control: &mut ControlFile,
) -> Result<(JobSample, Layout), FlinkError> {
    let deadline = Instant::now() + SUBMIT_WAIT;
    loop {
        // The heartbeat goes on while the job starts.
        let _ = control.write();
        let sample = poller.sample()?;
        let layout = Layout::scenario(&sample, names);
        if let Some(layout) = layout.filter(|_| sample.state != JobState::Starting) {
            return Ok((sample, layout));
        }
        if sample.state.is_final() || Instant::now() >= deadline {
            return Err(FlinkError::Unsupported(format!(
                "the submitted job {} ({:?}) does not show the scenario's stages {names:?}",
                poller.jid(),
                sample.state
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The job's program arguments (see flink-job/src/pipetop/PipetopJob.java).
pub fn job_args(scenario: &Scenario, control: &std::path::Path) -> Vec<String> {
    let spec = &scenario.pipeline;
    let rate = match spec.source.rate.per_second() {
        Some(r) => format!("{r}"),
        None => "max".to_string(),
    };
    let arrivals = match spec.source.arrivals {
        crate::model::Arrivals::Poisson => "poisson",
        crate::model::Arrivals::Uniform => "uniform",
    };
    let mut args: Vec<String> = [
        "--name",
        &scenario.name,
        "--seed",
        &spec.seed.to_string(),
        "--rate",
        &rate,
        "--arrivals",
        arrivals,
        "--control",
        &control.display().to_string(),
        "--checkpoint-ms",
        &CHECKPOINT_INTERVAL.as_millis().to_string(),
        "--heartbeat-timeout-ms",
        &HEARTBEAT_TIMEOUT.as_millis().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let micros = |d: Duration| format!("{}", d.as_secs_f64() * 1e6);
    for stage in &spec.stages {
        let (a, b) = match stage.service {
            ServiceDist::Fixed { mean } | ServiceDist::Exp { mean } => (mean, Duration::ZERO),
            ServiceDist::Uniform { min, max } => (min, max),
            ServiceDist::Normal { mean, stddev } | ServiceDist::LogNormal { mean, stddev } => {
                (mean, stddev)
            }
        };
        let mode = match stage.mode {
            WorkMode::Sleep => "sleep",
            WorkMode::Spin => "spin",
        };
        args.extend([
            "--stage".to_string(),
            stage.name.clone(),
            stage.workers.to_string(),
            stage.service.name().to_string(),
            micros(a),
            micros(b),
            mode.to_string(),
            stage.fail_rate.to_string(),
            stage.max_attempts.to_string(),
        ]);
    }
    args
}

/// A fresh control file path for this process.
fn control_path() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!(
        "pipetop-flink-control-{}-{nanos}",
        std::process::id()
    ))
}

/// The job jar: `$PIPETOP_FLINK_JOB_JAR`, or built (when missing or older
/// than its sources) by `scripts/flink-build-job.sh` in this source tree.
fn job_jar() -> Result<PathBuf, FlinkError> {
    if let Some(jar) = std::env::var_os("PIPETOP_FLINK_JOB_JAR") {
        return Ok(PathBuf::from(jar));
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/flink-build-job.sh");
    if !script.is_file() {
        return Err(FlinkError::Build(format!(
            "{} is missing: set PIPETOP_FLINK_JOB_JAR to a built pipetop-job.jar",
            script.display()
        )));
    }
    let output = std::process::Command::new(&script)
        .output()
        .map_err(|e| FlinkError::Build(format!("{}: {e}", script.display())))?;
    if !output.status.success() {
        return Err(FlinkError::Build(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_becomes_eight_job_arguments_in_microseconds() {
        let dir = std::env::temp_dir().join(format!("pipetop-job-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("s.toml");
        std::fs::write(
            &file,
            "name = \"n\"\n[source]\nrate = 100\n[[stage]]\nname = \"risky\"\nworkers = 3\n\
             service = { dist = \"uniform\", min = \"1ms\", max = \"3ms\" }\n\
             fail_rate = 0.002\nmax_attempts = 2\n",
        )
        .unwrap();
        let scenario = crate::scenario::load(file.to_str().unwrap()).unwrap();
        let args = job_args(&scenario, std::path::Path::new("/tmp/c"));
        let at = args.iter().position(|a| a == "--stage").unwrap();
        assert_eq!(
            args[at + 1..],
            [
                "risky", "3", "uniform", "1000", "3000", "sleep", "0.002", "2"
            ]
        );
        assert!(args.windows(2).any(|w| w == ["--rate", "100"]));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
