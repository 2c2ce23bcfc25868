//! The HTTP side of `/metrics`: hyper's HTTP/1 server on a single-threaded
//! tokio runtime, on the exporter's one thread, with limits so that a slow
//! or hostile client can delay only itself.
//!
//! - Every connection is its own task, so a client that never reads, or
//!   announces a body it never sends, stalls nobody else.
//! - Headers must arrive within [`HEADER_READ_TIMEOUT`] (which is also the
//!   idle timeout between requests: hyper starts the clock when it waits for
//!   a request head) and fit in [`MAX_HEADER_BYTES`] (else 431).
//! - A connection lives at most [`MAX_CONNECTION_AGE`]; then it finishes the
//!   request in hand (for [`SHUTDOWN_GRACE`] at most) and closes.
//! - At most [`max_connections`] are open at once; one more is closed as
//!   soon as it is accepted, so the kernel's queue never fills with them.
//! - An error from `accept` that is not the client's (no file descriptor
//!   left, `EMFILE`) is noted on stderr (the first time in a run) and
//!   retried after [`ACCEPT_BACKOFF`]: the server never stops serving for
//!   good.
//! - Malformed requests get hyper's 400 and the connection closes.
//!
//! Stopping drops the runtime with every connection in it: the run's end
//! never waits on a client.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::published::Published;
use super::respond::respond;

/// How long a client may take to send a request's headers, counted from
/// when the server starts waiting for them (so also the idle timeout).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers) read.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// After this long a connection finishes its request and closes.
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(60);
/// How long a connection may take to finish once it must close.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The wait before accepting again after `accept` itself failed.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The most connections open at once: 1024, or half the process's file
/// descriptor limit if that is lower (the rest are the run's).
pub fn max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given, nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let half = if ok {
        usize::try_from(limit.rlim_cur / 2).unwrap_or(usize::MAX)
    } else {
        512
    };
    half.clamp(16, 1024)
}

/// Serves on `listener` until `stop` is notified, then drops every
/// connection. Runs on the calling thread.
pub fn run(
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    published: Arc<Published>,
    stop: Arc<Notify>,
) {
    runtime.block_on(async move {
        match TcpListener::from_std(listener) {
            Ok(listener) => {
                tokio::spawn(accept_loop(listener, published, max_connections()));
            }
            Err(e) => crate::stderr::note(format!("pipetop: /metrics cannot serve: {e}")),
        }
        stop.notified().await;
    });
    // Dropping the runtime here drops the accept loop and every connection.
}

/// Accepts connections for as long as the runtime runs.
async fn accept_loop(listener: TcpListener, published: Arc<Published>, cap: usize) {
    let open = Arc::new(AtomicUsize::new(0));
    let mut noted = false;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                if open.load(Ordering::Relaxed) >= cap {
                    drop(stream);
                    continue;
                }
                let slot = ConnectionSlot::take(&open);
                tokio::spawn(serve_connection(stream, published.clone(), slot));
            }
            Err(e) if is_the_clients(&e) => {}
            Err(e) => {
                if !noted {
                    crate::stderr::note(format!(
                        "pipetop: /metrics cannot accept connections ({e}); \
                         retrying every {} ms (noted once)",
                        ACCEPT_BACKOFF.as_millis()
                    ));
                    noted = true;
                }
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// An `accept` error about one connection (gone before it was accepted),
/// not about the server.
fn is_the_clients(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted
    )
}

/// One open connection, counted while it lives.
struct ConnectionSlot(Arc<AtomicUsize>);

impl ConnectionSlot {
    fn take(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(open.clone())
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves one connection's requests, within the limits.
async fn serve_connection(stream: TcpStream, published: Arc<Published>, _slot: ConnectionSlot) {
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEADER_BYTES)
        .max_headers(64);
    let service = service_fn(move |request| {
        let response = respond(&request, &published);
        async move { Ok::<_, Infallible>(response) }
    });
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    if tokio::time::timeout(MAX_CONNECTION_AGE, connection.as_mut())
        .await
        .is_err()
    {
        connection.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
    }
}
