//! The one-line progress report printed on stderr each second of a headless run.

use crate::format;
use crate::metrics::Snapshot;

/// "t=12s running rate 1.0k/s in-flight 523 pending 0 | ingest q 0/256 p99 1.20ms | …"
pub fn line(snapshot: &Snapshot) -> String {
    let mut line = format!(
        "t={:>5.1}s {:<8} rate {:>8} in-flight {:>6} pending {:>6}",
        snapshot.t_s,
        snapshot.state.as_str(),
        format::rate(snapshot.source.out_rate),
        snapshot.totals.in_flight,
        snapshot.source.source_pending,
    );
    for (i, stage) in snapshot.stages.iter().enumerate() {
        let mark = if snapshot.bottleneck == Some(i) {
            "*"
        } else {
            ""
        };
        let p99 = if stage.service_ms.unavailable {
            "n/a".to_string()
        } else {
            format::millis(stage.service_ms.window.p99)
        };
        line.push_str(&format!(
            " | {}{mark} q {} p99 {p99}",
            stage.name,
            format::queue_fill_exact(stage.queue_len, stage.queue_capacity),
        ));
    }
    line
}
