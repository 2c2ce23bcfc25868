//! The one-line progress report printed on stderr each second of a headless run.

use crate::format;
use crate::metrics::Snapshot;

/// "t=12s running rate 1.0k/s in-flight 523 pending 0 lag 0 e2e p99 12.0ms
/// RSS 24.0 MiB | ingest q 0/256 p99 1.20ms | …"
pub fn line(snapshot: &Snapshot) -> String {
    let mut line = format!(
        "t={:>5.1}s {:<8} rate {:>8} in-flight {:>6} pending {:>6} lag {:>7} e2e p99 {:>7} RSS {:>9}",
        snapshot.t_s,
        snapshot.state.as_str(),
        format::rate(snapshot.source.out_rate),
        snapshot.totals.in_flight,
        snapshot.source.source_pending,
        format::millis(snapshot.source.source_lag_ms),
        if snapshot.end_to_end_ms.unavailable {
            "n/a".to_string()
        } else {
            format::millis(snapshot.end_to_end_ms.window.p99)
        },
        format::bytes(snapshot.process.rss_bytes),
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
        if let Some(w) = stage.watermark {
            line.push_str(&format!(" wm lag {}", format::millis(w.lag_ms.max(0.0))));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_carries_end_to_end_p99_source_lag_and_rss() {
        let mut s = Snapshot::quiet(4, 1.0, 10.0);
        s.source.source_pending = 7;
        s.source.source_lag_ms = 1500.0;
        s.source.out_rate = 10.0;
        s.process.rss_bytes = 24 * 1024 * 1024;
        s.end_to_end_ms.window.p99 = 12.0;
        let line = line(&s);
        for part in ["lag   1.50s", "e2e p99  12.0ms", "RSS  24.0 MiB"] {
            assert!(line.contains(part), "{part:?} in {line:?}");
        }
    }
}
