//! pipetop as Prometheus users run it: a real Prometheus server (the Debian
//! package `prometheus`) scrapes a running `pipetop run --headless
//! --prometheus` every second, and its HTTP API answers the queries users
//! write: `rate` of the completed counter agrees with the run's throughput,
//! `histogram_quantile` of the end-to-end histogram agrees with pipetop's
//! own windowed p99 within the bucket resolution, and every query of
//! docs/grafana-dashboard.json returns data. Skipped, saying why, only when
//! `prometheus` is not installed. Both processes are killed by PID in Drop
//! guards, so a failing test leaks neither.
//!
//! HTTP goes over a small std `TcpStream` helper (HTTP/1.0, one request per
//! connection): the test needs plain GETs on loopback, not a client crate.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longer than anything here should take; reaching it means a hang.
const DEADLINE: Duration = Duration::from_secs(90);

/// Kills the process by its PID when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Percent-encodes a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// GET `path`; the status code and body, or None if nothing listens yet.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// An instant query through Prometheus's HTTP API: its result vector.
fn query(prometheus: SocketAddr, promql: &str) -> Vec<Value> {
    let (status, body) = get(
        prometheus,
        &format!("/api/v1/query?query={}", encode(promql)),
    )
    .expect("Prometheus answers");
    let json: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(status, 200, "{promql}: {body}");
    assert_eq!(json["status"], "success", "{promql}: {body}");
    json["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The value of a one-element result.
fn scalar(result: &[Value]) -> f64 {
    assert_eq!(result.len(), 1, "one series: {result:?}");
    result[0]["value"][1].as_str().unwrap().parse().unwrap()
}

/// Polls `ready` every 200 ms until it holds, failing at the deadline.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !ready() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A headless run of the `steady` demo serving /metrics, and its address.
fn start_pipetop(series: &Path) -> (Killed, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipetop"))
        .args(["run", "steady", "--headless", "--duration", "120s"])
        .args(["--prometheus", "127.0.0.1:0", "--series"])
        .arg(series)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving /metrics on http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches("/metrics").to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(DEADLINE)
        .expect("pipetop prints its address");
    (child, addr.parse().unwrap())
}

/// A Prometheus server scraping `target` every second, and its address.
fn start_prometheus(dir: &Path, target: SocketAddr) -> (Killed, SocketAddr) {
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: pipetop\n    static_configs:\n\
             \x20     - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    (Killed(child), addr)
}

/// The run's throughput so far, from its series: completed items over time.
fn throughput(series: &Path) -> f64 {
    let text = std::fs::read_to_string(series).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    last["totals"]["completed"].as_f64().unwrap() / last["t_s"].as_f64().unwrap()
}

/// Every PromQL expression of the dashboard, with its variables set as
/// Grafana would (all jobs, all stages, a 10 s rate interval), and the
/// selector inside each `label_values(…)` variable query.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/grafana-dashboard.json"
    ))
    .unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let mut exprs = Vec::new();
    let mut panels: Vec<&Value> = dashboard["panels"].as_array().unwrap().iter().collect();
    while let Some(panel) = panels.pop() {
        if let Some(inner) = panel["panels"].as_array() {
            panels.extend(inner);
        }
        for target in panel["targets"].as_array().into_iter().flatten() {
            exprs.push(target["expr"].as_str().unwrap().to_string());
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if let Some(definition) = variable["definition"].as_str() {
            let selector = definition
                .strip_prefix("label_values(")
                .and_then(|rest| rest.rsplit_once(','))
                .map(|(selector, _)| selector.to_string())
                .unwrap_or_else(|| panic!("a label_values query: {definition}"));
            exprs.push(selector);
        }
    }
    exprs
        .into_iter()
        .map(|expr| {
            expr.replace("$job", ".*")
                .replace("$stage", ".*")
                .replace("$__rate_interval", "10s")
        })
        .collect()
}

/// The bucket bounds pipetop exposes, in seconds, from its own exposition.
fn bucket_bounds(pipetop: SocketAddr) -> Vec<f64> {
    let (_, body) = get(pipetop, "/metrics").unwrap();
    body.lines()
        .filter_map(|line| line.strip_prefix("pipetop_end_to_end_seconds_bucket{le=\""))
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

#[test]
fn prometheus_scrapes_pipetop_and_answers_the_dashboards_queries() {
    if Command::new("prometheus")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "skipped: `prometheus` is not on PATH (Debian package `prometheus`; .ci/run installs it)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let series = dir.path().join("series.jsonl");
    let (_pipetop, target) = start_pipetop(&series);
    let (_prometheus, server) = start_prometheus(dir.path(), target);

    wait_until("Prometheus is ready", || {
        get(server, "/-/ready").is_some_and(|(status, _)| status == 200)
    });
    // Enough scrapes to fill the 10 s rate window.
    wait_until("a dozen scrapes of pipetop", || {
        let counted = query(server, "count_over_time(pipetop_completed_total[15s])");
        !counted.is_empty() && scalar(&counted) >= 12.0
    });

    // The counter's rate is the run's throughput (steady traffic).
    let rate = scalar(&query(server, "rate(pipetop_completed_total[10s])"));
    let run = throughput(&series);
    assert!(
        (rate - run).abs() <= 0.25 * run,
        "rate() {rate}/s vs the run's {run}/s"
    );

    // histogram_quantile lands in (or beside) the bucket of pipetop's own p99.
    let estimate = scalar(&query(
        server,
        "histogram_quantile(0.99, sum by (le) (rate(pipetop_end_to_end_seconds_bucket[5s])))",
    ));
    let own = scalar(&query(
        server,
        "pipetop_end_to_end_window_seconds{quantile=\"0.99\"}",
    ));
    let bounds = bucket_bounds(target);
    let bucket = bounds.partition_point(|&bound| bound < own);
    let low = bounds[..bucket.saturating_sub(1)]
        .last()
        .copied()
        .unwrap_or(0.0);
    let high = bounds.get(bucket + 1).copied().unwrap_or(f64::INFINITY);
    assert!(
        low <= estimate && estimate <= high,
        "histogram_quantile {estimate} s vs pipetop's p99 {own} s (bucket neighbours {low}..{high})"
    );

    eprintln!(
        "rate {rate:.1}/s vs run {run:.1}/s; p99 histogram_quantile {estimate:.4} s vs pipetop {own:.4} s"
    );
    for promql in dashboard_queries() {
        let result = query(server, &promql);
        assert!(
            !result.is_empty(),
            "no data for the dashboard's query {promql}"
        );
    }
}
