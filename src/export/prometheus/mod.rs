//! Serves the latest snapshot at `/metrics` in the Prometheus (OpenMetrics)
//! text format for as long as a run lasts (`--prometheus ADDR`).
//!
//! One exporter thread runs the HTTP server (`server`: hyper on a
//! single-threaded tokio runtime, with timeouts and limits against slow or
//! hostile clients); the run publishes every snapshot into `published`,
//! which accumulates the latency histograms and serves an exposition built
//! from the newest snapshot, so a scrape never sees half a tick. `encode`
//! maps a snapshot to the metric families (the pipeline's totals, source
//! lag, checkpoint watermark and process CPU and memory; per stage, labelled
//! `stage`, queue and pool sizes, counters, busy/idle/blocked ratios, the
//! backpressure level as a state set and the bottleneck as a 0/1 gauge);
//! `histogram` holds the latency histograms (`pipetop_end_to_end_seconds`,
//! `pipetop_stage_service_seconds`, `pipetop_stage_wait_seconds`); `summary`
//! writes pipetop's own windowed quantiles as summaries (`…_window_seconds`),
//! which prometheus-client (0.26) lacks; `classic_text` converts the whole
//! to the classic text format for clients that do not ask for OpenMetrics.
//! Dropping the [`Exporter`] stops the server and drops its connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::Notify;

use crate::metrics::Snapshot;

mod classic_text;
mod encode;
mod histogram;
mod published;
mod respond;
mod server;
mod stream_time;
mod summary;

pub use classic_text::to_classic_text;
pub use encode::{encode, encode_with};
pub use histogram::{Histograms, LatencyBuckets, StageHistograms, bucket_bounds};
pub use respond::{OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};
pub use server::{HEADER_READ_TIMEOUT, MAX_CONNECTION_AGE, MAX_HEADER_BYTES, max_connections};
pub use summary::{SummarySeries, encode_summary};

/// The exporter could not listen on the address it was given.
#[derive(Debug, thiserror::Error)]
#[error("cannot serve /metrics on {addr}: {reason}")]
pub struct BindError {
    /// The address `--prometheus` asked for.
    pub addr: SocketAddr,
    /// What went wrong and how to fix it.
    pub reason: String,
}

fn bind_failure(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let hint = match error.kind() {
        ErrorKind::AddrInUse => {
            "; another program listens there: pick another port, or port 0 for any free one"
        }
        ErrorKind::PermissionDenied => "; ports below 1024 need privileges: use 9898",
        ErrorKind::AddrNotAvailable => {
            "; no interface has that IP address: use 127.0.0.1 (this machine only)"
        }
        _ => "",
    };
    format!("{error}{hint}")
}

/// The warning to print when `/metrics` is served on `addr`: none on a
/// loopback address, else that anyone who reaches it can read it.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "pipetop: warning: /metrics has no authentication, and {} is reachable from \
             other machines; use 127.0.0.1 to keep it on this one",
            addr.ip()
        )
    })
}

/// A `/metrics` endpoint serving the newest published snapshot.
pub struct Exporter {
    published: Arc<published::Published>,
    stop: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl Exporter {
    /// Listens on exactly `addr` (port 0: any free port, see [`Exporter::addr`])
    /// and starts answering scrapes.
    pub fn bind(addr: SocketAddr) -> Result<Self, BindError> {
        let failed = |reason: String| BindError { addr, reason };
        let listener = std::net::TcpListener::bind(addr).map_err(|e| failed(bind_failure(&e)))?;
        let bound = listener.local_addr().unwrap_or(addr);
        listener
            .set_nonblocking(true)
            .map_err(|e| failed(format!("cannot make the socket non-blocking: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| failed(format!("cannot start the exporter's runtime: {e}")))?;
        let published = Arc::new(published::Published::default());
        let stop = Arc::new(Notify::new());
        let thread = std::thread::Builder::new()
            .name("pipetop-prometheus".into())
            .spawn({
                let (published, stop) = (published.clone(), stop.clone());
                move || server::run(runtime, listener, published, stop)
            })
            .map_err(|e| failed(format!("cannot start the exporter thread: {e}")))?;
        Ok(Self {
            published,
            stop,
            thread: Some(thread),
            addr: bound,
        })
    }

    /// The address actually bound (the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes `snapshot` the one the next scrape reads, and adds what it
    /// recorded to the histograms: publish every snapshot of the run, in order.
    pub fn publish(&self, snapshot: &Arc<Snapshot>) {
        self.published.publish(snapshot);
    }
}

impl Drop for Exporter {
    /// Stops the server: its runtime is dropped with every connection in it,
    /// whatever the clients are doing, so this never waits on one.
    fn drop(&mut self) {
        self.stop.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loopback_address_goes_without_a_warning() {
        for quiet in ["127.0.0.1:9898", "[::1]:9898", "127.0.0.2:0"] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for exposed in ["0.0.0.0:9898", "[::]:9898", "192.168.1.5:9898"] {
            let warning = exposure_warning(exposed.parse().unwrap()).expect(exposed);
            assert!(warning.contains("no authentication"), "{warning}");
        }
    }
}
