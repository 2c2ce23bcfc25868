//! The stream processor's figures at `/metrics`, only where the producer
//! has them (a watched Flink job): each stage's watermark lag, and the
//! checkpoint counts and the last completed checkpoint's duration and size.
//! Where there are none the families are not registered at all: "not
//! available" is an absent series, never a zero or a NaN.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use super::encode::{Labels, float_gauge, int_gauge, stage_label};
use crate::metrics::Snapshot;

/// Registers the watermark lags and checkpoint figures `snapshot` has.
pub(super) fn register(registry: &mut Registry, snapshot: &Snapshot) {
    if snapshot.stages.iter().any(|s| s.watermark.is_some()) {
        let lag = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        for stage in &snapshot.stages {
            if let Some(w) = stage.watermark {
                lag.get_or_create(&stage_label(stage)).set(w.lag_ms / 1e3);
            }
        }
        registry.register_with_unit(
            "pipetop_stage_watermark_lag",
            "Wall clock minus the stage's event-time watermark (a Flink job's; absent without watermarks)",
            Unit::Seconds,
            lag,
        );
    }
    let Some(c) = &snapshot.checkpoints else {
        return;
    };
    for (name, help, value) in [
        (
            "pipetop_checkpoints_completed",
            "Checkpoints the Flink job completed",
            c.completed,
        ),
        (
            "pipetop_checkpoints_failed",
            "Checkpoints of the Flink job that failed",
            c.failed,
        ),
        (
            "pipetop_checkpoints_in_progress",
            "Checkpoints of the Flink job under way",
            c.in_progress,
        ),
    ] {
        registry.register(name, help, int_gauge(value));
    }
    if let Some(done) = &c.last_completed {
        registry.register_with_unit(
            "pipetop_checkpoint_last_duration",
            "End-to-end duration of the Flink job's last completed checkpoint",
            Unit::Seconds,
            float_gauge(done.duration_ms as f64 / 1e3),
        );
        registry.register_with_unit(
            "pipetop_checkpoint_last_size",
            "Full state size of the Flink job's last completed checkpoint",
            Unit::Bytes,
            int_gauge(done.size_bytes),
        );
    }
}
