//! What one vertex's metrics say, as pipetop's measures: time shares,
//! buffer use, the source's side and the conservation counters.

use crate::metrics::{Backpressure, SourceSnapshot, Totals, Utilization};
use crate::model::Rate;

use super::poll::{
    BACKPRESSURED, BUSY, IDLE, IN_COUNT, IN_POOL, JobSample, OUT_COUNT, OUT_POOL, OUT_RATE,
    VertexSample,
};
use super::stages::SourceSetting;

/// busy, idle and blocked as fractions summing to 1; `None` without a sample.
pub fn time_shares(v: &VertexSample) -> Option<Utilization> {
    let busy = v.avg(BUSY).unwrap_or(0.0).max(0.0);
    let idle = v.avg(IDLE).unwrap_or(0.0).max(0.0);
    let blocked = v.avg(BACKPRESSURED).unwrap_or(0.0).max(0.0);
    let sum = busy + idle + blocked;
    (sum > 0.0).then(|| Utilization {
        busy: busy / sum,
        idle: idle / sum,
        blocked: blocked / sum,
    })
}

/// How full the vertex's input buffers are, 0..=1: its own input pool, or
/// its inputs' output pools (a local channel reads them directly).
pub fn queue_usage(sample: &JobSample, v: &VertexSample) -> f64 {
    let own = v.avg(IN_POOL).unwrap_or(0.0);
    let upstream = v
        .inputs
        .iter()
        .filter_map(|&i| sample.vertices.get(i)?.avg(OUT_POOL))
        .fold(0.0, f64::max);
    own.max(upstream).clamp(0.0, 1.0)
}

pub(super) fn source_snapshot(
    sample: &JobSample,
    vertex: Option<&VertexSample>,
    setting: Option<SourceSetting>,
) -> SourceSnapshot {
    let sources: Vec<&VertexSample> = match vertex {
        Some(v) => vec![v],
        None => sample
            .vertices
            .iter()
            .filter(|v| v.inputs.is_empty())
            .collect(),
    };
    let out_rate: f64 = sources.iter().filter_map(|v| v.sum(OUT_RATE)).sum();
    // Only a source that is not itself a stage carries the backpressure.
    let blocked = vertex
        .and_then(time_shares)
        .map_or(0.0, |shares| shares.blocked);
    let backpressure = match vertex.and_then(|v| v.backpressure.as_deref()) {
        Some("high") => Backpressure::High,
        Some("low") => Backpressure::Low,
        Some(_) | None => Backpressure::from_blocked(blocked),
    };
    SourceSnapshot {
        rate: setting.map_or(Rate::PerSecond(out_rate), |s| s.rate),
        paused: setting.is_some_and(|s| s.paused),
        source_pending: 0,
        source_lag_ms: 0.0,
        out_rate,
        blocked,
        backpressure,
    }
}

/// Records out of the sources, and records into the sinks (vertices no one
/// reads): `in_flight` is the difference, so conservation holds.
pub(super) fn totals(sample: &JobSample) -> Totals {
    let generated: u64 = sample
        .vertices
        .iter()
        .filter(|v| v.inputs.is_empty())
        .filter_map(|v| v.sum(OUT_COUNT))
        .sum::<f64>() as u64;
    let completed: u64 = sample
        .vertices
        .iter()
        .enumerate()
        .filter(|(i, _)| !sample.vertices.iter().any(|d| d.inputs.contains(i)))
        .filter_map(|(_, v)| v.sum(IN_COUNT))
        .sum::<f64>() as u64;
    // Counters restart with the tasks: a sink can briefly count more than
    // the restarted source.
    let completed = completed.min(generated);
    Totals {
        generated,
        completed,
        dropped: 0,
        dead_lettered: 0,
        in_flight: generated - completed,
        unadmitted: 0,
    }
}
