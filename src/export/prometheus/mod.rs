//! Serves the latest snapshot at `/metrics` in the Prometheus (OpenMetrics)
//! text format for as long as a run lasts (`--prometheus ADDR`).
//!
//! One exporter thread answers scrapes; the run publishes every snapshot into
//! a shared slot, and each scrape builds a fresh exposition from the newest
//! one, so a scrape never sees half a tick. `encode` maps a snapshot to the
//! metric families (the pipeline's totals, source lag, checkpoint watermark
//! and process CPU and memory; per stage, labelled `stage`, queue and pool
//! sizes, counters, busy/idle/blocked ratios, the backpressure level as a
//! state set and the bottleneck as a 0/1 gauge); `summary` writes the latency
//! summaries (`pipetop_end_to_end_seconds`, `pipetop_stage_service_seconds`,
//! `pipetop_stage_wait_seconds`), which prometheus-client (0.26) lacks;
//! `classic_text` converts the whole to the classic text format for clients
//! that do not ask for OpenMetrics. Dropping the [`Exporter`] stops the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::metrics::Snapshot;

mod classic_text;
mod encode;
mod summary;

pub use classic_text::to_classic_text;
pub use encode::encode;
pub use summary::{SummarySeries, encode_summary};

/// The content type of the OpenMetrics text exposition (what Prometheus asks for).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The content type of the classic Prometheus text format (curl, promtool).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The exporter could not listen on the address it was given.
#[derive(Debug, thiserror::Error)]
#[error("cannot serve /metrics on {addr}: {reason}")]
pub struct BindError {
    /// The address `--prometheus` asked for.
    pub addr: SocketAddr,
    /// What went wrong and how to fix it.
    pub reason: String,
}

fn bind_failure(error: &(dyn std::error::Error + 'static)) -> String {
    use std::io::ErrorKind;
    let hint = match error.downcast_ref::<std::io::Error>().map(|e| e.kind()) {
        Some(ErrorKind::AddrInUse) => {
            "; another program listens there: pick another port, or port 0 for any free one"
        }
        Some(ErrorKind::PermissionDenied) => "; ports below 1024 need privileges: use 9898",
        Some(ErrorKind::AddrNotAvailable) => {
            "; no interface has that IP address: use 127.0.0.1 (this machine only)"
        }
        _ => "",
    };
    format!("{error}{hint}")
}

/// The newest snapshot, shared between the run and the exporter thread.
type Latest = Arc<Mutex<Option<Arc<Snapshot>>>>;

/// A `/metrics` endpoint serving the newest published snapshot.
pub struct Exporter {
    server: Arc<tiny_http::Server>,
    latest: Latest,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl Exporter {
    /// Listens on exactly `addr` (port 0: any free port, see [`Exporter::addr`])
    /// and starts answering scrapes.
    pub fn bind(addr: SocketAddr) -> Result<Self, BindError> {
        let server = tiny_http::Server::http(addr).map_err(|e| BindError {
            addr,
            reason: bind_failure(e.as_ref()),
        })?;
        let bound = server.server_addr().to_ip().unwrap_or(addr);
        let server = Arc::new(server);
        let latest: Latest = Arc::default();
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("pipetop-prometheus".into())
            .spawn({
                let (server, latest, stopping) = (server.clone(), latest.clone(), stopping.clone());
                move || serve(&server, &latest, &stopping)
            })
            .map_err(|e| BindError {
                addr,
                reason: format!("cannot start the exporter thread: {e}"),
            })?;
        Ok(Self {
            server,
            latest,
            stopping,
            thread: Some(thread),
            addr: bound,
        })
    }

    /// The address actually bound (the real port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes `snapshot` the one the next scrape reads.
    pub fn publish(&self, snapshot: &Arc<Snapshot>) {
        *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(server: &tiny_http::Server, latest: &Latest, stopping: &AtomicBool) {
    loop {
        let request = match server.recv() {
            Ok(request) => request,
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            // A client's I/O error: keep serving the others.
            Err(_) => continue,
        };
        let snapshot = latest.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let openmetrics = request.headers().iter().any(|h| {
            h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text")
        });
        let response = response(
            request.method(),
            request.url(),
            openmetrics,
            snapshot.as_deref(),
        );
        let _ = request.respond(response);
    }
}

fn response(
    method: &tiny_http::Method,
    url: &str,
    openmetrics: bool,
    snapshot: Option<&Snapshot>,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let path = url.split('?').next().unwrap_or(url);
    let (status, content_type, body) = match (method, path) {
        (tiny_http::Method::Get | tiny_http::Method::Head, "/metrics") if openmetrics => {
            (200, OPENMETRICS_CONTENT_TYPE, encode(snapshot))
        }
        (tiny_http::Method::Get | tiny_http::Method::Head, "/metrics") => {
            (200, TEXT_CONTENT_TYPE, to_classic_text(&encode(snapshot)))
        }
        (tiny_http::Method::Get | tiny_http::Method::Head, "/") => (
            200,
            "text/plain; charset=utf-8",
            "pipetop: metrics are at /metrics\n".to_string(),
        ),
        (tiny_http::Method::Get | tiny_http::Method::Head, _) => (
            404,
            "text/plain; charset=utf-8",
            "not found: metrics are at /metrics\n".to_string(),
        ),
        _ => (
            405,
            "text/plain; charset=utf-8",
            "only GET is served\n".to_string(),
        ),
    };
    let header = tiny_http::Header::from_bytes("Content-Type", content_type)
        .expect("a static header is valid");
    tiny_http::Response::from_string(body)
        .with_status_code(status)
        .with_header(header)
}
