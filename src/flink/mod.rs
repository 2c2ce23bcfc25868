//! pipetop on Apache Flink: a producer of snapshots that watches a job
//! through the cluster's REST API ([`watch`]), and one that first submits a
//! scenario as a Flink job ([`submit`]). Each job vertex is a stage; what
//! Flink measures maps onto pipetop's measures ([`stages`]); what it does
//! not measure (per-item latency) is "not available" in the snapshot.
//!
//! Arrows: flink → engine, metrics, model, scenario, session, format.

pub mod api;
mod commands;
pub mod control_file;
pub mod measures;
pub mod poll;
pub mod rest;
pub mod stages;
pub mod submit;
pub mod watch;

use crate::model::Controls;

/// What can go wrong talking to a Flink cluster.
#[derive(Debug, thiserror::Error)]
pub enum FlinkError {
    /// The URL is not an `http://host:port` address.
    #[error("{0} is not a Flink REST address: give http://HOST:PORT, e.g. http://127.0.0.1:8081")]
    BadUrl(String),
    /// Nothing answered (connection refused, timed out) after every retry.
    #[error(
        "the Flink cluster at {url} does not answer ({error}); is it running? \
         (scripts/flink-cluster.sh start starts a local one)"
    )]
    Unreachable {
        /// The cluster's URL.
        url: String,
        /// The last error.
        error: String,
    },
    /// An answer with an error status.
    #[error("{request} answered {status}: {body}")]
    Status {
        /// Method and URL.
        request: String,
        /// The HTTP status.
        status: u16,
        /// Flink's first error line.
        body: String,
    },
    /// An answer that is not what Flink's REST API returns.
    #[error("{what} gave an answer pipetop cannot read: {error}")]
    BadAnswer {
        /// The URL asked.
        what: String,
        /// The parse error.
        error: String,
    },
    /// No job is running.
    #[error("no job is running on {0}: start one, or give --job ID|NAME of another")]
    NoJob(String),
    /// `--job` matches no job.
    #[error("no job on {url} has the id or name {job}; the jobs are:\n{listing}")]
    JobNotFound {
        /// The cluster's URL.
        url: String,
        /// What was asked for.
        job: String,
        /// One line per job.
        listing: String,
    },
    /// Several jobs run and none was chosen.
    #[error("several jobs run on {url}; choose one with --job ID|NAME:\n{listing}")]
    SeveralJobs {
        /// The cluster's URL.
        url: String,
        /// One line per job.
        listing: String,
    },
    /// The scenario asks for something Flink cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// The job jar could not be built or read.
    #[error("cannot build the Flink job: {0}")]
    Build(String),
}

impl FlinkError {
    /// True for a mistake in what was asked (exit 2), false for a failure
    /// of the cluster or the machine (exit 1).
    pub fn is_bad_usage(&self) -> bool {
        match self {
            Self::BadUrl(_)
            | Self::NoJob(_)
            | Self::JobNotFound { .. }
            | Self::SeveralJobs { .. }
            | Self::Unsupported(_) => true,
            Self::Unreachable { .. }
            | Self::Status { .. }
            | Self::BadAnswer { .. }
            | Self::Build(_) => false,
        }
    }
}

/// Why a command cannot apply to a Flink job, for any job.
const FLINK_REFUSES: [(&str, &str); 3] = [
    ("policy", "Flink's buffers always block"),
    ("slowdown", "Flink operators cannot be slowed"),
    ("crash", "pipetop cannot kill a Flink subtask"),
];

/// The commands a Flink job refuses: `own_source` is true for a job pipetop
/// submitted (its source reads pipetop's control file).
pub fn controls(own_source: bool) -> Controls {
    let mut refused: Vec<(&'static str, &'static str)> = FLINK_REFUSES.to_vec();
    if !own_source {
        let why = "the job's source is not pipetop's";
        refused.extend([
            ("burst", why),
            ("rate", why),
            ("pause", why),
            ("resume", why),
        ]);
    }
    Controls { refused }
}
