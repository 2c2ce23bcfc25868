//! `--prometheus ADDR` serves `/metrics` while a run lasts: every documented
//! name is there, per stage with its `stage` label, the values move between
//! scrapes, and (when `promtool` is installed) the exposition passes
//! `promtool check metrics`. A fixed burst snapshot checks the values that a
//! healthy run leaves at zero: backpressure levels, the bottleneck, source lag.

mod fixture;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PIPELINE_METRICS: &[&str] = &[
    "pipetop_generated_total",
    "pipetop_completed_total",
    "pipetop_dropped_total",
    "pipetop_dead_lettered_total",
    "pipetop_in_flight",
    "pipetop_source_pending",
    "pipetop_source_lag_seconds",
    "pipetop_source_blocked_ratio",
    "pipetop_checkpoint_watermark",
    "pipetop_process_cpu_ratio",
    "pipetop_process_resident_memory_bytes",
    "pipetop_end_to_end_seconds_sum",
    "pipetop_end_to_end_seconds_count",
];

const STAGE_METRICS: &[&str] = &[
    "pipetop_stage_queue_len",
    "pipetop_stage_queue_capacity",
    "pipetop_stage_queue_len_mean",
    "pipetop_stage_queue_max",
    "pipetop_stage_workers",
    "pipetop_stage_workers_target",
    "pipetop_stage_processed_total",
    "pipetop_stage_dropped_total",
    "pipetop_stage_retried_total",
    "pipetop_stage_dead_lettered_total",
    "pipetop_stage_restarts_total",
    "pipetop_stage_busy_ratio",
    "pipetop_stage_idle_ratio",
    "pipetop_stage_blocked_ratio",
    "pipetop_stage_bottleneck",
    "pipetop_stage_service_seconds_sum",
    "pipetop_stage_service_seconds_count",
    "pipetop_stage_wait_seconds_sum",
    "pipetop_stage_wait_seconds_count",
];

/// Starts a headless run of `scenario` serving /metrics on a free port;
/// returns it with the address it printed.
fn start_run(scenario: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", scenario, "--headless", "--duration", "4s"])
        .args(["--prometheus", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    // Reads stderr to its end so the run never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving /metrics on http://").nth(1) {
                let addr = rest.trim_end_matches("/metrics").to_string();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the run prints the address it serves /metrics on");
    (child, addr.parse().unwrap())
}

/// A minimal HTTP/1.0 GET; returns the content type and the body.
fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> (String, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{accept}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (content_type, body.to_string())
}

/// The value of the sample whose name and labels are exactly `series`, if any.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// The same, for a sample that must be there.
fn value(body: &str, series: &str) -> f64 {
    sample(body, series).unwrap_or_else(|| panic!("no sample {series} in\n{body}"))
}

fn promtool_check(body: &str) {
    let Ok(mut promtool) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("note: promtool not found (Debian package `prometheus`); skipping its check");
        return;
    };
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n--- exposition ---\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Scrapes `/metrics` until `ready` holds for the body (polling, for up to
/// 10 s); returns the content type and that body.
fn scrape_until(addr: SocketAddr, what: &str, ready: impl Fn(&str) -> bool) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (content_type, body) = get(addr, "/metrics", None);
        if ready(&body) {
            return (content_type, body);
        }
        assert!(Instant::now() < deadline, "{what} never served:\n{body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The stages of the `steady` demo.
const STEADY_STAGES: [&str; 5] = ["ingest", "normalize", "enrich", "score", "store"];

/// The backpressure levels, as the `level` label spells them.
const LEVELS: [&str; 3] = ["OK", "LOW", "HIGH"];

/// Series that count up while items flow.
const MOVING: &[&str] = &[
    "pipetop_generated_total",
    "pipetop_completed_total",
    "pipetop_checkpoint_watermark",
    "pipetop_end_to_end_seconds_count",
    "pipetop_stage_processed_total{stage=\"enrich\"}",
    "pipetop_stage_service_seconds_count{stage=\"enrich\"}",
];

#[test]
fn metrics_are_served_with_stage_labels_and_move_between_scrapes() {
    let (mut child, addr) = start_run("steady");
    let has_counted = |body: &str| {
        MOVING
            .iter()
            .all(|s| sample(body, s).is_some_and(|v| v > 0.0))
    };
    let (content_type, first) = scrape_until(addr, "a snapshot with items", has_counted);
    let moved = |body: &str| MOVING.iter().all(|s| sample(body, s) > sample(&first, s));
    let (_, second) = scrape_until(addr, "a later snapshot", moved);
    let (om_type, openmetrics) = get(
        addr,
        "/metrics",
        Some("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"),
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "the run failed: {status}");

    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    for name in PIPELINE_METRICS {
        value(&second, name);
    }
    for name in STAGE_METRICS {
        value(&second, &format!("{name}{{stage=\"enrich\"}}"));
    }
    for quantile in ["0.5", "0.9", "0.99"] {
        value(
            &second,
            &format!("pipetop_end_to_end_window_seconds{{quantile=\"{quantile}\"}}"),
        );
        for name in [
            "pipetop_stage_service_window_seconds",
            "pipetop_stage_wait_window_seconds",
        ] {
            value(
                &second,
                &format!("{name}{{stage=\"enrich\",quantile=\"{quantile}\"}}"),
            );
        }
    }
    assert!(second.contains("# TYPE pipetop_stage_service_window_seconds summary\n"));
    assert!(second.contains("# TYPE pipetop_end_to_end_window_seconds summary\n"));
    assert!(second.contains("# TYPE pipetop_stage_service_seconds histogram\n"));
    assert!(second.contains("# TYPE pipetop_end_to_end_seconds histogram\n"));
    // The histograms hold every item counted so far, in one bucket each.
    // (prometheus-client writes `le` before the other labels.)
    for stage in [None, Some("enrich"), Some("store")] {
        let (name, labels, after_le) = match stage {
            None => ("pipetop_end_to_end_seconds", String::new(), String::new()),
            Some(stage) => (
                "pipetop_stage_wait_seconds",
                format!("{{stage=\"{stage}\"}}"),
                format!(",stage=\"{stage}\""),
            ),
        };
        let count = value(&second, &format!("{name}_count{labels}"));
        let inf = value(&second, &format!("{name}_bucket{{le=\"+Inf\"{after_le}}}"));
        assert_eq!(count, inf, "{name}{labels}");
        let summary_count = value(
            &second,
            &format!(
                "{}_window_seconds_count{labels}",
                name.trim_end_matches("_seconds")
            ),
        );
        assert_eq!(
            count, summary_count,
            "{name}{labels}: histogram and summary count alike"
        );
        // Both sums add bucket midpoints (the summary's from its mean).
        let sum = value(&second, &format!("{name}_sum{labels}"));
        let summary_sum = value(
            &second,
            &format!(
                "{}_window_seconds_sum{labels}",
                name.trim_end_matches("_seconds")
            ),
        );
        assert!(
            (sum - summary_sum).abs() <= 1e-6 * summary_sum,
            "{name}{labels}: histogram sum {sum} vs summary sum {summary_sum}"
        );
    }
    assert!(second.contains("# TYPE pipetop_generated_total counter\n"));

    let ratios: f64 = ["busy", "idle", "blocked"]
        .iter()
        .map(|r| {
            value(
                &second,
                &format!("pipetop_stage_{r}_ratio{{stage=\"enrich\"}}"),
            )
        })
        .sum();
    assert!(
        (ratios - 1.0).abs() < 0.01,
        "busy + idle + blocked = {ratios}"
    );

    // Every stage is at exactly one backpressure level; at most one stage is the bottleneck.
    for stage in STEADY_STAGES {
        let levels: f64 = LEVELS
            .iter()
            .map(|level| {
                value(
                    &second,
                    &format!("pipetop_stage_backpressure{{stage=\"{stage}\",level=\"{level}\"}}"),
                )
            })
            .sum();
        assert_eq!(levels, 1.0, "{stage}: one level set\n{second}");
    }
    let bottlenecks: f64 = STEADY_STAGES
        .iter()
        .map(|stage| {
            value(
                &second,
                &format!("pipetop_stage_bottleneck{{stage=\"{stage}\"}}"),
            )
        })
        .sum();
    assert!(bottlenecks <= 1.0, "{bottlenecks} bottlenecks\n{second}");

    let enrich = |name: &str| value(&second, &format!("{name}{{stage=\"enrich\"}}"));
    assert!(enrich("pipetop_stage_queue_max") >= enrich("pipetop_stage_queue_len"));
    assert!(enrich("pipetop_stage_workers_target") >= 1.0);
    assert!(value(&second, "pipetop_process_resident_memory_bytes") > 0.0);
    assert!(value(&second, "pipetop_process_cpu_ratio") >= 0.0);
    assert!(value(&second, "pipetop_source_lag_seconds") >= 0.0);
    assert!(
        value(&second, "pipetop_checkpoint_watermark") <= value(&second, "pipetop_generated_total")
    );

    // Prometheus asks for OpenMetrics and gets it.
    assert!(
        om_type.starts_with("application/openmetrics-text"),
        "{om_type}"
    );
    assert!(openmetrics.ends_with("# EOF\n"));
    assert!(openmetrics.contains("# TYPE pipetop_generated counter\n"));
    assert!(openmetrics.contains("# UNIT pipetop_source_lag_seconds seconds\n"));
    assert!(openmetrics.contains("# UNIT pipetop_process_resident_memory_bytes bytes\n"));
    assert!(openmetrics.contains("# UNIT pipetop_end_to_end_seconds seconds\n"));
    value(&openmetrics, "pipetop_generated_total");

    promtool_check(&second);
}

#[test]
fn an_address_in_use_is_a_clear_error_before_the_run() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--duration", "10s"])
        .args(["--prometheus", &addr.to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad usage: {stderr}");
    assert!(
        stderr.contains(&format!("cannot serve /metrics on {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("pick another port"), "{stderr}");
    // Nothing ran: no summary.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_host_name_is_bad_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args([
            "run",
            "steady",
            "--headless",
            "--prometheus",
            "localhost:9898",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("127.0.0.1:9898"), "{stderr}");
}

#[test]
fn an_unbounded_queue_has_no_capacity_sample() {
    let (mut child, addr) = start_run("unbounded-memory");
    let (_, body) = scrape_until(addr, "archive's queue length", |body| {
        body.contains("pipetop_stage_queue_len{stage=\"archive\"}")
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !body.contains("pipetop_stage_queue_capacity{stage=\"archive\"}"),
        "an unbounded queue has no bound to report:\n{body}"
    );
}

#[test]
fn a_burst_exposes_backpressure_levels_the_bottleneck_and_source_lag() {
    use fixture::{STAGES, Scene};
    use pipetop::export::prometheus::{encode, to_classic_text};

    let snapshot = fixture::snapshot(Scene::Burst, 240, 1.0);
    let body = to_classic_text(&encode(Some(&snapshot)));

    // enrich is busy and unblocked below two blocked stages: the cause, not the victims.
    for stage in STAGES {
        let expected = if stage == "enrich" { 1.0 } else { 0.0 };
        let series = format!("pipetop_stage_bottleneck{{stage=\"{stage}\"}}");
        assert_eq!(value(&body, &series), expected, "{series}");
    }
    let level = |stage: &str, level: &str| {
        value(
            &body,
            &format!("pipetop_stage_backpressure{{stage=\"{stage}\",level=\"{level}\"}}"),
        )
    };
    for (stage, at) in [("ingest", "HIGH"), ("normalize", "HIGH"), ("enrich", "OK")] {
        for other in LEVELS {
            let expected = if other == at { 1.0 } else { 0.0 };
            assert_eq!(level(stage, other), expected, "{stage} at {other}");
        }
    }

    // The source is held back too, and says so.
    assert_eq!(value(&body, "pipetop_source_blocked_ratio"), 0.95);
    for other in LEVELS {
        let series = format!("pipetop_source_backpressure{{level=\"{other}\"}}");
        let expected = if other == "HIGH" { 1.0 } else { 0.0 };
        assert_eq!(value(&body, &series), expected, "{series}");
    }

    // Milliseconds and percent in the snapshot; seconds, ratios and bytes here.
    assert_eq!(value(&body, "pipetop_source_lag_seconds"), 3.4);
    assert_eq!(value(&body, "pipetop_process_cpu_ratio"), 0.61);
    assert_eq!(
        value(&body, "pipetop_process_resident_memory_bytes"),
        48.0 * 1024.0 * 1024.0
    );
    assert_eq!(
        value(&body, "pipetop_checkpoint_watermark"),
        snapshot.checkpoint as f64
    );
    let e2e = snapshot.end_to_end_ms;
    let p99 = value(
        &body,
        "pipetop_end_to_end_window_seconds{quantile=\"0.99\"}",
    );
    assert!((p99 - e2e.window.p99 / 1e3).abs() < 1e-9, "{p99}");
    assert_eq!(
        value(&body, "pipetop_end_to_end_window_seconds_count"),
        e2e.total.count as f64
    );
    let enrich = &snapshot.stages[2];
    assert_eq!(
        value(&body, "pipetop_stage_queue_max{stage=\"enrich\"}"),
        enrich.queue_max as f64
    );
    assert_eq!(
        value(&body, "pipetop_stage_workers_target{stage=\"enrich\"}"),
        enrich.workers_target as f64
    );

    promtool_check(&body);
}

#[test]
fn with_no_blocked_stage_there_is_no_bottleneck() {
    use pipetop::export::prometheus::{encode, to_classic_text};

    let snapshot = fixture::snapshot(fixture::Scene::Normal, 10, 0.0);
    assert_eq!(snapshot.bottleneck, None);
    let body = to_classic_text(&encode(Some(&snapshot)));
    for stage in fixture::STAGES {
        let series = format!("pipetop_stage_bottleneck{{stage=\"{stage}\"}}");
        assert_eq!(value(&body, &series), 0.0, "{series}");
        let ok = format!("pipetop_stage_backpressure{{stage=\"{stage}\",level=\"OK\"}}");
        assert_eq!(value(&body, &ok), 1.0, "{ok}");
    }
}
