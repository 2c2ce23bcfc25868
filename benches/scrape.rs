//! Scrape latency of `/metrics` (issue 18): the exporter serving an
//! eight-stage snapshot (histograms filled by a real run) to
//!
//! 1. 50 concurrent clients, each scraping in a loop (a new connection per
//!    scrape, as curl would; Prometheus keeps one open, which is cheaper);
//! 2. one client scraping while 1000 idle connections are held open;
//!
//! and the threads of the process in each case (the exporter's is one
//! thread whatever the clients do). Latency is from connect to the last
//! byte of the response, on loopback, OpenMetrics format. A publisher
//! republishes the snapshot every 250 ms (the default tick), as a run
//! does, so the first scrape after each tick pays for encoding; the cost of
//! one encoding is measured on its own too.
//!
//! Environment: `PIPETOP_SCRAPES` (scrapes per client, default 40).
//! `cargo bench --bench scrape`

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pipetop::engine::{IterSource, Pipeline, RunOptions, StageConfig, WorkError};
use pipetop::export::prometheus::{Exporter, Histograms, encode_with};
use pipetop::metrics::Snapshot;

/// Runs an eight-stage pipeline to its end and publishes every snapshot;
/// returns how many, the last one, and the histograms of them all.
fn publish_a_run(exporter: &Exporter) -> (usize, Arc<Snapshot>, Histograms) {
    let mut builder = Pipeline::from_source(IterSource::new(0u64..50_000)).stage(
        StageConfig::new("stage-0").workers(2).queue(64),
        |n: &u64| Ok::<_, WorkError>(n.wrapping_mul(31)),
    );
    for i in 1..8 {
        builder = builder.stage(
            StageConfig::new(format!("stage-{i}")).workers(2).queue(64),
            |n: &u64| Ok(n.rotate_left(3) ^ 0x5a5a),
        );
    }
    let pipeline = builder.sink(|_: u64| {});
    let options = RunOptions {
        tick: Duration::from_millis(20),
        ..RunOptions::default()
    };
    let running = pipeline.start(options);
    let mut snapshots = 0;
    let mut histograms = Histograms::default();
    let mut last = None;
    for snapshot in running.snapshots().iter() {
        exporter.publish(&snapshot);
        histograms.add(&snapshot);
        snapshots += 1;
        last = Some(snapshot);
    }
    running.join().expect("the run ends");
    (snapshots, last.expect("a final snapshot"), histograms)
}

/// One scrape on a new connection: the time to the response's last byte,
/// and its size.
fn scrape(addr: SocketAddr) -> (Duration, usize) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(
            b"GET /metrics HTTP/1.1\r\nHost: bench\r\nAccept: application/openmetrics-text\r\n\
              Connection: close\r\n\r\n",
        )
        .unwrap();
    let mut response = Vec::with_capacity(128 * 1024);
    stream.read_to_end(&mut response).expect("a response");
    assert!(response.starts_with(b"HTTP/1.1 200"), "a failed scrape");
    (start.elapsed(), response.len())
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn report(what: &str, mut latencies: Vec<Duration>, threads: usize) {
    latencies.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{what:<48} {:>6} scrapes  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  threads {threads}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
}

/// Lets this process hold 1000 connections at both ends.
fn raise_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: get/setrlimit read and write only the struct they are given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn main() {
    raise_file_limit();
    let per_client: usize = std::env::var("PIPETOP_SCRAPES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let exporter = Exporter::bind("127.0.0.1:0".parse().unwrap()).expect("a free port");
    let addr = exporter.addr();
    let (snapshots, last, histograms) = publish_a_run(&exporter);
    let (_, size) = scrape(addr);
    println!("{snapshots} snapshots published; one scrape is {size} bytes (8 stages)");
    let histograms = Arc::new(histograms);
    let mut encodes: Vec<Duration> = (0..50)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(encode_with(Some(&last), &histograms));
            start.elapsed()
        })
        .collect();
    encodes.sort_unstable();
    println!(
        "one encoding (8 stages): median {:.2} ms",
        percentile(&encodes, 0.5).as_secs_f64() * 1e3
    );

    // A new snapshot every tick, as in a run: the cache lasts one tick.
    let exporter = Arc::new(exporter);
    let publishing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let publisher = std::thread::spawn({
        let (exporter, publishing) = (exporter.clone(), publishing.clone());
        move || {
            while publishing.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                exporter.publish(&last);
            }
        }
    });
    // Main, the exporter's thread and the publisher.
    let alone = threads();

    // Warm-up, then one client alone.
    let single: Vec<Duration> = (0..per_client * 5).map(|_| scrape(addr).0).collect();
    report("1 client", single, alone);

    // 50 concurrent clients.
    let barrier = Arc::new(std::sync::Barrier::new(50));
    let clients: Vec<_> = (0..50)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (0..per_client).map(|_| scrape(addr).0).collect::<Vec<_>>()
            })
        })
        .collect();
    let during = threads();
    let concurrent: Vec<Duration> = clients
        .into_iter()
        .flat_map(|client| client.join().expect("a client"))
        .collect();
    report(
        "50 concurrent clients (50 of the threads theirs)",
        concurrent,
        during,
    );

    // 1000 idle connections held open, one client scraping.
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(addr).expect("an idle connection"))
        .collect();
    let with_idle: Vec<Duration> = (0..per_client * 5).map(|_| scrape(addr).0).collect();
    report("1 client, 1000 idle connections open", with_idle, threads());
    let open = idle
        .iter()
        .filter(|stream| {
            stream.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 1];
            matches!(stream.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
        })
        .count();
    println!("idle connections still open after the scrapes: {open} of 1000");
    drop(idle);
    publishing.store(false, std::sync::atomic::Ordering::Relaxed);
    publisher.join().expect("the publisher");
}
